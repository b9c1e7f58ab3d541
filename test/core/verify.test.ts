// core/verify against the deployed registry: files, records and batch proofs.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import fc from "fast-check";
import { type Address, bytesToHex, type Hex, hexToBytes, zeroAddress } from "viem";
import { batchLeafOf } from "../../core/commitment.ts";
import { buildMerkleTree, type MerkleTree, merkleProofOf, processMerkleProof } from "../../core/merkle.ts";
import type { Registration } from "../../core/registration.ts";
import {
  type OnChainWork,
  sha256Of,
  sha256OfChunks,
  verifyBatchReveal,
  verifyRegistration,
} from "../../core/verify.ts";
import type { ProvenanceRegistry } from "../../types/ethers-contracts/index.ts";
import {
  deployRegistry,
  ethers,
  metadataCid,
  networkHelpers,
  newWork,
  nextBlockAt,
  now,
  type RegistryFixture,
  unique,
} from "../registry/fixture.ts";

/** The reference: node:crypto's sha256, as 0x-prefixed lower-case hex. */
function nodeSha256(...chunks: Uint8Array[]): Hex {
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk);
  return `0x${hash.digest("hex")}`;
}

function textBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `bytes` cut at `cuts` (any order, repeats give empty chunks), as views into the same buffer. */
function chunksOf(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  const chunks: Uint8Array[] = [];
  for (let i = 1; i < bounds.length; i++) chunks.push(bytes.subarray(bounds[i - 1], bounds[i]));
  return chunks;
}

async function* asyncChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

/** A byte-mode (not object-mode) Node stream that pushes `chunks` as Buffers. */
function byteStream(chunks: readonly Uint8Array[]): Readable {
  const stream = new Readable({ read() {} });
  for (const chunk of chunks) if (chunk.length > 0) stream.push(Buffer.from(chunk));
  stream.push(null);
  return stream;
}

/** Random bytes cut at random points (empty input and empty chunks included). */
const chunked = fc
  .uint8Array({ maxLength: 3000 })
  .chain((bytes) =>
    fc
      .array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 30 })
      .map((cuts) => ({ bytes, chunks: chunksOf(bytes, cuts) })),
  );

const EMPTY_SHA256: Hex = "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

