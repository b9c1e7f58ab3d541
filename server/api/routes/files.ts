// Files: streaming upload to the content store, returning the file's hash, CID, media type and perceptual hash.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ApiDeps, ApiOptions } from "../deps.ts";
import { Cid, errors, Hash } from "../schemas.ts";
import { ImageCollector } from "./image-collector.ts";
import { rawBody, requestChunks } from "./raw-body.ts";

const Uploaded = Type.Object({
  sha256: Hash,
  cid: Cid,
  size: Type.Integer(),
  mediaType: Type.String({ description: "sniffed from the bytes; the declared type only when the bytes show none" }),
  perceptualHash: Type.Union([Type.String(), Type.Null()], {
    description: "64-bit DCT hash (hex) of a PNG or JPEG image, for prior-art checks; null for other files",
  }),
});

export const filesRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; options: ApiOptions }> = async (
  app,
  { deps, options },
) => {
  rawBody(app, options.maxUploadBytes);

  app.post(
    "/files",
    {
      schema: {
        tags: ["files"],
        summary: "Upload a file to the content store (streamed; the body is the file)",
        description:
          `The request body is the file's bytes (any content type; at most ${options.maxUploadBytes} bytes, else 413 ` +
          "and nothing is stored). It is hashed and chunked as it streams in; an upload that is not registered is " +
          "removed by garbage collection after a day.",
        response: { 200: Uploaded, ...errors(400, 411, 413, 429) },
      },
    },
    async (request) => {
      const declared = request.headers["content-type"];
      const image = new ImageCollector();
      const chunks = requestChunks(request, options.maxUploadBytes, (chunk) => image.push(chunk));
      const added = await deps.store.add(chunks, declared ? { mediaType: declared } : {});
      const perceptualHash = (await image.fingerprint())?.hash ?? null;
      await deps.db.query(
        "insert into uploads (sha256, cid, size, media_type) values ($1, $2, $3, $4) on conflict (sha256) do nothing",
        [added.sha256, added.cid, added.size, added.mediaType],
      );
      return { ...added, perceptualHash };
    },
  );
};
