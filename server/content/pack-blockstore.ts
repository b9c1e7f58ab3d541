// A blockstore of pack files: one append-only pack and index per upload, written atomically.
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Blockstore, InputPair, Pair } from "interface-blockstore";
import { CID } from "multiformats/cid";
import { ContentError } from "./errors.ts";
import { matchesCid } from "./stream.ts";

type Location = { pack: string; offset: number; length: number; cid: string };
/** An open pack file and the reads using it now (an idle handle may be closed to bound the open files). */
type OpenPack = { handle: Promise<FileHandle>; readers: number };

/** At most this many idle pack files stay open (a store of 100,000 uploads must not hold 100,000 descriptors). */
export const MAX_OPEN_PACKS = 64;
type BlockEntry = [cid: string, offset: number, length: number];

/** What a sealed pack holds: one upload's blocks, its root and when it was written. */
export type PackInfo = { name: string; root: string | null; createdAt: number };
type PackIndex = { root: string | null; createdAt: number; blocks: BlockEntry[] };

/**
 * A blockstore that appends blocks to pack files instead of writing one file per block (the cost that keeps a naive
 * `FsBlockstore` near 10 MB/s). Each upload writes its own pack, so everything an upload wrote can be dropped at once.
 *
 * On disk, under `dir`: `<name>.pack` (the blocks, back to back) and `<name>.idx` (JSON: the upload's root CID, its
 * time, and for each block its CID, offset and length), written when the pack is sealed. Blocks are indexed in memory
 * by multihash. Packs do not share blocks, so dropping one never takes a block another needs. A pack and its index are
 * written as `.tmp` files and renamed into place, the index last: a crash leaves either a whole pack or leftovers
 * (`.tmp` files, a pack without index) that {@link open} removes.
 *
 * Every read re-hashes the block and compares it with its CID: a corrupted block is an error, never bad data.
 */
export class PackBlockstore implements Blockstore {
  readonly #dir: string;
  readonly #index = new Map<string, Location>();
  /** Open pack files, least recently used first. */
  readonly #handles = new Map<string, OpenPack>();
  readonly #packs = new Map<string, PackInfo>();
  /** How many sealed packs hold each root (an upload stored twice has two). */
  readonly #roots = new Map<string, number>();

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /** Opens the store in `dir`, creating it, removing unfinished packs and loading every sealed pack's index. */
  static async open(dir: string): Promise<PackBlockstore> {
    await mkdir(dir, { recursive: true });
    const store = new PackBlockstore(dir);
    const names = await readdir(dir);
    const present = new Set(names);
    // Many files at a time: a store of 100,000 uploads opens in seconds, not minutes.
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < names.length; i = next++) {
        const name = names[i] as string;
        const orphan = name.endsWith(".pack") && !present.has(`${name.slice(0, -5)}.idx`);
        if (name.endsWith(".tmp") || orphan) await rm(join(dir, name), { force: true });
        else if (name.endsWith(".idx")) await store.#load(name.slice(0, -4));
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    return store;
  }

