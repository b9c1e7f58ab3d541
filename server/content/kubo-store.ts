// The content store backed by an external Kubo node through its RPC API.
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { create, type KuboRPCClient } from "kubo-rpc-client";
import type { CID } from "multiformats/cid";
import type { AddOptions, AddResult, ContentStore, GetOptions } from "./content-store.ts";
import { IMPORT_PARAMETERS } from "./content-store.ts";
import { ContentError } from "./errors.ts";
import { parseCid, readUnixFsFile, rootsOf, statUnixFsFile, tapUpload, verifying } from "./stream.ts";

export type KuboStoreOptions = {
  /** Kubo's RPC API, e.g. `http://127.0.0.1:5001` (`IPFS_API_URL`). */
  url: string;
  /** Directory for the list of uploads and their times (`<data dir>/ipfs`). */
  dir: string;
  maxFileSize: number;
};

type Upload = { cid: string; addedAt: number; permanent: boolean };

/**
 * The content store on an external Kubo node, through `kubo-rpc-client`. Uploads are added with the same import
 * parameters as the embedded store (so a file has the same CID on both) and pinned at once; this store keeps the list of
 * its uploads and their times, so {@link collectGarbage} unpins only uploads never pinned for good and older than the
 * cutoff, then runs Kubo's repository GC. Reads fetch raw blocks (`block/get`) and re-hash each one here: a Kubo node
 * is not trusted to return the right bytes.
 *
 * A refused upload (too large, aborted) is cancelled mid-request; blocks Kubo had already written stay unpinned in its
 * repository until its next GC.
 */
export class KuboContentStore implements ContentStore {
  readonly #client: KuboRPCClient;
  readonly #path: string;
  readonly #maxFileSize: number;
  readonly #uploads: Map<string, Upload>;

  private constructor(client: KuboRPCClient, path: string, maxFileSize: number, uploads: Map<string, Upload>) {
    this.#client = client;
    this.#path = path;
    this.#maxFileSize = maxFileSize;
    this.#uploads = uploads;
  }

  static async open({ url, dir, maxFileSize }: KuboStoreOptions): Promise<KuboContentStore> {
    const client = create({ url });
    await client.id(); // fails fast with the node's error when the URL is wrong or the node is down
    const path = join(dir, "kubo-uploads.json");
    let uploads: Upload[] = [];
    try {
      uploads = JSON.parse(await readFile(path, "utf8")) as Upload[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    return new KuboContentStore(client, path, maxFileSize, new Map(uploads.map((u) => [u.cid, u])));
  }

  async add(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AddOptions = {}): Promise<AddResult> {
    const abort = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
    const upload = tapUpload(source, this.#maxFileSize, signal);
    const chunks = (async function* () {
      try {
        yield* upload.chunks;
      } catch (error) {
        abort.abort(error);
        throw error;
      }
    })();
    const added = await this.#client.add(chunks, {
      cidVersion: IMPORT_PARAMETERS.cidVersion,
      rawLeaves: IMPORT_PARAMETERS.rawLeaves,
      chunker: `size-${IMPORT_PARAMETERS.chunkSize}`,
      hashAlg: "sha2-256",
      trickle: false,
      pin: true,
      signal,
    });
    const cid = added.cid.toV1().toString();
    if (!this.#uploads.has(cid)) this.#uploads.set(cid, { cid, addedAt: Date.now(), permanent: false });
    await this.#save();
    return { ...upload.summary(options.mediaType), cid };
  }

  get(cid: string, options: GetOptions = {}): AsyncGenerator<Uint8Array> {
    return readUnixFsFile(this.#blocks(), cid, options);
  }

  stat(cid: string, options: { signal?: AbortSignal } = {}): Promise<{ size: number }> {
    return statUnixFsFile(this.#blocks(), cid, options.signal);
  }

  /** Kubo's blocks, each verified against its CID as it is read. */
  #blocks() {
    const client = this.#client;
    return verifying({
      read: async (block: CID, opts) => {
        try {
          return await client.block.get(block, opts?.signal ? { signal: opts.signal, timeout: 60_000 } : {});
        } catch (error) {
          throw new ContentError("NotFound", `block ${block} is not available from Kubo: ${(error as Error).message}`);
        }
      },
    });
  }

  /** Whether Kubo holds the file pinned (every upload through this store is pinned until collected). */
  async has(cid: string): Promise<boolean> {
    const root = parseCid(cid);
    try {
      for await (const pin of this.#client.pin.ls({ paths: [root] })) if (pin.cid.equals(root)) return true;
      return false;
    } catch {
      return false; // Kubo answers "not pinned" with an error
    }
  }

  async pin(cid: string): Promise<void> {
    const root = parseCid(cid);
    await this.#client.pin.add(root);
    const key = root.toV1().toString();
    this.#uploads.set(key, { cid: key, addedAt: this.#uploads.get(key)?.addedAt ?? Date.now(), permanent: true });
    await this.#save();
  }

  async collectGarbage(olderThanMs: number, keep: Iterable<string> = []): Promise<string[]> {
    const cutoff = Date.now() - olderThanMs;
    const kept = rootsOf(keep);
    const removed: string[] = [];
    for (const upload of this.#uploads.values()) {
      if (upload.permanent || upload.addedAt > cutoff || kept.has(upload.cid)) continue;
      await this.#client.pin.rm(parseCid(upload.cid)).catch(() => undefined);
      this.#uploads.delete(upload.cid);
      removed.push(upload.cid);
    }
    await this.#save();
    for await (const _ of this.#client.repo.gc());
    return removed;
  }

  async close(): Promise<void> {}

  async #save(): Promise<void> {
    await writeFile(`${this.#path}.tmp`, JSON.stringify([...this.#uploads.values()]));
    await rename(`${this.#path}.tmp`, this.#path);
  }
}
