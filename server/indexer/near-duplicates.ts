// Near-duplicate images among every registered work's fingerprint, in SQL, by core/phash.ts's distance; stored pairs.
import { hammingDistance, type ImageFingerprint, SIMILAR_DISTANCE } from "../../core/phash.ts";
import type { Sql } from "../db/database.ts";

/** A 16-hex-digit pHash as the signed 64-bit integer PostgreSQL's bigint holds (same bits). */
export function signedHash(hex: string): string {
  return BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();
}

/** At most this many near-duplicates are returned, nearest first. */
export const MAX_NEAR_DUPLICATES = 20;

export type NearDuplicate = { workId: string; distance: number };

/** The radius of a fingerprint: how far its farthest crop variant is from its pHash, in bits. */
export function radiusOf(fingerprint: ImageFingerprint): number {
  return Math.max(0, ...fingerprint.variants.map((v) => hammingDistance(fingerprint.hash, v)));
}

/**
 * The registered works whose image is within `maxDistance` bits of `query`: the smallest Hamming distance between one
 * pHash and the other's pHash or crop variants, either way round, as `fingerprintDistance` computes it.
 *
 * Every fingerprint is compared in SQL, in two steps so that the full comparison (31 Hamming distances) runs only on
 * the few that can be near. Any pair within `maxDistance` has its two pHashes within `maxDistance` plus the larger of
 * the two radii ({@link radiusOf}), by the triangle inequality: a pHash against the other's variant, or a variant
 * against the other's pHash, is at most a radius from the pHash it was cropped from. The first step keeps the rows
 * whose pHash is that near (one distance each); it never drops a near-duplicate.
 */
export async function nearDuplicateWorks(
  sql: Sql,
  chainId: number,
  query: ImageFingerprint,
  options: { maxDistance?: number; excludeWorkId?: string } = {},
): Promise<NearDuplicate[]> {
  const rows = await sql.query<{ work_id: string; distance: number }>(
    "select d.work_id, d.distance from (select f.work_id as id, f.work_id::text as work_id, least(bit_count(($2::bigint # f.hash)::bit(64)), " +
      "(select min(bit_count(($2::bigint # v)::bit(64))) from unnest(f.variants) v), " +
      "(select min(bit_count((q # f.hash)::bit(64))) from unnest($3::bigint[]) q))::int as distance " +
      "from image_fingerprints f where f.chain_id = $1 and f.work_id <> coalesce($5::numeric, -1) and " +
      "bit_count(($2::bigint # f.hash)::bit(64)) <= $4::int + greatest(f.radius, $6::int)) d " +
      `where d.distance <= $4 order by d.distance, d.id limit ${MAX_NEAR_DUPLICATES}`,
    [
      chainId,
      signedHash(query.hash),
      `{${query.variants.map(signedHash).join(",")}}`,
      options.maxDistance ?? SIMILAR_DISTANCE,
      options.excludeWorkId ?? null,
      radiusOf(query),
    ],
  );
  return rows.map((r) => ({ workId: r.work_id, distance: Number(r.distance) }));
}

/**
 * Records a work's fingerprint and its pairs with every near-duplicate, both ways round (run it in a transaction):
 * one comparison with every fingerprint now, so that reading a work's near-duplicates is a lookup.
 */
export async function recordFingerprint(tx: Sql, chainId: number, workId: string, fingerprint: ImageFingerprint) {
  await tx.query(
    "insert into image_fingerprints (chain_id, work_id, hash, variants, radius) values ($1, $2, $3, $4::bigint[], " +
      "$5) on conflict (chain_id, work_id) do update set hash = excluded.hash, variants = excluded.variants, " +
      "radius = excluded.radius",
    [
      chainId,
      workId,
      signedHash(fingerprint.hash),
      `{${fingerprint.variants.map(signedHash).join(",")}}`,
      radiusOf(fingerprint),
    ],
  );
  await tx.query("delete from near_duplicates where chain_id = $1 and $2::numeric in (work_id, other_work_id)", [
    chainId,
    workId,
  ]);
  const near = await nearDuplicateWorks(tx, chainId, fingerprint, { excludeWorkId: workId });
  await storePairs(
    tx,
    chainId,
    near.map((n) => ({ a: workId, b: n.workId, distance: n.distance })),
  );
}

/** Stores near-duplicate pairs, each both ways round. */
export async function storePairs(
  sql: Sql,
  chainId: number,
  pairs: readonly { a: string; b: string; distance: number }[],
) {
  if (pairs.length === 0) return;
  await sql.query(
    "insert into near_duplicates (chain_id, work_id, other_work_id, distance) select $1, a, b, d from " +
      "unnest($2::numeric[], $3::numeric[], $4::smallint[]) as p(a, b, d) on conflict do nothing",
    [
      chainId,
      [...pairs.map((p) => p.a), ...pairs.map((p) => p.b)],
      [...pairs.map((p) => p.b), ...pairs.map((p) => p.a)],
      [...pairs.map((p) => p.distance), ...pairs.map((p) => p.distance)],
    ],
  );
}

/** A registered work's near-duplicates from the stored pairs, nearest first (works still mirrored only). */
export async function storedNearDuplicates(sql: Sql, chainId: number, workId: string): Promise<NearDuplicate[]> {
  const rows = await sql.query<NearDuplicate>(`select ${nearDuplicatesJson("$1", "$2::numeric")} as list`, [
    chainId,
    workId,
  ]);
  return (rows[0] as unknown as { list: NearDuplicate[] }).list;
}

/**
 * SQL for the stored near-duplicates of the work `work` of chain `chain` (SQL expressions) that are still mirrored, as
 * a JSON array of `{ workId, distance }`, nearest first: for one statement that reads a work's whole detail.
 */
export function nearDuplicatesJson(chain: string, work: string): string {
  return (
    "(select coalesce(json_agg(json_build_object('workId', n.other_work_id::text, 'distance', n.distance) order by " +
    "n.distance, n.other_work_id), '[]') from (select n.other_work_id, n.distance from near_duplicates n join works " +
    `d on d.chain_id = n.chain_id and d.work_id = n.other_work_id where n.chain_id = ${chain} and n.work_id = ` +
    `${work} order by n.distance, n.other_work_id limit ${MAX_NEAR_DUPLICATES}) n)`
  );
}