  /** Starts a pack for one upload; its blocks are visible to {@link get} once sealed. */
  async writer(name: string): Promise<PackWriter> {
    return PackWriter.create(this, this.#dir, name);
  }

  /** The sealed packs. */
  packs(): PackInfo[] {
    return [...this.#packs.values()];
  }

  /** Whether a sealed pack has this root CID (v1 string). */
  holdsRoot(root: string): boolean {
    return this.#roots.has(root);
  }

  /** Deletes a sealed pack and forgets its blocks (blocks it shares with other packs stay readable there). */
  async dropPack(name: string): Promise<void> {
    const entry = this.#handles.get(name);
    this.#handles.delete(name);
    if (entry) await (await entry.handle).close();
    for (const [key, location] of this.#index) if (location.pack === name) this.#index.delete(key);
    const root = this.#packs.get(name)?.root;
    if (root) {
      const count = (this.#roots.get(root) ?? 1) - 1;
      if (count > 0) this.#roots.set(root, count);
      else this.#roots.delete(root);
    }
    this.#packs.delete(name);
    await rm(join(this.#dir, `${name}.idx`), { force: true });
    await rm(join(this.#dir, `${name}.pack`), { force: true });
    // Another pack may hold the same blocks: index them from there.
    for (const other of this.packs()) await this.#load(other.name);
  }

  has(cid: CID): boolean {
    return this.#index.has(keyOf(cid));
  }

  async put(cid: CID, value: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<CID> {
    const writer = await this.writer(`put-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    await writer.put(cid, await collect(value));
    await writer.seal(cid.toString());
    return cid;
  }

  async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>): AsyncGenerator<CID> {
    const writer = await this.writer(`put-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    const cids: CID[] = [];
    for await (const { cid, bytes } of source) {
      await writer.put(cid, await collect(bytes));
      cids.push(cid);
    }
    await writer.seal(null);
    yield* cids;
  }

  async *get(cid: CID): AsyncGenerator<Uint8Array> {
    yield await this.read(cid);
  }

  /** The verified bytes of a block. */
  async read(cid: CID): Promise<Uint8Array> {
    const location = this.#index.get(keyOf(cid));
    if (!location) throw new ContentError("NotFound", `block ${cid} is not stored`);
    const bytes = new Uint8Array(location.length);
    const entry = this.#open(location.pack);
    let bytesRead: number;
    try {
      ({ bytesRead } = await (await entry.handle).read(bytes, 0, location.length, location.offset));
    } finally {
      entry.readers--;
      this.#closeIdle();
    }
    if (bytesRead !== location.length || !matchesCid(cid, bytes)) {
      throw new ContentError("Corrupt", `block ${cid} in pack ${location.pack} does not match its hash`);
    }
    return bytes;
  }

  async *getMany(source: Iterable<CID> | AsyncIterable<CID>): AsyncGenerator<Pair> {
    for await (const cid of source) yield { cid, bytes: this.get(cid) };
  }

  async *getAll(): AsyncGenerator<Pair> {
    for (const location of this.#index.values()) {
      const cid = CID.parse(location.cid);
      yield { cid, bytes: this.get(cid) };
    }
  }

  /** Blocks live and die with their pack ({@link dropPack}); single deletes only forget the block. */
  delete(cid: CID): void {
    this.#index.delete(keyOf(cid));
  }

  async *deleteMany(source: Iterable<CID> | AsyncIterable<CID>): AsyncGenerator<CID> {
    for await (const cid of source) {
      this.delete(cid);
      yield cid;
    }
  }

  async close(): Promise<void> {
    for (const entry of this.#handles.values()) await (await entry.handle).close();
    this.#handles.clear();
  }

  /** Called by a writer once its pack is sealed. */
  register(pack: string, index: PackIndex): void {
    if (index.root !== null && !this.#packs.has(pack))
      this.#roots.set(index.root, (this.#roots.get(index.root) ?? 0) + 1);
    this.#packs.set(pack, { name: pack, root: index.root, createdAt: index.createdAt });
    for (const [cid, offset, length] of index.blocks) {
      const key = keyOf(CID.parse(cid));
      if (!this.#index.has(key)) this.#index.set(key, { pack, offset, length, cid });
    }
  }

  async #load(pack: string): Promise<void> {
    this.register(pack, JSON.parse(await readFile(join(this.#dir, `${pack}.idx`), "utf8")) as PackIndex);
  }

  /** The pack's open file, marked in use by one more reader (the caller decrements `readers` when done). */
  #open(pack: string): OpenPack {
    let entry = this.#handles.get(pack);
    if (entry)
      this.#handles.delete(pack); // re-inserted below: most recently used last
    else entry = { handle: open(join(this.#dir, `${pack}.pack`), "r"), readers: 0 };
    entry.readers++;
    this.#handles.set(pack, entry);
    return entry;
  }

  /** Closes the least recently used idle packs beyond {@link MAX_OPEN_PACKS}. */
  #closeIdle(): void {
    if (this.#handles.size <= MAX_OPEN_PACKS) return;
    for (const [pack, entry] of this.#handles) {
      if (this.#handles.size <= MAX_OPEN_PACKS) break;
      if (entry.readers > 0) continue;
      this.#handles.delete(pack);
      entry.handle.then((h) => h.close()).catch(() => undefined);
    }
  }
}

/**
 * Appends one upload's blocks to a pack. Writes are buffered into large sequential writes; {@link seal} makes the
 * pack durable and visible, {@link abort} removes every trace of it.
 */
export class PackWriter {
  readonly #store: PackBlockstore;
  readonly #tmp: string;
  readonly #final: string;
  readonly #indexPath: string;
  readonly #name: string;
  readonly #handle: FileHandle;
  readonly #entries: BlockEntry[] = [];
  readonly #seen = new Set<string>();
  #buffer: Buffer[] = [];
  #buffered = 0;
  #offset = 0;
  #written = 0;
  #synced = 0;
  #inFlight: Promise<unknown> = Promise.resolve();

  private constructor(store: PackBlockstore, dir: string, name: string, handle: FileHandle) {
    this.#store = store;
    this.#name = name;
    this.#final = join(dir, `${name}.pack`);
    this.#tmp = `${this.#final}.tmp`;
    this.#indexPath = join(dir, `${name}.idx`);
    this.#handle = handle;
  }

  static async create(store: PackBlockstore, dir: string, name: string): Promise<PackWriter> {
    const handle = await open(join(dir, `${name}.pack.tmp`), "w");
    return new PackWriter(store, dir, name, handle);
  }

  /** Bytes written to the pack so far. */
  get size(): number {
    return this.#offset;
  }

  async put(cid: CID, bytes: Uint8Array): Promise<CID> {
    const key = keyOf(cid);
    if (this.#seen.has(key)) return cid;
    this.#seen.add(key);
    this.#entries.push([cid.toString(), this.#offset, bytes.length]);
    this.#offset += bytes.length;
    this.#buffer.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.#buffered += bytes.length;
    if (this.#buffered >= 8 * 1024 * 1024) await this.#flush();
    return cid;
  }

  /** Flushes, syncs, writes the index and renames the pack into place; `root` is the upload's root CID. */
  async seal(root: string | null): Promise<void> {
    await this.#flush();
    await this.#inFlight;
    await this.#handle.sync();
    await this.#handle.close();
    const index: PackIndex = { root, createdAt: Date.now(), blocks: this.#entries };
    await writeFile(`${this.#indexPath}.tmp`, JSON.stringify(index));
    await rename(this.#tmp, this.#final);
    await rename(`${this.#indexPath}.tmp`, this.#indexPath);
    this.#store.register(this.#name, index);
  }

  /** Discards the pack: nothing of it stays on disk. */
  async abort(): Promise<void> {
    await this.#inFlight.catch(() => undefined);
    await this.#handle.close().catch(() => undefined);
    await rm(this.#tmp, { force: true });
  }

  /**
   * Hands the buffered blocks to the disk while the next ones are hashed and chunked: one write is in flight at a time
   * (the next flush waits for it), and every 64 MiB the written part is synced, so the final sync has little left.
   */
  async #flush(): Promise<void> {
    await this.#inFlight;
    if (this.#buffered === 0) return;
    const buffers = this.#buffer;
    const position = this.#written;
    this.#buffer = [];
    this.#written += this.#buffered;
    this.#buffered = 0;
    const syncDue = this.#written - this.#synced >= 64 * 1024 * 1024;
    if (syncDue) this.#synced = this.#written;
    this.#inFlight = this.#handle.writev(buffers, position).then(() => (syncDue ? this.#handle.datasync() : undefined));
  }
}

/** Index key of a block: its multihash in hex (the codec does not matter for the bytes). */
function keyOf(cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString("hex");
}

async function collect(value: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (value instanceof Uint8Array) return value;
  const chunks: Uint8Array[] = [];
  for await (const chunk of value) chunks.push(chunk);
  return Buffer.concat(chunks);
}
