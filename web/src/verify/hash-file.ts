// A file's SHA-256 in the browser: read in chunks and hashed as it goes with core's hasher, nothing uploaded.
import { sha256OfChunks } from "../../../core/verify.ts";

/** Bytes read and hashed at a time: large enough to be fast, small enough to keep memory flat and progress smooth. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/** The file's chunks, one at a time, reporting how many bytes have been read; stops when `signal` aborts. */
export async function* chunksOf(
  file: Blob,
  onProgress: (bytesRead: number) => void,
  signal?: AbortSignal,
  chunkBytes = CHUNK_BYTES,
): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < file.size; offset += chunkBytes) {
    signal?.throwIfAborted();
    const chunk = new Uint8Array(await file.slice(offset, offset + chunkBytes).arrayBuffer());
    yield chunk;
    onProgress(Math.min(offset + chunkBytes, file.size));
  }
  onProgress(file.size);
}

/** SHA-256 of a file as 0x-hex, by core/verify.ts, streaming through it. */
export function hashFile(file: Blob, onProgress: (bytesRead: number) => void, signal?: AbortSignal): Promise<string> {
  return sha256OfChunks(chunksOf(file, onProgress, signal));
}
