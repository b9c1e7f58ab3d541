// Near-duplicate images among every registered work's fingerprint, in SQL, by core/phash.ts's distance.
import { type ImageFingerprint, SIMILAR_DISTANCE } from "../../../core/phash.ts";
import type { Sql } from "../../db/database.ts";
import { signedHash } from "../../indexer/metadata.ts";

/** At most this many near-duplicates are returned, nearest first. */
export const MAX_NEAR_DUPLICATES = 20;

export type NearDuplicate = { workId: string; distance: number };

/**
 * The registered works whose image is within `maxDistance` bits of `query`: the smallest Hamming distance between one
 * pHash and the other's pHash or crop variants, either way round, as `fingerprintDistance` computes it.
 */
export async function nearDuplicateWorks(
  sql: Sql,
  chainId: number,
  query: ImageFingerprint,
  options: { maxDistance?: number; excludeWorkId?: string } = {},
): Promise<NearDuplicate[]> {
  const rows = await sql.query<{ work_id: string; distance: number }>(
    "select * from (select f.work_id::text as work_id, least(bit_count(($2::bigint # f.hash)::bit(64)), " +
      "(select min(bit_count(($2::bigint # v)::bit(64))) from unnest(f.variants) v), " +
      "(select min(bit_count((q # f.hash)::bit(64))) from unnest($3::bigint[]) q))::int as distance " +
      "from image_fingerprints f where f.chain_id = $1 and f.work_id <> coalesce($5::numeric, -1)) d " +
      `where d.distance <= $4 order by d.distance, d.work_id limit ${MAX_NEAR_DUPLICATES}`,
    [
      chainId,
      signedHash(query.hash),
      `{${query.variants.map(signedHash).join(",")}}`,
      options.maxDistance ?? SIMILAR_DISTANCE,
      options.excludeWorkId ?? null,
    ],
  );
  return rows.map((r) => ({ workId: r.work_id, distance: Number(r.distance) }));
}

/** The stored fingerprint of a work, or null. */
export async function fingerprintOfWork(sql: Sql, chainId: number, workId: string): Promise<ImageFingerprint | null> {
  const [row] = await sql.query<{ hash: string; variants: string[] }>(
    "select hash::text as hash, variants::text[] as variants from image_fingerprints where chain_id = $1 and " +
      "work_id = $2::numeric",
    [chainId, workId],
  );
  if (!row) return null;
  const hex = (signed: string) => BigInt.asUintN(64, BigInt(signed)).toString(16).padStart(16, "0");
  return { hash: hex(row.hash), variants: row.variants.map(hex) };
}
