// The read-only gateway GET /ipfs/<cid>: verified reads, byte ranges, ETags, and types that never render user HTML.
import { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { SNIFF_BYTES, sniffMediaType } from "../../content/media-type.ts";
import type { ApiDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { errors } from "../schemas.ts";

/** Media types the gateway lets a browser render; anything else (HTML, SVG, scripts) is served as a download. */
const INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "video/mp4"]);

const CID_PATTERN = "^[A-Za-z0-9]{10,200}$";

/** Parses a single `bytes=a-b` range of a file of `size` bytes; null when absent; throws 416 when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const unsatisfiable = () =>
    new ApiError(
      416,
      "InvalidRange",
      `range ${header.slice(0, 100)} is not within the ${size}-byte file`,
      "headers.range",
      {
        "content-range": `bytes */${size}`,
      },
    );
  if (!match || (match[1] === "" && match[2] === "")) throw unsatisfiable();
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) throw unsatisfiable();
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) throw unsatisfiable();
  return { start, end };
}

export const gatewayRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/ipfs/:cid",
    {
      schema: {
        tags: ["files"],
        summary: "Read a stored file (verified block by block), whole or a byte range",
        description:
          "Content-addressed: the ETag is the CID and responses are immutable. PNG, JPEG, GIF, WebP, PDF and MP4, " +
          "recognised from their bytes, are served with their type; anything else (HTML and SVG included) as an " +
          "application/octet-stream attachment, with nosniff and a sandboxing Content-Security-Policy.",
        params: Type.Object({ cid: Type.String({ pattern: CID_PATTERN, description: "a CID (v0 or v1)" }) }),
        headers: Type.Object({ range: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: {
          200: Type.Any({ description: "the file's bytes" }),
          206: Type.Any({ description: "the requested range" }),
          304: Type.Null({ description: "not modified (If-None-Match)" }),
          ...errors(400, 404, 416, 429),
        },
      },
    },
    async (request, reply) => {
      const { cid } = request.params;
      const { size } = await deps.store.stat(cid);
      const etag = `"${cid}"`;
      reply.header("etag", etag);
      reply.header("cache-control", "public, max-age=31536000, immutable");
      reply.header("x-content-type-options", "nosniff");
      reply.header("content-security-policy", "default-src 'none'; sandbox");
      reply.header("accept-ranges", "bytes");
      if (request.headers["if-none-match"]?.split(",").some((t) => t.trim() === etag))
        return reply.code(304).send(null);
      const head =
        size === 0
          ? new Uint8Array()
          : await first(deps.store.get(cid, { offset: 0, length: Math.min(SNIFF_BYTES, size) }));
      const type = sniffMediaType(head);
      if (INLINE.has(type)) reply.type(type);
      else reply.type("application/octet-stream").header("content-disposition", `attachment; filename="${cid}"`);
      const range = parseRange(request.headers.range, size);
      if (range) {
        reply.code(206).header("content-range", `bytes ${range.start}-${range.end}/${size}`);
        reply.header("content-length", range.end - range.start + 1);
        return reply.send(
          Readable.from(deps.store.get(cid, { offset: range.start, length: range.end - range.start + 1 })),
        );
      }
      reply.header("content-length", size);
      return reply.send(Readable.from(deps.store.get(cid)));
    },
  );
};

async function first(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
