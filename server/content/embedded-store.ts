// The embedded content store: UnixFS blocks in pack files, verified reads, pins and garbage collection.
import { randomBytes } from "node:crypto";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { importByteStream } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import type { CID } from "multiformats/cid";
import type { AddOptions, AddResult, ContentStore, GetOptions } from "./content-store.ts";
import { IMPORT_PARAMETERS } from "./content-store.ts";
import { ContentError } from "./errors.ts";
import { PackBlockstore } from "./pack-blockstore.ts";
import { parseCid, readUnixFsFile, rootsOf, statUnixFsFile, tapUpload } from "./stream.ts";

/** The pinned roots, one CID per line, appended as they are pinned (`<dir>/pins.log`). */
const PIN_LOG = "pins.log";

export type EmbeddedStoreOptions = {
  /** Directory of the store (`<data dir>/ipfs`). */
  dir: string;
  /** Largest file accepted, in bytes. */
  maxFileSize: number;
};

/** The importer options that reproduce `ipfs add --cid-version 1` (see {@link IMPORT_PARAMETERS}). */
export const importerOptions = {
  cidVersion: IMPORT_PARAMETERS.cidVersion,
  rawLeaves: IMPORT_PARAMETERS.rawLeaves,
  reduceSingleLeafToSelf: IMPORT_PARAMETERS.reduceSingleLeafToSelf,
  chunker: fixedSize({ chunkSize: IMPORT_PARAMETERS.chunkSize }),
  layout: balanced({ maxChildrenPerNode: IMPORT_PARAMETERS.maxChildrenPerNode }),
} as const;

/**
 * The embedded content store: UnixFS DAGs (the blocks any IPFS node exchanges) in pack files under the data directory.
 * An upload is hashed, chunked, and written in one streaming pass into its own pack; a pack becomes visible only when
 * complete, and an upload that fails (too large, aborted, a read error) leaves nothing behind.
 */
export class EmbeddedContentStore implements ContentStore {
  readonly blocks: PackBlockstore;
  readonly #dir: string;
  readonly #maxFileSize: number;
  readonly #pins: Set<string>;
  #pinWrites: Promise<void> = Promise.resolve();

  private constructor(dir: string, blocks: PackBlockstore, maxFileSize: number, pins: Set<string>) {
    this.#dir = dir;
    this.blocks = blocks;
    this.#maxFileSize = maxFileSize;
    this.#pins = pins;
  }

  static async open({ dir, maxFileSize }: EmbeddedStoreOptions): Promise<EmbeddedContentStore> {
    const blocks = await PackBlockstore.open(join(dir, "packs"));
    let log = "";
    try {
      log = await readFile(join(dir, PIN_LOG), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    // Only whole lines count: a crash mid-append leaves a last line without its newline, of a pin never acknowledged,
    // which is cut off before anything is appended after it.
    const whole = log.slice(0, log.lastIndexOf("\n") + 1);
    if (whole.length < log.length) await writeFile(join(dir, PIN_LOG), whole);
    const pins = whole.split("\n").slice(0, -1);
    return new EmbeddedContentStore(dir, blocks, maxFileSize, new Set(pins));
  }

  async add(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AddOptions = {}): Promise<AddResult> {
    const writer = await this.blocks.writer(`upload-${Date.now()}-${randomBytes(6).toString("hex")}`);
    const upload = tapUpload(source, this.#maxFileSize, options.signal);
    try {
      const put = (cid: CID, bytes: unknown) => writer.put(cid, bytes as Uint8Array);
      const entry = await importByteStream(upload.chunks, { put }, importerOptions);
      const cid = entry.cid.toV1().toString();
      await writer.seal(cid);
      return { ...upload.summary(options.mediaType), cid };
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  get(cid: string, options: GetOptions = {}): AsyncGenerator<Uint8Array> {
    return readUnixFsFile(this.blocks, cid, options);
  }

  stat(cid: string, options: { signal?: AbortSignal } = {}): Promise<{ size: number }> {
    return statUnixFsFile(this.blocks, cid, options.signal);
  }

  /** True when the whole file is here: an upload of it, or every block of its DAG (read and verified). */
  async has(cid: string): Promise<boolean> {
    const root = parseCid(cid);
    if (this.blocks.holdsRoot(root.toV1().toString())) return true;
    if (!this.blocks.has(root)) return false;
    try {
      for await (const _ of this.get(cid));
      return true;
    } catch (error) {
      if (error instanceof ContentError && error.code === "NotFound") return false;
      throw error;
    }
  }

  async pin(cid: string): Promise<void> {
    const root = parseCid(cid).toV1().toString();
    if (!this.blocks.holdsRoot(root)) throw new ContentError("NotFound", `${cid} is not stored`);
    if (this.#pins.has(root)) return;
    this.#pins.add(root);
    // One append at a time, each a whole line: the log grows by one line per pin, whatever the number pinned.
    const write = this.#pinWrites.then(() => appendFile(join(this.#dir, PIN_LOG), `${root}\n`));
    this.#pinWrites = write.catch(() => undefined);
    await write;
  }

  pinned(cid: string): boolean {
    return this.#pins.has(parseCid(cid).toV1().toString());
  }

  /** Drops unpinned uploads older than the cutoff; returns the roots no longer stored at all (each once). */
  async collectGarbage(olderThanMs: number, keep: Iterable<string> = []): Promise<string[]> {
    const cutoff = Date.now() - olderThanMs;
    const kept = rootsOf(keep);
    const dropped = new Set<string>();
    for (const pack of this.blocks.packs()) {
      if (pack.createdAt > cutoff || (pack.root !== null && (this.#pins.has(pack.root) || kept.has(pack.root)))) {
        continue;
      }
      await this.blocks.dropPack(pack.name);
      if (pack.root !== null) dropped.add(pack.root);
    }
    const remaining = new Set(this.blocks.packs().map((p) => p.root));
    return [...dropped].filter((root) => !remaining.has(root));
  }

  async close(): Promise<void> {
    await this.blocks.close();
  }
}
