// Verification: is this file (uploaded, hashed as it streams, never stored) or this sha256 a registered work?

import { createHash } from "node:crypto";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Sql } from "../../db/database.ts";
import { type NearDuplicate, nearDuplicateWorks } from "../../indexer/near-duplicates.ts";
import type { ApiDeps, ApiOptions } from "../deps.ts";
import { Address, Cid, errors, Hash, iso, Time, WorkId } from "../schemas.ts";
import { ImageCollector } from "./image-collector.ts";
import { rawBody, requestChunks } from "./raw-body.ts";

const Verification = Type.Object({
  sha256: Hash,
  size: Type.Union([Type.Integer(), Type.Null()], { description: "bytes received; null when verified by hash" }),
  registered: Type.Boolean(),
  message: Type.String({ description: "the verdict in words" }),
  nearDuplicates: Type.Array(Type.Object({ workId: WorkId, distance: Type.Integer() }), {
    description: "for a PNG or JPEG upload: registered works whose image is perceptually near it, nearest first",
  }),
  work: Type.Union([
    Type.Object({
      workId: WorkId,
      chainId: Type.Integer(),
      creator: Address,
      owner: Address,
      registeredAt: Time,
      recordedAt: Time,
      metadataCid: Cid,
      name: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});

async function verdict(
  sql: Sql,
  chainId: number,
  sha256: `0x${string}`,
  size: number | null,
  nearDuplicates: NearDuplicate[] = [],
) {
  const [row] = await sql.query(
    "select work_id::text as work_id, creator, owner, extract(epoch from registered_at)::bigint as registered_at, " +
      "extract(epoch from recorded_at)::bigint as recorded_at, metadata_cid, name from works where chain_id = $1 " +
      "and work_id = $2::numeric",
    [chainId, BigInt(sha256).toString()],
  );
  if (!row) {
    return {
      sha256,
      size,
      registered: false,
      message: `no work with sha256 ${sha256} is registered on chain ${chainId}`,
      nearDuplicates,
      work: null,
    };
  }
  const registeredAt = iso(row["registered_at"]) as string;
  return {
    sha256,
    size,
    registered: true,
    message: `registered by ${row["creator"]} at ${registeredAt}; held by ${row["owner"]}`,
    nearDuplicates,
    work: {
      workId: String(row["work_id"]),
      chainId,
      creator: String(row["creator"]),
      owner: String(row["owner"]),
      registeredAt,
      recordedAt: iso(row["recorded_at"]) as string,
      metadataCid: String(row["metadata_cid"]),
      name: (row["name"] as string | null) ?? null,
    },
  };
}

export const verifyRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; options: ApiOptions }> = async (
  app,
  { deps, options },
) => {
  rawBody(app, options.maxUploadBytes);

  app.post(
    "/verify",
    {
      schema: {
        tags: ["verify"],
        summary: "Verify a file: its sha256 as it streams in (nothing is stored), and the work registered with it",
        description: `The request body is the file's bytes, at most ${options.maxUploadBytes} bytes.`,
        response: { 200: Verification, ...errors(400, 413, 429) },
      },
    },
    async (request) => {
      let size = 0;
      const image = new ImageCollector();
      // Node's SHA-256 (OpenSSL, with the CPU's SHA instructions): several times core's portable one on large files.
      const hash = createHash("sha256");
      for await (const chunk of requestChunks(request, options.maxUploadBytes)) {
        size += chunk.length;
        image.push(chunk);
        hash.update(chunk);
      }
      const sha256 = `0x${hash.digest("hex")}` as const;
      const fingerprint = await image.fingerprint();
      const near = fingerprint ? await nearDuplicateWorks(deps.db, deps.chain.chainId, fingerprint) : [];
      return verdict(deps.db, deps.chain.chainId, sha256, size, near);
    },
  );

  app.get(
    "/verify/:sha256",
    {
      schema: {
        tags: ["verify"],
        summary: "Verify a sha256: the work registered with it, or a clear not registered",
        params: Type.Object({ sha256: Hash }),
        response: { 200: Verification, ...errors(400, 429) },
      },
    },
    async (request) => verdict(deps.db, deps.chain.chainId, request.params.sha256.toLowerCase() as `0x${string}`, null),
  );
};
