// One pass over an upload: size limit, sha256, media type sniffing, feeding the chunker.
import { createHash } from "node:crypto";
import { exporter } from "ipfs-unixfs-exporter";
import { CID } from "multiformats/cid";
import type { GetOptions } from "./content-store.ts";
import { ContentError } from "./errors.ts";
import { SNIFF_BYTES, sniffMediaType } from "./media-type.ts";

/**
 * The one pass every backend makes over an upload: counts, hashes and sniffs each chunk on its way through, and stops
 * the upload with `TooLarge` the moment it passes the limit (nothing more is read from the source).
 */
export function tapUpload(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxFileSize: number,
  signal?: AbortSignal,
): {
  chunks: AsyncGenerator<Uint8Array>;
  summary: (declared?: string) => { sha256: `0x${string}`; size: number; mediaType: string };
} {
  const hash = createHash("sha256");
  const head = new Uint8Array(SNIFF_BYTES);
  let size = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    signal?.throwIfAborted();
    for await (const received of source) {
      signal?.throwIfAborted();
      // A copy: the importer and the pack writer keep references, and a source may reuse its buffer.
      const chunk = received.slice();
      if (size < SNIFF_BYTES) head.set(chunk.subarray(0, SNIFF_BYTES - size), size);
      size += chunk.length;
      if (size > maxFileSize) throw new ContentError("TooLarge", `the file exceeds the ${maxFileSize}-byte limit`);
      hash.update(chunk);
      yield chunk;
    }
    signal?.throwIfAborted();
  }
  return {
    chunks: chunks(),
    summary: (declared) => ({
      sha256: `0x${hash.digest("hex")}`,
      size,
      mediaType: sniffMediaType(head.subarray(0, Math.min(size, SNIFF_BYTES)), declared),
    }),
  };
}

/** Where verified reads fetch blocks from: the embedded pack store, or a Kubo node's `block/get`. */
export type BlockSource = { read(cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array> };

/** A block source whose every block is re-hashed against its CID before use. */
export function verifying(source: BlockSource): BlockSource {
  return {
    async read(cid, options) {
      const bytes = await source.read(cid, options);
      if (!matchesCid(cid, bytes)) throw new ContentError("Corrupt", `block ${cid} does not match its hash`);
      return bytes;
    },
  };
}

/** Whether bytes hash (sha2-256) to the CID's multihash. */
export function matchesCid(cid: CID, bytes: Uint8Array): boolean {
  if (cid.multihash.code !== 0x12) return false;
  return Buffer.compare(createHash("sha256").update(bytes).digest(), cid.multihash.digest) === 0;
}

/** Streams a UnixFS file (or a range of it) from verified blocks. */
/** The size of a stored file, read from its root block (verified); refuses a DAG that is not a file. */
export async function statUnixFsFile(
  source: BlockSource,
  cid: string,
  signal?: AbortSignal,
): Promise<{ size: number }> {
  const root = parseCid(cid);
  const options = signal ? { signal } : {};
  const blockstore = {
    async *get(key: CID) {
      yield await source.read(key, options);
    },
  };
  const entry = await exporter(root, blockstore, options);
  if (entry.type !== "file" && entry.type !== "raw") throw new ContentError("NotAFile", `${cid} is not a file`);
  return { size: Number(entry.size) };
}

export async function* readUnixFsFile(
  source: BlockSource,
  cid: string,
  options: GetOptions = {},
): AsyncGenerator<Uint8Array> {
  const root = parseCid(cid);
  const signal = options.signal ? { signal: options.signal } : {};
  const blockstore = {
    async *get(key: CID) {
      yield await source.read(key, signal);
    },
  };
  const entry = await exporter(root, blockstore, signal);
  if (entry.type !== "file" && entry.type !== "raw") throw new ContentError("NotAFile", `${cid} is not a file`);
  const size = Number(entry.size);
  const offset = options.offset ?? 0;
  const length = options.length ?? size - offset;
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new ContentError("InvalidRange", `range ${offset}+${length} is outside the ${size}-byte file ${cid}`);
  }
  if (length === 0) return;
  yield* entry.content({ offset, length, ...signal });
}

export function parseCid(cid: string): CID {
  try {
    return CID.parse(cid);
  } catch {
    throw new ContentError("InvalidCid", `"${cid.slice(0, 100)}" is not a CID`);
  }
}

/** The CIDs as CIDv1 strings, the form the stores key their uploads by; what is not a CID names nothing. */
export function rootsOf(cids: Iterable<string>): Set<string> {
  const roots = new Set<string>();
  for (const cid of cids) {
    try {
      roots.add(CID.parse(cid).toV1().toString());
    } catch {
      // Not a CID: it cannot name an upload.
    }
  }
  return roots;
}