describe("core/verify: sha256OfChunks and sha256Of", () => {
  it("hashes empty input, whatever form it comes in, to sha256 of nothing", async () => {
    expect(nodeSha256()).to.equal(EMPTY_SHA256);
    expect(await sha256OfChunks([])).to.equal(EMPTY_SHA256);
    expect(await sha256OfChunks([new Uint8Array(0)])).to.equal(EMPTY_SHA256);
    expect(await sha256OfChunks([new Uint8Array(0), new Uint8Array(0)])).to.equal(EMPTY_SHA256);
    expect(await sha256OfChunks(asyncChunks([]))).to.equal(EMPTY_SHA256);
    expect(await sha256OfChunks(Readable.from([]))).to.equal(EMPTY_SHA256);
    expect(await sha256OfChunks(byteStream([]))).to.equal(EMPTY_SHA256);
    expect(sha256Of(new Uint8Array(0))).to.equal(EMPTY_SHA256);
  });

  it('gives the FIPS 180-2 vectors: "abc", the two-block message and a million "a" in chunks', async () => {
    const abc = "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    expect(nodeSha256(textBytes("abc"))).to.equal(abc);
    expect(sha256Of(textBytes("abc"))).to.equal(abc);
    expect(await sha256OfChunks([textBytes("abc")])).to.equal(abc);
    expect(await sha256OfChunks([textBytes("a"), textBytes(""), textBytes("bc")])).to.equal(abc);

    const twoBlocks = textBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
    const twoBlocksHash = "0x248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
    expect(sha256Of(twoBlocks)).to.equal(twoBlocksHash);
    expect(await sha256OfChunks(asyncChunks(chunksOf(twoBlocks, [1, 55, 56])))).to.equal(twoBlocksHash);

    const millionA = "0xcdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    const thousandA = new Uint8Array(1000).fill(0x61);
    expect(await sha256OfChunks(asyncChunks(new Array<Uint8Array>(1000).fill(thousandA)))).to.equal(millionA);
    expect(sha256Of(new Uint8Array(1_000_000).fill(0x61))).to.equal(millionA);
  });

  it("hashes one chunk as node:crypto does, at every length around the 64-byte block and its padding", async () => {
    for (const length of [1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      const expected = nodeSha256(bytes);
      expect(sha256Of(bytes), `sha256Of, ${length} bytes`).to.equal(expected);
      expect(await sha256OfChunks([bytes]), `one chunk, ${length} bytes`).to.equal(expected);
    }
  });

  it("hashes random bytes cut at random points as node:crypto hashes them whole: array, async generator, stream", async () => {
    await fc.assert(
      fc.asyncProperty(chunked, async ({ bytes, chunks }) => {
        const expected = nodeSha256(bytes);
        expect(sha256Of(bytes)).to.equal(expected);
        expect(await sha256OfChunks(chunks)).to.equal(expected);
        expect(await sha256OfChunks(asyncChunks(chunks))).to.equal(expected);
        expect(await sha256OfChunks(Readable.from(chunks))).to.equal(expected);
        expect(await sha256OfChunks(byteStream(chunks))).to.equal(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("hashes a file read through a Node Readable stream, whatever its chunk size", async () => {
    const dir = await mkdtemp(join(tmpdir(), "titlechain-verify-"));
    try {
      const bytes = Uint8Array.from({ length: 30_011 }, (_, i) => (i * 7919) % 251);
      const path = join(dir, "work.bin");
      await writeFile(path, bytes);
      const expected = nodeSha256(bytes);
      expect(await sha256OfChunks(createReadStream(path))).to.equal(expected);
      for (const highWaterMark of [7, 63, 64, 65, 997]) {
        expect(await sha256OfChunks(createReadStream(path, { highWaterMark })), `${highWaterMark}`).to.equal(expected);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("holds no reference to a chunk once it has moved on: a source that reuses one buffer hashes correctly", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        fc.integer({ min: 1, max: 130 }),
        async (bytes, size) => {
          async function* reusingOneBuffer(): AsyncGenerator<Uint8Array> {
            const buffer = new Uint8Array(size);
            for (let at = 0; at < bytes.length; at += size) {
              const chunk = bytes.subarray(at, at + size);
              buffer.set(chunk);
              yield buffer.subarray(0, chunk.length);
              buffer.fill(0xee);
            }
          }
          expect(await sha256OfChunks(reusingOneBuffer())).to.equal(nodeSha256(bytes));
        },
      ),
      { numRuns: 40 },
    );
  });
});

// ------------------------------------------------------------------------------------------------------------------
// verifyRegistration against the registry
// ------------------------------------------------------------------------------------------------------------------

/** What `workOf` returns, in the form `verifyRegistration` takes. */
async function onChainWork(registry: ProvenanceRegistry, workId: bigint): Promise<OnChainWork> {
  const work = await registry.workOf(workId);
  return {
    workId,
    owner: work.owner as Address,
    creator: work.creator as Address,
    registeredAt: work.registeredAt,
    metadataCid: work.metadataCid as Hex,
  };
}

type RegisteredFile = RegistryFixture & {
  file: Uint8Array;
  contentHash: Hex;
  workId: bigint;
  r: Registration;
  registeredAt: bigint;
  record: OnChainWork;
};

/** Alice registers a file to Bob (creator and holder differ), at a known block time. */
async function registeredFile(): Promise<RegisteredFile> {
  const fixture = await deployRegistry();
  const { registry, alice, bob } = fixture;
  const file = textBytes(`Chapter one. It was a bright cold day in April. ${unique("manuscript")}`);
  const contentHash = nodeSha256(file);
  const workId = BigInt(contentHash);
  const r = newWork(bob.address, { contentHash });
  const registeredAt = await nextBlockAt(1000n);
  await registry.connect(alice).register(r);
  const record = await onChainWork(registry, workId);
  return { ...fixture, file, contentHash, workId, r, registeredAt, record };
}

function upperHex(value: Hex): Hex {
  return `0x${value.slice(2).toUpperCase()}`;
}

describe("core/verify: verifyRegistration against the registry", () => {
  it("reads back the record of the file as registered: id, holder, creator, time, metadata", async () => {
    const { record, workId, contentHash, registeredAt, r, alice, bob } =
      await networkHelpers.loadFixture(registeredFile);
    expect(workId).to.equal(BigInt(contentHash));
    expect(record).to.deep.equal({
      workId,
      owner: bob.address,
      creator: alice.address,
      registeredAt,
      metadataCid: r.metadataCid,
    });
  });

  it("verifies the file's bytes, returning its hash, id, time and holder", async () => {
    const { file, record, contentHash, workId, registeredAt, bob } = await networkHelpers.loadFixture(registeredFile);
    expect(verifyRegistration(file, record)).to.deep.equal({
      ok: true,
      contentHash,
      workId,
      registeredAt,
      owner: bob.address,
    });
  });

  it("verifies the file's hash, in lower or upper case, returning the hash in lower case", async () => {
    const { record, contentHash, workId, registeredAt, bob } = await networkHelpers.loadFixture(registeredFile);
    const verified = { ok: true, contentHash, workId, registeredAt, owner: bob.address };
    expect(verifyRegistration(contentHash, record)).to.deep.equal(verified);
    expect(verifyRegistration(upperHex(contentHash), record)).to.deep.equal(verified);
  });

  it("verifies the file with every expectation met, the creator given in any case", async () => {
    const { file, record, contentHash, workId, registeredAt, r, alice, bob } =
      await networkHelpers.loadFixture(registeredFile);
    const verified = { ok: true, contentHash, workId, registeredAt, owner: bob.address };
    const creator = alice.address as Address;
    expect(
      verifyRegistration(file, record, { creator, metadataCid: r.metadataCid, registeredBy: registeredAt }),
    ).to.deep.equal(verified);
    expect(verifyRegistration(file, record, { creator: creator.toLowerCase() as Address })).to.deep.equal(verified);
    expect(verifyRegistration(file, record, { creator: upperHex(creator) })).to.deep.equal(verified);
    expect(verifyRegistration(file, record, { metadataCid: upperHex(r.metadataCid) })).to.deep.equal(verified);
  });

  it("reports NotRegistered when the registry knows no such work (workOf reverts: null record)", async () => {
    const { registry } = await networkHelpers.loadFixture(registeredFile);
    const file = textBytes("a file nobody registered");
    const contentHash = nodeSha256(file);
    await expect(registry.workOf(BigInt(contentHash)))
      .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
      .withArgs(BigInt(contentHash));
    const notRegistered = {
      ok: false,
      reason: "NotRegistered",
      message: `no work is registered under ${contentHash}`,
    };
    expect(verifyRegistration(file, null)).to.deep.equal(notRegistered);
    expect(verifyRegistration(contentHash, null)).to.deep.equal(notRegistered);
    expect(verifyRegistration(upperHex(contentHash), null)).to.deep.equal(notRegistered);
  });

  it("reports NotRegistered for a record held by the zero address", async () => {
    const { file, record, contentHash } = await networkHelpers.loadFixture(registeredFile);
    expect(verifyRegistration(file, { ...record, owner: zeroAddress })).to.deep.equal({
      ok: false,
      reason: "NotRegistered",
      message: `no work is registered under ${contentHash}`,
    });
  });

  it("reports ContentMismatch, naming both hashes, for other bytes or another hash", async () => {
    const { file, record, contentHash } = await networkHelpers.loadFixture(registeredFile);
    const edited = Uint8Array.from(file);
    edited[0] = (edited[0] ?? 0) ^ 0x20;
    for (const other of [edited, file.subarray(0, -1), textBytes(""), Uint8Array.of(...file, 0x0a)]) {
      const otherHash = nodeSha256(other);
      const mismatch = {
        ok: false,
        reason: "ContentMismatch",
        message: `the file hashes to ${otherHash} but the record is of work ${contentHash}`,
      };
      expect(verifyRegistration(other, record)).to.deep.equal(mismatch);
      expect(verifyRegistration(otherHash, record)).to.deep.equal(mismatch);
    }
  });

  it("names the record's work in full 32-byte hex even when its id has leading zeros", async () => {
    const { file, record } = await networkHelpers.loadFixture(registeredFile);
    const small = `0x${"00".repeat(31)}2a` as Hex;
    expect(verifyRegistration(file, { ...record, workId: 42n })).to.deep.equal({
      ok: false,
      reason: "ContentMismatch",
      message: `the file hashes to ${nodeSha256(file)} but the record is of work ${small}`,
    });
  });

  it("reports InvalidInput for a hash that is not 32 bytes of hex, before looking at the record", async () => {
    const { record, contentHash } = await networkHelpers.loadFixture(registeredFile);
    const body = contentHash.slice(2);
    const invalid = [
      "0x",
      "0x1234",
      `0x${body.slice(0, 62)}`, // 31 bytes
      `0x${body}00`, // 33 bytes
      `0x${body.slice(0, 63)}`, // odd length
      body, // no prefix
      `0X${body}`,
      `0x${body.slice(0, 63)}g`,
      ` ${contentHash}`,
      `${contentHash} `,
    ];
    for (const input of invalid) {
      const expected = {
        ok: false,
        reason: "InvalidInput",
        message: `a content hash is 32 bytes of hex, got "${input}"`,
      };
      expect(verifyRegistration(input as Hex, record), input).to.deep.equal(expected);
      expect(verifyRegistration(input as Hex, null), input).to.deep.equal(expected);
    }
  });

  it("quotes at most 80 characters of an invalid hash", async () => {
    const { record } = await networkHelpers.loadFixture(registeredFile);
    const long = `0x${"ab".repeat(100)}` as Hex;
    expect(verifyRegistration(long, record)).to.deep.equal({
      ok: false,
      reason: "InvalidInput",
      message: `a content hash is 32 bytes of hex, got "${long.slice(0, 80)}"`,
    });
  });

  it("reports CreatorMismatch, naming the registered creator and the one expected (the holder is not the creator)", async () => {
    const { file, record, alice, bob, carol } = await networkHelpers.loadFixture(registeredFile);
    for (const other of [bob, carol]) {
      expect(verifyRegistration(file, record, { creator: other.address as Address })).to.deep.equal({
        ok: false,
        reason: "CreatorMismatch",
        message: `registered by ${alice.address}, not ${other.address}`,
      });
    }
  });

  it("reports InvalidInput, without throwing, for an expected creator that is not an address (empty included)", async () => {
    const { file, record } = await networkHelpers.loadFixture(registeredFile);
    for (const creator of ["0x1234", ""]) {
      expect(verifyRegistration(file, record, { creator: creator as Address })).to.deep.equal({
        ok: false,
        reason: "InvalidInput",
        message: `the expected creator "${creator}" is not an address`,
      });
    }
  });

  it("reports MetadataMismatch, naming the registered metadata and the one expected", async () => {
    const { file, record, r } = await networkHelpers.loadFixture(registeredFile);
    const other = metadataCid();
    expect(verifyRegistration(file, record, { metadataCid: other })).to.deep.equal({
      ok: false,
      reason: "MetadataMismatch",
      message: `the record points to metadata ${r.metadataCid}, not ${other}`,
    });
  });

  it("reports RegisteredTooLate one second before the registration; passes at it and after it", async () => {
    const { file, record, registeredAt, contentHash, workId, bob } = await networkHelpers.loadFixture(registeredFile);
    expect(verifyRegistration(file, record, { registeredBy: registeredAt - 1n })).to.deep.equal({
      ok: false,
      reason: "RegisteredTooLate",
      message: `registered at ${registeredAt}, after the required ${registeredAt - 1n} (Unix seconds)`,
    });
    expect(verifyRegistration(file, record, { registeredBy: 0n })).to.deep.equal({
      ok: false,
      reason: "RegisteredTooLate",
      message: `registered at ${registeredAt}, after the required 0 (Unix seconds)`,
    });
    const verified = { ok: true, contentHash, workId, registeredAt, owner: bob.address };
    expect(verifyRegistration(file, record, { registeredBy: registeredAt })).to.deep.equal(verified);
    expect(verifyRegistration(file, record, { registeredBy: registeredAt + 1n })).to.deep.equal(verified);
  });

  it("reports the first failure: content, then creator, then metadata, then time", async () => {
    const { file, record, registeredAt, bob } = await networkHelpers.loadFixture(registeredFile);
    const creator = bob.address as Address;
    const metadata = metadataCid();
    const registeredBy = registeredAt - 1n;
    const wrong = { creator, metadataCid: metadata, registeredBy };
    expect(verifyRegistration(textBytes("other"), record, wrong)).to.have.property("reason", "ContentMismatch");
    expect(verifyRegistration(file, record, wrong)).to.have.property("reason", "CreatorMismatch");
    expect(verifyRegistration(file, record, { metadataCid: metadata, registeredBy })).to.have.property(
      "reason",
      "MetadataMismatch",
    );
    expect(verifyRegistration(file, record, { registeredBy })).to.have.property("reason", "RegisteredTooLate");
  });

  it("follows the record through an assignment: same creator and time, new holder", async () => {
    const { registry, file, workId, contentHash, registeredAt, alice, bob, carol } =
      await networkHelpers.loadFixture(registeredFile);
    await registry.connect(bob).assign(carol.address, workId, unique("deed"), "0x");
    const record = await onChainWork(registry, workId);
    expect(
      verifyRegistration(file, record, { creator: alice.address as Address, registeredBy: registeredAt }),
    ).to.deep.equal({
      ok: true,
      contentHash,
      workId,
      registeredAt,
      owner: carol.address,
    });
  });
});

// ------------------------------------------------------------------------------------------------------------------
// verifyBatchReveal cross-checked against revealFromBatch
// ------------------------------------------------------------------------------------------------------------------

type BatchItem = { creator: HardhatEthersSigner; file: Uint8Array; r: Registration; salt: Hex; leaf: Hex };

/** `count` works, one per file, spread over `creators` in turn, and the tree of their leaves. */
function batchOf(creators: readonly HardhatEthersSigner[], count: number): { items: BatchItem[]; tree: MerkleTree } {
  const items: BatchItem[] = [];
  for (let i = 0; i < count; i++) {
    const creator = creators[i % creators.length];
    if (!creator) throw new Error("no creator");
    const file = textBytes(`photo ${i} ${unique("photo")}`);
    const r = newWork(creator.address, { contentHash: nodeSha256(file) });
    const salt = unique("batch-salt");
    items.push({ creator, file, r, salt, leaf: batchLeafOf(creator.address as Address, r.contentHash, salt) });
  }
  return { items, tree: buildMerkleTree(items.map((item) => item.leaf)) };
}

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item at ${index}`);
  return item;
}

/** `value` with its last byte's lowest bit flipped. */
function flipped(value: Hex): Hex {
  const bytes = hexToBytes(value);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  return bytesToHex(bytes);
}

function proofMismatch(leaf: Hex, proof: readonly Hex[], root: Hex) {
  return {
    ok: false,
    reason: "ProofMismatch",
    message: `the proof leads from the leaf to ${processMerkleProof(leaf, proof)}, not to the anchored root ${root}`,
  };
}

describe("core/verify: verifyBatchReveal against revealFromBatch", () => {
  for (const count of [7, 100]) {
    it(`accepts the proof of every leaf of a ${count}-leaf batch, and the registry accepts the same proofs`, async () => {
      const { registry, relayer } = await networkHelpers.loadFixture(deployRegistry);
      const signers = await ethers.getSigners();
      const { items, tree } = batchOf(signers, count);
      expect(tree.leaves).to.have.length(count);

      for (const { leaf } of items) {
        expect(verifyBatchReveal(leaf, merkleProofOf(tree, leaf), tree.root)).to.deep.equal({
          ok: true,
          leaf,
          root: tree.root,
        });
      }

      await registry.connect(relayer).anchorBatch(tree.root, count, "0x");
      const anchoredAt = await now();
      // Every leaf of the small batch, every ninth of the large one, revealed by its creator with the checked proof.
      const revealed = items.filter((_, i) => count <= 10 || i % 9 === 0);
      for (const { creator, file, r, salt, leaf } of revealed) {
        const proof = merkleProofOf(tree, leaf);
        expect(verifyBatchReveal(leaf, proof, tree.root).ok).to.equal(true);
        await registry.connect(creator).revealFromBatch(r, salt, relayer.address, tree.root, proof);
        const workId = BigInt(r.contentHash);
        const record = await onChainWork(registry, workId);
        expect(
          verifyRegistration(file, record, { creator: creator.address as Address, registeredBy: anchoredAt }),
        ).to.deep.equal({
          ok: true,
          contentHash: r.contentHash,
          workId,
          registeredAt: anchoredAt,
          owner: creator.address,
        });
      }
    });

    it(`rejects tampered proofs of a ${count}-leaf batch off chain (ProofMismatch) and on chain (InvalidMerkleProof)`, async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const signers = await ethers.getSigners();
      const { items, tree } = batchOf(signers.slice(3), count - 1);
      const mine = batchOf([alice], 1).items[0];
      if (!mine) throw new Error("no leaf of Alice");
      const { r, salt, leaf } = mine;
      const all = [...items.map((item) => item.leaf), leaf];
      const batch = buildMerkleTree(all);
      const root = batch.root;
      const proof = merkleProofOf(batch, leaf);
      expect(proof.length).to.be.greaterThan(1);
      expect(tree.root).to.not.equal(root);
      await registry.connect(bob).anchorBatch(root, count, "0x");
      const reveal = (p: readonly Hex[], onRoot: Hex = root, s: Hex = salt) =>
        registry.connect(alice).revealFromBatch(r, s, bob.address, onRoot, [...p]);

      // One element changed, at each level.
      for (let i = 0; i < proof.length; i++) {
        const tampered = proof.map((node, j) => (j === i ? flipped(node) : node));
        expect(verifyBatchReveal(leaf, tampered, root), `changed ${i}`).to.deep.equal(
          proofMismatch(leaf, tampered, root),
        );
        await expect(reveal(tampered))
          .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
          .withArgs(root, leaf);
      }

      // One element dropped, at each level, and all of them.
      for (let i = 0; i < proof.length; i++) {
        const tampered = proof.filter((_, j) => j !== i);
        expect(verifyBatchReveal(leaf, tampered, root), `dropped ${i}`).to.deep.equal(
          proofMismatch(leaf, tampered, root),
        );
        await expect(reveal(tampered))
          .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
          .withArgs(root, leaf);
      }
      expect(verifyBatchReveal(leaf, [], root)).to.deep.equal({
        ok: false,
        reason: "ProofMismatch",
        message: `the proof leads from the leaf to ${leaf}, not to the anchored root ${root}`,
      });
      await expect(reveal([])).to.be.revertedWithCustomError(registry, "InvalidMerkleProof").withArgs(root, leaf);

      // The wrong leaf: another leaf of the batch, or Alice's with another salt, against Alice's proof.
      const otherLeaf = at(items, 0).leaf;
      expect(verifyBatchReveal(otherLeaf, proof, root)).to.deep.equal(proofMismatch(otherLeaf, proof, root));
      const wrongSalt = unique("wrong-salt");
      const wrongLeaf = batchLeafOf(alice.address as Address, r.contentHash, wrongSalt);
      expect(verifyBatchReveal(wrongLeaf, proof, root)).to.deep.equal(proofMismatch(wrongLeaf, proof, root));
      await expect(reveal(proof, root, wrongSalt))
        .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
        .withArgs(root, wrongLeaf);

      // The wrong root: another anchored batch.
      await registry.connect(bob).anchorBatch(tree.root, count - 1, "0x");
      expect(verifyBatchReveal(leaf, proof, tree.root)).to.deep.equal({
        ok: false,
        reason: "ProofMismatch",
        message: `the proof leads from the leaf to ${root}, not to the anchored root ${tree.root}`,
      });
      await expect(reveal(proof, tree.root))
        .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
        .withArgs(tree.root, leaf);

      // The untampered proof still passes both.
      expect(verifyBatchReveal(leaf, proof, root)).to.deep.equal({ ok: true, leaf, root });
      await reveal(proof);
      expect(await registry.ownerOf(BigInt(r.contentHash))).to.equal(alice.address);
    });
  }

  it("accepts the only leaf of a one-leaf batch with an empty proof, as the registry does", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 1);
    const { r, salt, leaf } = at(items, 0);
    expect(tree.root).to.equal(leaf);
    expect(verifyBatchReveal(leaf, [], tree.root)).to.deep.equal({ ok: true, leaf, root: tree.root });
    const other = flipped(leaf);
    expect(verifyBatchReveal(other, [], tree.root)).to.deep.equal({
      ok: false,
      reason: "ProofMismatch",
      message: `the proof leads from the leaf to ${other}, not to the anchored root ${tree.root}`,
    });
    await registry.connect(alice).anchorBatch(tree.root, 1, "0x");
    await registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, []);
    expect(await registry.ownerOf(BigInt(r.contentHash))).to.equal(alice.address);
  });

  it("agrees with the registry on randomly mutated proofs (replace, drop, insert, swap)", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const signers = await ethers.getSigners();
    const { items } = batchOf(signers.slice(3), 20);
    const mine = at(batchOf([alice], 1).items, 0);
    const tree = buildMerkleTree([...items.map((item) => item.leaf), mine.leaf]);
    const proof = merkleProofOf(tree, mine.leaf);
    await registry.connect(bob).anchorBatch(tree.root, 21, "0x");

    const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
    const node = fc.oneof(bytes32, fc.constantFrom(...tree.nodes));
    const index = fc.integer({ min: 0, max: proof.length - 1 });
    const mutation = fc.oneof(
      fc.tuple(index, node).map(([i, n]) => proof.map((p, j) => (j === i ? n : p))),
      index.map((i) => proof.filter((_, j) => j !== i)),
      fc
        .tuple(fc.integer({ min: 0, max: proof.length }), node)
        .map(([i, n]) => [...proof.slice(0, i), n, ...proof.slice(i)]),
      fc
        .tuple(index, index)
        .map(([i, j]) => proof.map((p, k) => (k === i ? at(proof, j) : k === j ? at(proof, i) : p))),
    );

    await fc.assert(
      fc.asyncProperty(mutation, async (mutated) => {
        const offChain = verifyBatchReveal(mine.leaf, mutated, tree.root);
        const onChain = registry
          .connect(alice)
          .revealFromBatch.staticCall(mine.r, mine.salt, bob.address, tree.root, mutated);
        if (offChain.ok) {
          expect(await onChain).to.equal(BigInt(mine.r.contentHash));
        } else {
          expect(offChain).to.deep.equal(proofMismatch(mine.leaf, mutated, tree.root));
          await expect(onChain)
            .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
            .withArgs(tree.root, mine.leaf);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("accepts leaf, root and proof in upper-case hex, returning leaf and root in lower case", async () => {
    const { items, tree } = batchOf(await ethers.getSigners(), 7);
    const { leaf } = at(items, 3);
    const proof = merkleProofOf(tree, leaf);
    expect(verifyBatchReveal(upperHex(leaf), proof.map(upperHex), upperHex(tree.root))).to.deep.equal({
      ok: true,
      leaf,
      root: tree.root,
    });
  });

  it("derives the leaf from a commitment's preimage as the registry does, closing the inner-node gap", async () => {
    const { items, tree } = batchOf(await ethers.getSigners(), 7);
    const { creator, r, salt, leaf } = at(items, 3);
    const proof = merkleProofOf(tree, leaf);
    const commitment = { creator: creator.address as Address, contentHash: r.contentHash, salt };
    expect(verifyBatchReveal(commitment, proof, tree.root)).to.deep.equal({ ok: true, leaf, root: tree.root });
    // An inner node of the path passes as a bare leaf, but no preimage leads to it.
    const parent = processMerkleProof(leaf, proof.slice(0, 1));
    expect(verifyBatchReveal(parent, proof.slice(1), tree.root).ok).to.equal(true);
    expect(verifyBatchReveal({ ...commitment, salt: flipped(salt) }, proof, tree.root).ok).to.equal(false);
    expect(verifyBatchReveal({ ...commitment, creator: "0x1234" as Address }, proof, tree.root)).to.deep.equal({
      ok: false,
      reason: "InvalidInput",
      message: "a commitment is a creator address, a 32-byte content hash and a 32-byte salt",
    });
  });

  it("reports InvalidInput, without throwing, for a missing (undefined) proof element or root", async () => {
    const { items, tree } = batchOf(await ethers.getSigners(), 7);
    const { leaf } = at(items, 3);
    const proof = merkleProofOf(tree, leaf);
    const holes = [leaf, undefined as unknown as Hex, ...proof.slice(1)];
    expect(verifyBatchReveal(leaf, holes.slice(1), tree.root)).to.deep.include({ ok: false, reason: "InvalidInput" });
    expect(verifyBatchReveal(leaf, proof, undefined as unknown as Hex)).to.deep.include({
      ok: false,
      reason: "InvalidInput",
    });
  });

  it("reports InvalidInput for a leaf, root or proof element that is not 32 bytes of hex", async () => {
    const { items, tree } = batchOf(await ethers.getSigners(), 7);
    const { leaf } = at(items, 3);
    const proof = merkleProofOf(tree, leaf);
    const { root } = tree;
    const short = (value: Hex): Hex => value.slice(0, -2) as Hex; // 31 bytes
    const long = (value: Hex): Hex => `${value}00`; // 33 bytes
    const invalid = (bad: string) => ({
      ok: false,
      reason: "InvalidInput",
      message: `a leaf, root or proof element is 32 bytes of hex, got "${bad}"`,
    });
    const last = proof.length - 1;
    const cases: [Hex, readonly Hex[], Hex, string][] = [
      [short(leaf), proof, root, short(leaf)],
      [long(leaf), proof, root, long(leaf)],
      [leaf, proof, short(root), short(root)],
      [leaf, proof, `0x${root.slice(3)}` as Hex, `0x${root.slice(3)}`], // odd length
      [leaf, proof.map((p, i) => (i === 0 ? short(p) : p)), root, short(at(proof, 0))],
      [leaf, proof.map((p, i) => (i === last ? long(p) : p)), root, long(at(proof, last))],
      [leaf, [...proof, "0x"], root, "0x"],
      [leaf.slice(2) as Hex, proof, root, leaf.slice(2)],
      [leaf, proof, `0x${"zz".repeat(32)}` as Hex, `0x${"zz".repeat(32)}`],
      // The leaf is checked first, then the root, then the proof.
      [short(leaf), [short(at(proof, 0))], short(root), short(leaf)],
      [leaf, [short(at(proof, 0))], short(root), short(root)],
    ];
    for (const [l, p, r, bad] of cases) {
      expect(verifyBatchReveal(l, p, r), bad).to.deep.equal(invalid(bad));
    }
  });
});
