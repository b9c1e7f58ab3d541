// The embedded content store on disk: CIDs, verified reads, limits, crashes, pins and GC.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { appendFile, mkdir, mkdtemp, open, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { expect } from "chai";
import { importBytes } from "ipfs-unixfs-importer";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { IMPORT_PARAMETERS } from "../../server/content/content-store.ts";
import { EmbeddedContentStore, importerOptions } from "../../server/content/embedded-store.ts";
import { ContentError, type ContentErrorCode } from "../../server/content/errors.ts";
import { MAX_OPEN_PACKS } from "../../server/content/pack-blockstore.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK = IMPORT_PARAMETERS.chunkSize;
const RAW = 0x55;
const SHA2_256 = 0x12;

/** The deterministic test content: byte i = (i*31 + (i>>8)) & 255. */
function pattern(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 255;
  return bytes;
}

function sha256Hex(bytes: Uint8Array): `0x${string}` {
  return `0x${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The CIDv1 of a raw block (a raw leaf): what the store indexes each chunk under. */
function rawCid(bytes: Uint8Array): CID {
  return CID.create(1, RAW, Digest.create(SHA2_256, createHash("sha256").update(bytes).digest()));
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Reads a stream until it ends or fails, keeping what it yielded before failing. */
async function drain(source: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
  return { bytes: Buffer.concat(chunks), error: undefined };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail("expected a rejection");
}

async function expectContentError(promise: Promise<unknown>, code: ContentErrorCode): Promise<ContentError> {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(ContentError);
  expect((error as ContentError).code).to.equal(code);
  return error as ContentError;
}

/** Splits bytes into chunks of the given sizes, then the rest in one chunk. */
function* pieces(bytes: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let at = 0;
  for (const size of sizes) {
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A blockstore that keeps nothing: enough for the importer to compute CIDs. */
const discard = { put: async (cid: CID) => cid };

type IndexFile = { root: string | null; createdAt: number; blocks: [cid: string, offset: number, length: number][] };

describe("server/content/embedded-store", () => {
  let dir: string;
  let storeDir: string;
  let packsDir: string;
  let opened: EmbeddedContentStore[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "titlechain-embedded-"));
    storeDir = join(dir, "ipfs");
    packsDir = join(storeDir, "packs");
    opened = [];
  });

  afterEach(async () => {
    for (const store of opened) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function openStore(maxFileSize = 256 * MiB): Promise<EmbeddedContentStore> {
    const store = await EmbeddedContentStore.open({ dir: storeDir, maxFileSize });
    opened.push(store);
    return store;
  }

  async function reopen(store: EmbeddedContentStore, maxFileSize?: number): Promise<EmbeddedContentStore> {
    await store.close();
    return openStore(maxFileSize);
  }

  async function writeTestFile(name: string, bytes: Uint8Array): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  }

  async function packFiles(): Promise<string[]> {
    return (await readdir(packsDir)).sort();
  }

  /** The on-disk files of the sealed pack whose root is `cid` (exactly one such pack expected). */
  function packOf(store: EmbeddedContentStore, cid: string): { pack: string; idx: string } {
    const packs = store.blocks.packs().filter((p) => p.root === cid);
    expect(packs).to.have.length(1);
    const name = (packs[0] as { name: string }).name;
    return { pack: join(packsDir, `${name}.pack`), idx: join(packsDir, `${name}.idx`) };
  }

  function filesOf(store: EmbeddedContentStore, cids: readonly string[]): string[] {
    return cids.flatMap((cid) => {
      const { pack, idx } = packOf(store, cid);
      return [pack.slice(packsDir.length + 1), idx.slice(packsDir.length + 1)];
    });
  }

  async function flipByte(path: string, position: number): Promise<void> {
    const handle = await open(path, "r+");
    try {
      const byte = Buffer.alloc(1);
      const { bytesRead } = await handle.read(byte, 0, 1, position);
      expect(bytesRead).to.equal(1);
      byte[0] = (byte[0] as number) ^ 0xff;
      await handle.write(byte, 0, 1, position);
    } finally {
      await handle.close();
    }
  }

  /** Offset of a block in its pack, from the pack's index file. */
  async function blockOffset(idxPath: string, cid: CID): Promise<{ offset: number; length: number }> {
    const index = JSON.parse(await readFile(idxPath, "utf8")) as IndexFile;
    const entry = index.blocks.find(([c]) => Buffer.from(CID.parse(c).multihash.bytes).equals(cid.multihash.bytes));
    expect(entry, `block ${cid} in ${idxPath}`).to.not.equal(undefined);
    const [, offset, length] = entry as IndexFile["blocks"][number];
    return { offset, length };
  }

  describe("CID compatibility with stock IPFS tooling", () => {
    // CIDv0 values: Debian's `ipfs-cid` package, version 0.0~git20200813.59cf068-1+b4 (`ipfs_cid FILE`, an independent
    // implementation of Kubo's default `ipfs add`: 256 KiB chunks, balanced DAG, 174 links per node, no raw leaves),
    // run on files of the pattern content. CIDv1 values: `ipfs add --cid-version 1` (raw leaves).
    const vectors: readonly { size: number; v0: string; v1: string }[] = [
      {
        size: 0,
        v0: "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
        v1: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
      },
      {
        size: 262_144,
        v0: "QmRGtaHK8V8JK23yDT1tfoh2eRY9U5ix6zbiNHc9732JMo",
        v1: "bafkreicyf2rsjlabvogs5vfihpzfegm2q5hjwrohaneftr2crm6gsnlznm",
      },
      {
        size: 262_145,
        v0: "QmcVbM5cMCqC9pvnGvnPMHThnJdMeqJ4oVsqRSqWkdHXky",
        v1: "bafybeidgoqoyg4yhalu6oks2gnsjbs74tnoepwkl77plj4i4rd6lhvt424",
      },
      {
        size: 786_437,
        v0: "QmV7GwFoQFp66z9V98QzyoYg5DE4HePGAPYZ64XKF7Ww5q",
        v1: "bafybeieqvqx5zneyngciumoqh4oit77j623a6fa3vhmznrxr4l3fgihxau",
      },
      {
        // 174 chunks: one level of links, full.
        size: 45_613_056,
        v0: "Qme3AVRTuvMi3KSxMYAqLUcqQUywPoFXKkxamVrH4N7BTq",
        v1: "bafybeictnhkryr6nrwjc27yponmmlpktev4dnsvngaji55edlddqcrcwqu",
      },
      {
        // 174 chunks + 1 byte: a second tree level.
        size: 45_613_057,
        v0: "QmVZjfaRfSnMEE9akRfRuGzVHQNfcEynaJQKj8G6JMaPFd",
        v1: "bafybeibceeiwyvx3pxrrewxawlbhjvw5ia7lqgj7pt6zjsw56m6vxph5dq",
      },
    ];

    for (const { size, v0 } of vectors) {
      it(`the importer parameters with CIDv0 and no raw leaves give ipfs_cid's CIDv0 for ${size} bytes`, async function () {
        this.timeout(120_000);
        const entry = await importBytes(pattern(size), discard, {
          ...importerOptions,
          cidVersion: 0,
          rawLeaves: false,
        });
        expect(entry.cid.toString()).to.equal(v0);
      });
    }

    for (const { size, v1 } of vectors) {
      it(`add gives the CIDv1 of \`ipfs add --cid-version 1\` for ${size} bytes`, async function () {
        this.timeout(120_000);
        const store = await openStore();
        const bytes = pattern(size);
        const result = await store.add([bytes]);
        expect(result).to.deep.equal({
          sha256: sha256Hex(bytes),
          cid: v1,
          size,
          mediaType: "application/octet-stream",
        });
      });
    }

    it('"hello world\\n" gives the CIDv1 and sha256 Kubo documents, and its CIDv0 under the CIDv0 parameters', async () => {
      const store = await openStore();
      const text = Buffer.from("hello world\n");
      expect(await store.add([text], { mediaType: "text/plain" })).to.deep.equal({
        sha256: "0xa948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447",
        cid: "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4",
        size: 12,
        mediaType: "text/plain",
      });
      // ipfs_cid (ipfs-cid 0.0~git20200813.59cf068-1+b4) on the same 12 bytes; also the CIDv0 `ipfs add` prints.
      const v0 = await importBytes(text, discard, { ...importerOptions, cidVersion: 0, rawLeaves: false });
      expect(v0.cid.toString()).to.equal("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    });

    it("the CID does not depend on how the source is chunked (empty chunks included)", async () => {
      const store = await openStore();
      const bytes = pattern(786_437);
      const whole = await store.add([bytes]);
      const split = await store.add(pieces(bytes, [0, 1, 0, 15, 100_000, 0, 262_144, 3]));
      expect(split).to.deep.equal(whole);
      expect(whole.cid).to.equal("bafybeieqvqx5zneyngciumoqh4oit77j623a6fa3vhmznrxr4l3fgihxau");
    });
  });

  describe("add and get", () => {
    it("streams a real file through createReadStream with small and large highWaterMark, with equal results", async function () {
      this.timeout(60_000);
      const store = await openStore();
      const bytes = randomBytes(600_001);
      const path = await writeTestFile("file.bin", bytes);
      const expected = {
        sha256: sha256Hex(bytes),
        size: bytes.length,
        mediaType: "application/octet-stream",
      };
      const small = await store.add(createReadStream(path, { highWaterMark: 1000 }));
      const large = await store.add(createReadStream(path, { highWaterMark: 4 * MiB }));
      const fromReadable = await store.add(Readable.from(pieces(bytes, [7, 262_144, 13])));
      const fromArray = await store.add([bytes]);
      expect(small).to.deep.equal({ ...expected, cid: small.cid });
      expect(small.sha256).to.equal(
        `0x${createHash("sha256")
          .update(await readFile(path))
          .digest("hex")}`,
      );
      expect(large).to.deep.equal(small);
      expect(fromReadable).to.deep.equal(small);
      expect(fromArray).to.deep.equal(small);
      expect(small.cid.startsWith("bafybei")).to.equal(true);
      expect(await collect(store.get(small.cid))).to.deep.equal(bytes);
    });

    it("round-trips a tiny file exactly", async () => {
      const store = await openStore();
      const bytes = Buffer.from("tiny");
      const path = await writeTestFile("tiny.txt", bytes);
      const { cid, size, sha256 } = await store.add(createReadStream(path));
      expect(size).to.equal(4);
      expect(sha256).to.equal(sha256Hex(bytes));
      expect(cid).to.equal(rawCid(bytes).toString());
      expect(await collect(store.get(cid))).to.deep.equal(bytes);
      expect(await store.stat(cid)).to.deep.equal({ size: 4 });
    });

    it("round-trips a file over 10 MiB exactly, streamed in verified chunks", async function () {
      this.timeout(60_000);
      const store = await openStore();
      const bytes = randomBytes(10 * MiB + 12_345);
      const path = await writeTestFile("large.bin", bytes);
      const added = await store.add(createReadStream(path, { highWaterMark: 64 * KiB }));
      expect(added.size).to.equal(bytes.length);
      expect(added.sha256).to.equal(sha256Hex(bytes));
      expect(await store.stat(added.cid), "stat of a multi-block file").to.deep.equal({ size: bytes.length });

      const hash = createHash("sha256");
      const chunks: Uint8Array[] = [];
      for await (const chunk of store.get(added.cid)) {
        expect(chunk.length).to.be.at.most(CHUNK);
        hash.update(chunk);
        chunks.push(chunk);
      }
      expect(`0x${hash.digest("hex")}`).to.equal(added.sha256);
      expect(Buffer.concat(chunks).equals(bytes)).to.equal(true);
    });

    describe("ranged reads", () => {
      const size = 786_437;
      let bytes: Buffer;
      let store: EmbeddedContentStore;
      let cid: string;

      beforeEach(async () => {
        bytes = randomBytes(size);
        store = await openStore();
        cid = (await store.add([bytes])).cid;
      });

      const ranges: readonly [offset: number, length: number][] = [
        [262_143, 1],
        [262_143, 2],
        [262_143, 262_146],
        [262_144, 1],
        [262_144, 262_144],
        [262_144, 262_145],
        [262_145, 1],
        [262_145, 524_288],
        [0, 1],
        [1000, 5000],
        [300_000, 400_000],
        [size - 10, 10],
        [size - 1, 1],
        [786_432, 5],
        [0, size],
      ];
      for (const [offset, length] of ranges) {
        it(`get({ offset: ${offset}, length: ${length} }) gives exactly those bytes`, async () => {
          const out = await collect(store.get(cid, { offset, length }));
          expect(out.length).to.equal(length);
          expect(out.equals(bytes.subarray(offset, offset + length))).to.equal(true);
        });
      }

      it("offset alone reads to the end; length alone reads from the start", async () => {
        expect((await collect(store.get(cid, { offset: 262_144 }))).equals(bytes.subarray(262_144))).to.equal(true);
        expect((await collect(store.get(cid, { length: 262_145 }))).equals(bytes.subarray(0, 262_145))).to.equal(true);
        expect((await collect(store.get(cid, { offset: size }))).length).to.equal(0);
      });

      it("length 0 yields nothing, anywhere up to the end", async () => {
        for (const offset of [0, 262_144, size - 1, size]) {
          const chunks: Uint8Array[] = [];
          for await (const chunk of store.get(cid, { offset, length: 0 })) chunks.push(chunk);
          expect(chunks).to.deep.equal([]);
        }
      });

      it("rejects ranges outside the file and negative ranges with InvalidRange", async () => {
        for (const range of [
          { offset: 0, length: size + 1 },
          { offset: size - 5, length: 6 },
          { offset: size, length: 1 },
          { offset: size + 1 },
          { offset: size + 1, length: 0 },
          { offset: -1 },
          { offset: -1, length: 1 },
          { offset: 0, length: -1 },
          { length: size + 1 },
        ]) {
          const error = await expectContentError(collect(store.get(cid, range)), "InvalidRange");
          expect(error.message).to.contain(cid);
        }
      });
    });

    it("rejects a malformed CID with InvalidCid, from get, has and pin", async () => {
      const store = await openStore();
      await expectContentError(collect(store.get("not-a-cid")), "InvalidCid");
      await expectContentError(store.has("not-a-cid"), "InvalidCid");
      await expectContentError(store.pin("not-a-cid"), "InvalidCid");
      await expectContentError(store.stat("not-a-cid"), "InvalidCid");
      await expectContentError(collect(store.get("")), "InvalidCid");
    });

    it("rejects a valid CID never stored with NotFound, and has() is false", async () => {
      const store = await openStore();
      await store.add([pattern(1000)]);
      const raw = rawCid(Buffer.from("never stored")).toString();
      const dagPb = (await importBytes(randomBytes(300_000), discard, importerOptions)).cid.toString();
      const v0 = (await importBytes(Buffer.from("never stored"), discard, { ...importerOptions, cidVersion: 0 })).cid;
      for (const cid of [raw, dagPb, v0.toString()]) {
        await expectContentError(collect(store.get(cid)), "NotFound");
        await expectContentError(store.stat(cid), "NotFound");
        expect(await store.has(cid)).to.equal(false);
      }
    });
  });

  describe("media type", () => {
    const tail = Buffer.alloc(100, 0x41);
    const magic: readonly [type: string, head: number[]][] = [
      ["image/png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
      ["image/jpeg", [0xff, 0xd8, 0xff, 0xe0]],
      ["image/gif", [...Buffer.from("GIF89a")]],
      ["application/pdf", [...Buffer.from("%PDF-1.7\n")]],
    ];

    for (const [type, head] of magic) {
      it(`sniffs ${type} from the bytes, whatever is declared`, async () => {
        const store = await openStore();
        const bytes = Buffer.concat([Buffer.from(head), tail]);
        for (const declared of [undefined, "text/plain", "image/webp", "application/octet-stream", "bad type"]) {
          const result = await store.add([bytes], declared === undefined ? {} : { mediaType: declared });
          expect(result.mediaType).to.equal(type);
        }
      });
    }

    it("sniffs a signature from a file shorter than 16 bytes", async () => {
      const store = await openStore();
      expect((await store.add([Buffer.from("%PDF-")], { mediaType: "text/plain" })).mediaType).to.equal(
        "application/pdf",
      );
      expect((await store.add([Buffer.from([0xff, 0xd8, 0xff])])).mediaType).to.equal("image/jpeg");
    });

    it("uses a well-formed declared type for unknown bytes", async () => {
      const store = await openStore();
      const bytes = Buffer.from("just some text, no signature at all");
      for (const declared of ["text/plain", "audio/flac", "application/vnd.titlechain+json", "model/gltf-binary"]) {
        expect((await store.add([bytes], { mediaType: declared })).mediaType).to.equal(declared);
      }
      expect((await store.add([bytes])).mediaType).to.equal("application/octet-stream");
      expect((await store.add([])).mediaType).to.equal("application/octet-stream");
      expect((await store.add([], { mediaType: "text/plain" })).mediaType).to.equal("text/plain");
    });

    it("falls back to application/octet-stream for a malformed declared type", async () => {
      const store = await openStore();
      const bytes = Buffer.from("just some text, no signature at all");
      for (const declared of [
        "",
        "text",
        "text/",
        "/plain",
        "text plain",
        "text/plain/extra",
        "text/plain\r\nX-Injected: 1",
        "<script>/x",
        "text/pl ain",
      ]) {
        expect((await store.add([bytes], { mediaType: declared })).mediaType, JSON.stringify(declared)).to.equal(
          "application/octet-stream",
        );
      }
    });

    it("sniffs when the first 16 bytes arrive across several short chunks", async () => {
      const store = await openStore();
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), tail]);
      const webp = Buffer.concat([Buffer.from("RIFF"), Buffer.from([1, 2, 3, 4]), Buffer.from("WEBPVP8 "), tail]);
      const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from("ftypisom"), tail]);
      for (const [bytes, type] of [
        [png, "image/png"],
        [webp, "image/webp"],
        [mp4, "video/mp4"],
      ] as const) {
        for (const sizes of [[1, 1, 1, 1, 1, 1, 1, 1], [3, 0, 2, 5, 1, 4], [15], [5, 10, 1], [1]]) {
          const result = await store.add(pieces(bytes, sizes), { mediaType: "text/plain" });
          expect(result.mediaType, `${type} in pieces ${sizes}`).to.equal(type);
          expect(result.sha256).to.equal(sha256Hex(bytes));
        }
      }
    });
  });

  describe("size limit", () => {
    const limit = 1 * MiB;

    it("accepts a file of exactly maxFileSize bytes and refuses one byte more with TooLarge, leaving nothing", async () => {
      const store = await openStore(limit);
      const exact = randomBytes(limit);
      const accepted = await store.add(createReadStream(await writeTestFile("exact.bin", exact)));
      expect(accepted.size).to.equal(limit);
      const before = await packFiles();
      expect(before).to.deep.equal(filesOf(store, [accepted.cid]).sort());

      const over = Buffer.concat([exact, Buffer.from([7])]);
      const path = await writeTestFile("over.bin", over);
      const error = await expectContentError(
        store.add(createReadStream(path, { highWaterMark: 64 * KiB })),
        "TooLarge",
      );
      expect(error.message).to.contain(String(limit));
      await expectContentError(store.add([over]), "TooLarge");
      await expectContentError(store.add(pieces(over, [limit])), "TooLarge");

      expect(await packFiles()).to.deep.equal(before);
      expect(store.blocks.packs().map((p) => p.root)).to.deep.equal([accepted.cid]);
      expect(await collect(store.get(accepted.cid))).to.deep.equal(exact);
      // The refused file's CID was never stored.
      const overCid = (await importBytes(over, discard, importerOptions)).cid.toString();
      expect(await store.has(overCid)).to.equal(false);
    });

    it("stops reading the source as soon as the limit is passed, and closes it", async function () {
      this.timeout(60_000);
      const store = await openStore(limit);
      const chunk = 64 * KiB;
      let yielded = 0;
      let closed = false;
      async function* endless(): AsyncGenerator<Uint8Array> {
        try {
          // 640 MiB if read to the end.
          for (let i = 0; i < 10_000; i++) {
            yielded++;
            yield randomBytes(chunk);
          }
        } finally {
          closed = true;
        }
      }
      await expectContentError(store.add(endless()), "TooLarge");
      // 16 chunks fill the limit exactly; the 17th passes it and is the last one read.
      expect(yielded).to.equal(limit / chunk + 1);
      expect(closed).to.equal(true);
      expect(await packFiles()).to.deep.equal([]);
    });

    it("an upload aborted through its AbortSignal mid-way leaves nothing behind", async function () {
      this.timeout(60_000);
      const store = await openStore();
      const kept = await store.add([pattern(300_000)]);
      const before = await packFiles();
      const controller = new AbortController();
      let yielded = 0;
      let closed = false;
      async function* source(): AsyncGenerator<Uint8Array> {
        try {
          for (let i = 0; i < 1000; i++) {
            // Past 12 MiB: the pack has been flushed to disk before the abort.
            if (i === 200) controller.abort();
            yielded++;
            yield randomBytes(64 * KiB);
          }
        } finally {
          closed = true;
        }
      }
      const error = await rejection(store.add(source(), { signal: controller.signal }));
      expect((error as Error).name).to.equal("AbortError");
      expect(yielded).to.equal(201);
      expect(closed).to.equal(true);
      expect(await packFiles()).to.deep.equal(before);
      expect(store.blocks.packs().map((p) => p.root)).to.deep.equal([kept.cid]);

      const reason = new Error("client went away");
      const again = new AbortController();
      again.abort(reason);
      expect(await rejection(store.add([pattern(10)], { signal: again.signal }))).to.equal(reason);
      expect(await packFiles()).to.deep.equal(before);
      expect(await collect(store.get(kept.cid))).to.deep.equal(pattern(300_000));
    });
  });

  describe("failed uploads", () => {
    it("a source that fails mid-way rejects with its error and leaves nothing behind", async () => {
      const store = await openStore();
      const kept = await store.add([Buffer.from("kept")]);
      const before = await packFiles();
      const failure = new Error("disk read failed");
      async function* failing(): AsyncGenerator<Uint8Array> {
        // More than the writer buffers: part of the pack is on disk when the source fails.
        for (let i = 0; i < 10; i++) yield randomBytes(MiB);
        throw failure;
      }
      expect(await rejection(store.add(failing()))).to.equal(failure);
      expect(await packFiles()).to.deep.equal(before);
      expect(store.blocks.packs().map((p) => p.root)).to.deep.equal([kept.cid]);
    });
  });

  describe("corruption", () => {
    const size = 4 * CHUNK + 5;
    let bytes: Buffer;

    beforeEach(() => {
      // Random bytes: every chunk is a distinct block (the pattern content repeats every 64 KiB).
      bytes = randomBytes(size);
    });

    /** Leaf i's raw block CID. */
    const leaf = (i: number) => rawCid(bytes.subarray(i * CHUNK, Math.min(size, (i + 1) * CHUNK)));

    it("a flipped byte in a stored block makes get fail with Corrupt, never yielding wrong bytes", async () => {
      let store = await openStore();
      const { cid } = await store.add([bytes]);
      const { pack, idx } = packOf(store, cid);
      const block = await blockOffset(idx, leaf(2));
      expect(block.length).to.equal(CHUNK);
      await flipByte(pack, block.offset + 1234);
      store = await reopen(store);

      const { bytes: yielded, error } = await drain(store.get(cid));
      expect(error).to.be.instanceOf(ContentError);
      expect((error as ContentError).code).to.equal("Corrupt");
      expect(yielded.length).to.be.at.most(2 * CHUNK);
      expect(yielded.equals(bytes.subarray(0, yielded.length))).to.equal(true);

      // A range that needs the block fails too, having yielded only correct bytes.
      const ranged = await drain(store.get(cid, { offset: CHUNK + 10, length: 2 * CHUNK }));
      expect((ranged.error as ContentError).code).to.equal("Corrupt");
      expect(ranged.bytes.equals(bytes.subarray(CHUNK + 10, CHUNK + 10 + ranged.bytes.length))).to.equal(true);
    });

    it("a corrupted block outside the requested range does not stop the range from being read", async () => {
      let store = await openStore();
      const { cid } = await store.add([bytes]);
      const { pack, idx } = packOf(store, cid);
      await flipByte(pack, (await blockOffset(idx, leaf(2))).offset);
      store = await reopen(store);

      for (const [offset, length] of [
        [0, 2 * CHUNK],
        [CHUNK - 1, CHUNK + 1],
        [3 * CHUNK, CHUNK + 5],
        [size - 1, 1],
      ] as const) {
        const out = await collect(store.get(cid, { offset, length }));
        expect(out.equals(bytes.subarray(offset, offset + length)), `${offset}+${length}`).to.equal(true);
      }
      await expectContentError(collect(store.get(cid, { offset: 2 * CHUNK - 1, length: 2 })), "Corrupt");
    });

    it("a flipped byte in the root node makes every read fail with Corrupt", async () => {
      let store = await openStore();
      const { cid } = await store.add([bytes]);
      const { pack, idx } = packOf(store, cid);
      const root = await blockOffset(idx, CID.parse(cid));
      await flipByte(pack, root.offset + root.length - 3);
      store = await reopen(store);
      const { bytes: yielded, error } = await drain(store.get(cid));
      expect((error as ContentError).code).to.equal("Corrupt");
      expect(yielded.length).to.equal(0);
      await expectContentError(collect(store.get(cid, { offset: 0, length: 1 })), "Corrupt");
    });

    it("a truncated pack makes reads of the missing blocks fail with Corrupt", async () => {
      let store = await openStore();
      const { cid } = await store.add([bytes]);
      const { pack, idx } = packOf(store, cid);
      const last = await blockOffset(idx, leaf(4));
      const root = await blockOffset(idx, CID.parse(cid));
      // The root is written after the leaves: cutting inside the last leaf loses both.
      expect(root.offset).to.be.greaterThan(last.offset);
      const handle = await open(pack, "r+");
      await handle.truncate(last.offset + 2);
      await handle.close();
      store = await reopen(store);
      await expectContentError(collect(store.get(cid)), "Corrupt");
    });

    it("a corrupted single-block file fails with Corrupt", async () => {
      let store = await openStore();
      const small = randomBytes(1000);
      const { cid } = await store.add([small]);
      await flipByte(packOf(store, cid).pack, 999);
      store = await reopen(store);
      const { bytes: yielded, error } = await drain(store.get(cid));
      expect((error as ContentError).code).to.equal("Corrupt");
      expect(yielded.length).to.equal(0);
    });
  });

  describe("persistence and crash safety", () => {
    it("keeps files and pins across close and reopen", async () => {
      let store = await openStore();
      const a = randomBytes(500_000);
      const b = Buffer.from("second file");
      const added = [await store.add([a]), await store.add([b])];
      await store.pin(added[0]?.cid as string);
      store = await reopen(store);

      expect(await collect(store.get(added[0]?.cid as string))).to.deep.equal(a);
      expect(await collect(store.get(added[1]?.cid as string))).to.deep.equal(b);
      expect(await store.has(added[0]?.cid as string)).to.equal(true);
      expect(store.pinned(added[0]?.cid as string)).to.equal(true);
      expect(store.pinned(added[1]?.cid as string)).to.equal(false);

      // The reopened store acts on the reloaded pins and ages.
      await sleep(5);
      expect(await store.collectGarbage(0)).to.deep.equal([added[1]?.cid]);
      store = await reopen(store);
      expect(await collect(store.get(added[0]?.cid as string))).to.deep.equal(a);
      await expectContentError(collect(store.get(added[1]?.cid as string)), "NotFound");
      expect(store.pinned(added[0]?.cid as string)).to.equal(true);
    });

    it("removes unfinished packs on open and leaves sealed packs untouched", async () => {
      let store = await openStore();
      const bytes = randomBytes(700_000);
      const { cid } = await store.add([bytes]);
      const sealed = await packFiles();
      expect(sealed).to.have.length(2);
      const before = await Promise.all(
        sealed.map(async (name) => ({
          name,
          hash: sha256Hex(await readFile(join(packsDir, name))),
          mtime: (await stat(join(packsDir, name))).mtimeMs,
        })),
      );
      await store.close();

      const junk = randomBytes(1000);
      // An upload interrupted while writing; an index written but not renamed; a pack renamed but its index not.
      await writeFile(join(packsDir, "upload-1-aaaaaaaaaaaa.pack.tmp"), junk);
      await writeFile(join(packsDir, "upload-2-bbbbbbbbbbbb.idx.tmp"), "{");
      await writeFile(join(packsDir, "upload-3-cccccccccccc.pack"), junk);
      await writeFile(join(packsDir, "upload-4-dddddddddddd.pack"), junk);
      await writeFile(join(packsDir, "upload-4-dddddddddddd.idx.tmp"), "{");
      await writeFile(join(packsDir, "upload-5-eeeeeeeeeeee.pack.tmp"), junk);
      await writeFile(join(packsDir, "upload-5-eeeeeeeeeeee.idx.tmp"), "{");

      store = await openStore();
      expect(await packFiles()).to.deep.equal(sealed);
      const after = await Promise.all(
        sealed.map(async (name) => ({
          name,
          hash: sha256Hex(await readFile(join(packsDir, name))),
          mtime: (await stat(join(packsDir, name))).mtimeMs,
        })),
      );
      expect(after).to.deep.equal(before);
      expect(store.blocks.packs().map((p) => p.root)).to.deep.equal([cid]);
      expect(await collect(store.get(cid))).to.deep.equal(bytes);
    });

    it("creates its directory on first open", async () => {
      await mkdir(dir, { recursive: true });
      const store = await openStore();
      expect(await packFiles()).to.deep.equal([]);
      expect(store.blocks.packs()).to.deep.equal([]);
    });
  });

  describe("pins and garbage collection", () => {
    it("pins many files at once, and every pin survives a reopen", async () => {
      const store = await openStore();
      const cids = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.add([pattern(1000 + i)]).then((a) => a.cid)),
      );
      await Promise.all(cids.map((cid) => store.pin(cid)));
      const reopened = await reopen(store);
      for (const cid of cids) expect(reopened.pinned(cid), cid).to.equal(true);
    });

    it("pin of a CID not stored is NotFound; pinning twice is harmless", async () => {
      const store = await openStore();
      await expectContentError(store.pin(rawCid(Buffer.from("absent")).toString()), "NotFound");
      const { cid } = await store.add([Buffer.from("present")]);
      await store.pin(cid);
      await store.pin(cid);
      expect(store.pinned(cid)).to.equal(true);
      expect(await readFile(join(storeDir, "pins.log"), "utf8")).to.equal(`${cid}\n`);
    });

    it("a pin torn by a crash (no newline) is dropped on open, and later pins append after it intact", async () => {
      const store = await openStore();
      const a = await store.add([Buffer.from("kept")]);
      const b = await store.add([Buffer.from("torn")]);
      await store.pin(a.cid);
      await appendFile(join(storeDir, "pins.log"), b.cid.slice(0, 20));
      const reopened = await reopen(store);
      expect(reopened.pinned(a.cid)).to.equal(true);
      expect(reopened.pinned(b.cid)).to.equal(false);
      await reopened.pin(b.cid);
      const again = await reopen(reopened);
      expect([again.pinned(a.cid), again.pinned(b.cid)]).to.deep.equal([true, true]);
      expect(await readFile(join(storeDir, "pins.log"), "utf8")).to.equal(`${a.cid}\n${b.cid}\n`);
    });

    it(`reads from many more packs than ${MAX_OPEN_PACKS} keep at most that many idle pack files open`, async () => {
      const store = await openStore();
      const added = [];
      for (let i = 0; i < MAX_OPEN_PACKS * 3; i++) added.push(await store.add([Buffer.from(`upload ${i}`)]));
      const openPacks = async () =>
        (
          await Promise.all(
            (await readdir("/proc/self/fd")).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")),
          )
        ).filter((target) => target.startsWith(storeDir) && target.endsWith(".pack")).length;
      // Concurrent reads of every upload, twice over: each comes back whole and verified.
      for (let round = 0; round < 2; round++) {
        const read = await Promise.all(added.map(({ cid }) => collect(store.get(cid))));
        expect(read.map(String)).to.deep.equal(added.map((_, i) => `upload ${i}`));
      }
      expect(await openPacks()).to.be.at.most(MAX_OPEN_PACKS);
      expect(await store.has(added[0]?.cid as string)).to.equal(true);
    });

    it("removes unpinned uploads older than the cutoff and returns their roots; keeps pinned and recent ones", async () => {
      const store = await openStore();
      const files = [randomBytes(300_000), randomBytes(10), randomBytes(600_000), randomBytes(20)];
      const added = [];
      for (const file of files) added.push(await store.add([file]));
      const cids = added.map((a) => a.cid);
      const [pinnedCid, oldCid, oldCid2, pinned2] = cids as [string, string, string, string];
      await store.pin(pinnedCid);
      await store.pin(pinned2);

      // A large window: everything is recent.
      expect(await store.collectGarbage(60_000)).to.deep.equal([]);
      expect(await packFiles()).to.deep.equal(filesOf(store, cids).sort());

      await sleep(400);
      const recent = randomBytes(1000);
      const recentCid = (await store.add([recent])).cid;
      // Only the uploads made before the 400 ms pause are older than 200 ms.
      const removed = await store.collectGarbage(200);
      expect([...removed].sort()).to.deep.equal([oldCid, oldCid2].sort());

      for (const cid of [oldCid, oldCid2]) {
        await expectContentError(collect(store.get(cid)), "NotFound");
        expect(await store.has(cid)).to.equal(false);
        await expectContentError(store.pin(cid), "NotFound");
      }
      expect(await packFiles()).to.deep.equal(filesOf(store, [pinnedCid, pinned2, recentCid]).sort());
      expect(await collect(store.get(pinnedCid))).to.deep.equal(files[0]);
      expect(await collect(store.get(pinned2))).to.deep.equal(files[3]);
      expect(await collect(store.get(recentCid))).to.deep.equal(recent);
      for (const cid of [pinnedCid, pinned2, recentCid]) expect(await store.has(cid)).to.equal(true);

      await sleep(5);
      expect(await store.collectGarbage(0)).to.deep.equal([recentCid]);
      expect(await packFiles()).to.deep.equal(filesOf(store, [pinnedCid, pinned2]).sort());
      expect(await store.collectGarbage(0)).to.deep.equal([]);
    });

    it("GC keeps the uploads it is told to keep, named in either CID version, and ignores what is not a CID", async () => {
      const store = await openStore();
      // Larger than a chunk: the root is a dag-pb node, which a CIDv0 can name.
      const named = (await store.add([randomBytes(CHUNK + 10)])).cid;
      const other = (await store.add([randomBytes(3000)])).cid;
      await sleep(5);
      const v0 = CID.parse(named).toV0().toString();
      expect(await store.collectGarbage(0, [v0, "not a cid"])).to.deep.equal([other]);
      expect(await store.has(named)).to.equal(true);
      expect(await store.collectGarbage(0)).to.deep.equal([named]);
      await store.close();
    });

    it("GC of one of two copies of the same file leaves the other readable", async () => {
      let store = await openStore();
      const bytes = randomBytes(3 * CHUNK + 77);
      const first = await store.add([bytes]);
      await sleep(20);
      const middle = Date.now();
      await sleep(20);
      const second = await store.add([bytes]);
      expect(second).to.deep.equal(first);
      expect(store.blocks.packs().map((p) => p.root)).to.deep.equal([first.cid, first.cid]);
      const secondPack = store.blocks.packs()[1]?.name as string;

      // Cut off between the two uploads: only the first copy is old enough.
      await store.collectGarbage(Date.now() - middle);
      expect(store.blocks.packs().map((p) => p.name)).to.deep.equal([secondPack]);
      expect(await packFiles()).to.deep.equal([`${secondPack}.idx`, `${secondPack}.pack`]);
      expect(await store.has(first.cid)).to.equal(true);
      expect(await collect(store.get(first.cid))).to.deep.equal(bytes);
      expect(await collect(store.get(first.cid, { offset: CHUNK - 5, length: 10 }))).to.deep.equal(
        bytes.subarray(CHUNK - 5, CHUNK + 5),
      );
      store = await reopen(store);
      expect(await collect(store.get(first.cid))).to.deep.equal(bytes);
    });

    it("GC of a file leaves another file sharing some of its blocks readable", async () => {
      const store = await openStore();
      const shared = randomBytes(2 * CHUNK);
      const a = Buffer.concat([shared, randomBytes(1000)]);
      const b = Buffer.concat([shared, randomBytes(2000)]);
      const aCid = (await store.add([a])).cid;
      const bCid = (await store.add([b])).cid;
      await store.pin(bCid);
      await sleep(5);
      expect(await store.collectGarbage(0)).to.deep.equal([aCid]);
      expect(await collect(store.get(bCid))).to.deep.equal(b);
      await expectContentError(collect(store.get(aCid)), "NotFound");
      expect(await store.has(aCid)).to.equal(false);
    });
  });
});
