// Request bodies taken as raw byte streams (uploads, verification): never buffered whole, cut off at the size limit.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../errors.ts";

/** In this plugin's scope, every request body is left unread for the handler to stream ({@link requestChunks}). */
export function rawBody(app: FastifyInstance, limit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { bodyLimit: limit }, (_request, _payload, done) => done(null, undefined));
}

const tooLarge = (limit: number) =>
  new ApiError(413, "TooLarge", `the body is larger than the limit of ${limit} bytes; nothing was stored`, "body");

/**
 * The request body's chunks, refused with 413 as soon as they pass `limit` bytes (or at once when Content-Length
 * says so); `onChunk` sees each chunk as it passes.
 */
export async function* requestChunks(
  request: FastifyRequest,
  limit: number,
  onChunk?: (chunk: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    onChunk?.(chunk);
    yield chunk;
  }
}
