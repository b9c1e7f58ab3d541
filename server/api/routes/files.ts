// Files: streaming upload to the content store, returning the file's hash, CID, media type and perceptual hash.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { imageFingerprintOf } from "../../content/image.ts";
import { SNIFF_BYTES, sniffMediaType } from "../../content/media-type.ts";
import type { ApiDeps, ApiOptions } from "../deps.ts";
import { Cid, errors, Hash } from "../schemas.ts";
import { rawBody, requestChunks } from "./raw-body.ts";

/** Images up to this size are kept in memory while they stream to the store, for their perceptual hash. */
export const MAX_HASHED_IMAGE_BYTES = 64 * 1024 * 1024;

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
      let image: Uint8Array[] | null = [];
      let kept = 0;
      const chunks = requestChunks(request, options.maxUploadBytes, (chunk) => {
        if (image === null) return;
        if (kept === 0 && !/^image\/(png|jpeg)$/.test(sniffMediaType(chunk.subarray(0, SNIFF_BYTES), declared))) {
          image = null;
          return;
        }
        kept += chunk.length;
        if (kept > MAX_HASHED_IMAGE_BYTES) image = null;
        else image.push(chunk);
      });
      const added = await deps.store.add(chunks, declared ? { mediaType: declared } : {});
      let perceptualHash: string | null = null;
      const bytes = image as Uint8Array[] | null;
      if (bytes && /^image\/(png|jpeg)$/.test(added.mediaType)) {
        try {
          perceptualHash = imageFingerprintOf(Buffer.concat(bytes), added.mediaType)?.hash ?? null;
        } catch {
          // An image that does not decode (or is a decompression bomb) has no perceptual hash; the file is kept.
          perceptualHash = null;
        }
      }
      return { ...added, perceptualHash };
    },
  );
};
