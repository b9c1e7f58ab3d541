// Reads and writes work metadata through the content store, validated both ways.
import { encodeWorkMetadata, parseWorkMetadata, type WorkMetadata } from "../../core/metadata.ts";
import type { ContentStore } from "./content-store.ts";
import { ContentError } from "./errors.ts";

/** Largest metadata document read or written (a metadata JSON is a few kilobytes). */
export const MAX_METADATA_BYTES = 64 * 1024;

/** Validates and stores a work's metadata as canonical JSON; returns its CID. Invalid metadata is never written. */
export async function storeWorkMetadata(store: ContentStore, metadata: WorkMetadata): Promise<string> {
  const bytes = encodeWorkMetadata(metadata);
  if (bytes.length > MAX_METADATA_BYTES) {
    throw new ContentError("TooLarge", `metadata of ${bytes.length} bytes exceeds ${MAX_METADATA_BYTES}`);
  }
  const { cid } = await store.add([bytes], { mediaType: "application/json" });
  return cid;
}

/**
 * Reads a work's metadata from the store (verified block by block) and validates it: metadata from IPFS is untrusted.
 * Throws `ContentError` (missing, corrupt, too large) or `MetadataError` (not valid metadata).
 */
export async function fetchWorkMetadata(
  store: ContentStore,
  cid: string,
  options: { signal?: AbortSignal } = {},
): Promise<WorkMetadata> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of store.get(cid, options)) {
    size += chunk.length;
    if (size > MAX_METADATA_BYTES)
      throw new ContentError("TooLarge", `metadata ${cid} exceeds ${MAX_METADATA_BYTES} bytes`);
    chunks.push(chunk);
  }
  return parseWorkMetadata(Buffer.concat(chunks));
}
