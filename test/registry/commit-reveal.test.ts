// Private registration: commitments, batch anchors and reveals.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { type Address, type Hex, zeroHash } from "viem";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { buildMerkleTree, type MerkleTree, merkleProofOf } from "../../core/merkle.ts";
import type { Registration } from "../../core/registration.ts";
import {
  deployRegistry,
  digestOf,
  ethers,
  metadataCid,
  networkHelpers,
  newWork,
  nextBlockAt,
  now,
  unique,
} from "./fixture.ts";

const { time } = networkHelpers;

/** Seconds between a commitment and its reveal, so the two times can never be confused. */
const DELAY = 7 * 24 * 3600;

function addressOf(signer: HardhatEthersSigner): Address {
  return signer.address as Address;
}

/** A work of `creator`, a fresh salt and the commitment that binds them. */
function privateWork(creator: HardhatEthersSigner, overrides: Partial<Registration> = {}) {
  const r = newWork(creator.address, overrides);
  const salt = unique("salt");
  return { r, salt, commitment: commitmentOf(addressOf(creator), r.contentHash, salt) };
}

type BatchItem = { creator: HardhatEthersSigner; r: Registration; salt: Hex; leaf: Hex };

/** `count` works spread over `creators`, each with its own salt, and the Merkle tree of their leaves. */
function batchOf(creators: readonly HardhatEthersSigner[], count: number): { items: BatchItem[]; tree: MerkleTree } {
  const items: BatchItem[] = [];
  for (let i = 0; i < count; i++) {
    const creator = creators[i % creators.length];
    if (!creator) throw new Error("no creator");
    const r = newWork(creator.address);
    const salt = unique("batch-salt");
    items.push({ creator, r, salt, leaf: batchLeafOf(addressOf(creator), r.contentHash, salt) });
  }
  return { items, tree: buildMerkleTree(items.map((item) => item.leaf)) };
}

function first<T>(items: readonly T[]): T {
  const item = items[0];
  if (item === undefined) throw new Error("empty list");
  return item;
}

describe("ProvenanceRegistry: commit", () => {
  it("anchors a commitment at the block time and emits Committed with the submitter and the time", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { commitment } = privateWork(alice);
    const tx = await registry.connect(alice).commit(commitment);
    const committedAt = await now();
    await expect(tx).to.emit(registry, "Committed").withArgs(commitment, alice.address, committedAt);
    expect(await registry.commitmentTime(commitment)).to.equal(committedAt);
  });

  it("reports zero as the time of a commitment that was never anchored", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    expect(await registry.commitmentTime(privateWork(alice).commitment)).to.equal(0n);
  });

  it("rejects the zero commitment", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    await expect(registry.connect(alice).commit(zeroHash))
      .to.be.revertedWithCustomError(registry, "InvalidCommitment")
      .withArgs(zeroHash);
  });

  it("rejects a second anchoring of the same commitment, naming its first time, whoever submits it", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const { commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    const committedAt = await now();
    await time.increase(DELAY);
    await expect(registry.connect(alice).commit(commitment))
      .to.be.revertedWithCustomError(registry, "CommitmentExists")
      .withArgs(commitment, committedAt);
    await expect(registry.connect(bob).commit(commitment))
      .to.be.revertedWithCustomError(registry, "CommitmentExists")
      .withArgs(commitment, committedAt);
    expect(await registry.commitmentTime(commitment)).to.equal(committedAt);
  });

  it("lets anyone submit a creator's commitment, which only that creator can then reveal", async () => {
    const { registry, alice, relayer } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    const tx = await registry.connect(relayer).commit(commitment);
    const committedAt = await now();
    await expect(tx).to.emit(registry, "Committed").withArgs(commitment, relayer.address, committedAt);
    await time.increase(DELAY);

    await expect(registry.connect(relayer).reveal(r, salt))
      .to.be.revertedWithCustomError(registry, "UnknownCommitment")
      .withArgs(commitmentOf(addressOf(relayer), r.contentHash, salt));
    await registry.connect(alice).reveal(r, salt);
    const work = await registry.workOf(r.contentHash);
    expect(work.creator).to.equal(alice.address);
    expect(work.registeredAt).to.equal(committedAt);
  });
});

describe("ProvenanceRegistry: reveal", () => {
  it("mints the work with the commitment's time, not the reveal's", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice, { to: bob.address as Address });
    await registry.connect(alice).commit(commitment);
    const committedAt = await now();
    await time.increase(DELAY);

    const tx = await registry.connect(alice).reveal(r, salt);
    const revealedAt = await now();
    expect(revealedAt - committedAt).to.be.greaterThanOrEqual(BigInt(DELAY));

    const workId = BigInt(r.contentHash);
    await expect(tx)
      .to.emit(registry, "WorkRegistered")
      .withArgs(workId, alice.address, 0x55, digestOf(r), alice.address, r.royaltyBps, committedAt);
    await expect(tx)
      .to.emit(registry, "CommitmentRevealed")
      .withArgs(commitment, workId, zeroHash, ethers.ZeroAddress, committedAt, revealedAt);
    await expect(tx).to.emit(registry, "Transfer").withArgs(ethers.ZeroAddress, bob.address, workId);

    const work = await registry.workOf(workId);
    expect(work.owner).to.equal(bob.address);
    expect(work.creator).to.equal(alice.address);
    expect(work.registeredAt).to.equal(committedAt);
    expect(work.metadataCid).to.equal(r.metadataCid);
    expect(await registry.ownerOf(workId)).to.equal(bob.address);
  });

  it("returns the work id of the revealed file", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    await time.increase(DELAY);
    expect(await registry.connect(alice).reveal.staticCall(r, salt)).to.equal(BigInt(r.contentHash));
  });

  it("rejects a reveal whose salt differs from the committed one", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    await time.increase(DELAY);
    const wrongSalt = unique("wrong-salt");
    await expect(registry.connect(alice).reveal(r, wrongSalt))
      .to.be.revertedWithCustomError(registry, "UnknownCommitment")
      .withArgs(commitmentOf(addressOf(alice), r.contentHash, wrongSalt));
    // The right salt still works afterwards.
    await registry.connect(alice).reveal(r, salt);
    expect(await registry.ownerOf(r.contentHash)).to.equal(alice.address);
  });

  it("rejects a reveal whose content hash differs from the committed one", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    await time.increase(DELAY);
    const other = { ...r, contentHash: unique("other-content") };
    await expect(registry.connect(alice).reveal(other, salt))
      .to.be.revertedWithCustomError(registry, "UnknownCommitment")
      .withArgs(commitmentOf(addressOf(alice), other.contentHash, salt));
  });

  it("rejects a reveal by an account other than the creator bound in the commitment", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    // Committed with bob as creator: alice cannot reveal it, even naming herself or bob as holder.
    const { r, salt, commitment } = privateWork(bob);
    await registry.connect(bob).commit(commitment);
    await time.increase(DELAY);
    await expect(registry.connect(alice).reveal({ ...r, to: alice.address as Address }, salt))
      .to.be.revertedWithCustomError(registry, "UnknownCommitment")
      .withArgs(commitmentOf(addressOf(alice), r.contentHash, salt));
  });

  it("does not let a front-runner who copies the reveal's calldata take the work", async () => {
    const { registry, alice, carol } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    await time.increase(DELAY);

    // carol sees alice's pending reveal (salt and content in clear) and submits the same call first.
    await expect(registry.connect(carol).reveal(r, salt))
      .to.be.revertedWithCustomError(registry, "UnknownCommitment")
      .withArgs(commitmentOf(addressOf(carol), r.contentHash, salt));
    await expect(registry.connect(carol).reveal({ ...r, to: carol.address as Address }, salt))
      .to.be.revertedWithCustomError(registry, "UnknownCommitment")
      .withArgs(commitmentOf(addressOf(carol), r.contentHash, salt));
    await expect(registry.workOf(r.contentHash))
      .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
      .withArgs(BigInt(r.contentHash));

    await registry.connect(alice).reveal(r, salt);
    expect((await registry.workOf(r.contentHash)).creator).to.equal(alice.address);
  });

  it("rejects a second reveal of the same commitment", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    await time.increase(DELAY);
    await registry.connect(alice).reveal(r, salt);
    await time.increase(60);
    await expect(registry.connect(alice).reveal(r, salt))
      .to.be.revertedWithCustomError(registry, "CommitmentAlreadyRevealed")
      .withArgs(commitment, BigInt(r.contentHash));
  });

  it("rejects a second reveal of the same commitment after the work changed hands", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    await time.increase(DELAY);
    await registry.connect(alice).reveal(r, salt);
    await registry.connect(alice).transferFrom(alice.address, bob.address, r.contentHash);
    await expect(registry.connect(alice).reveal(r, salt))
      .to.be.revertedWithCustomError(registry, "CommitmentAlreadyRevealed")
      .withArgs(commitment, BigInt(r.contentHash));
    expect(await registry.ownerOf(r.contentHash)).to.equal(bob.address);
  });

  it("rejects a reveal of content that someone else registered within a day of the commitment (test/registry/priority.test.ts has the rule)", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    const committedAt = await now();
    await time.increase(3_600);
    await registry.connect(bob).register({ ...r, to: bob.address as Address });
    await expect(registry.connect(alice).reveal(r, salt))
      .to.be.revertedWithCustomError(registry, "NoPriority")
      .withArgs(BigInt(r.contentHash), committedAt, await now());
  });

  it("rejects a reveal of content that someone else revealed from an earlier commitment", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const contentHash = unique("shared-content");
    const bobs = privateWork(bob, { contentHash });
    const alices = privateWork(alice, { contentHash });
    await registry.connect(bob).commit(bobs.commitment);
    const bobCommittedAt = await now();
    await time.increase(60);
    await registry.connect(alice).commit(alices.commitment);
    const aliceCommittedAt = await now();
    await time.increase(DELAY);
    await registry.connect(bob).reveal(bobs.r, bobs.salt);
    await expect(registry.connect(alice).reveal(alices.r, alices.salt))
      .to.be.revertedWithCustomError(registry, "NoPriority")
      .withArgs(BigInt(contentHash), aliceCommittedAt, bobCommittedAt);
  });

  it("validates the registration like a direct one (zero content hash, bad metadata CID)", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const zero = privateWork(alice, { contentHash: zeroHash });
    await registry.connect(alice).commit(zero.commitment);
    const badCid = privateWork(alice, { metadataCid: "0x1220" });
    await registry.connect(alice).commit(badCid.commitment);
    await time.increase(DELAY);
    await expect(registry.connect(alice).reveal(zero.r, zero.salt))
      .to.be.revertedWithCustomError(registry, "InvalidContentHash")
      .withArgs(zeroHash);
    await expect(registry.connect(alice).reveal(badCid.r, badCid.salt))
      .to.be.revertedWithCustomError(registry, "InvalidMetadataCid")
      .withArgs("0x1220");
  });
});

describe("ProvenanceRegistry: anchorBatch", () => {
  it("anchors a batch root at the block time and emits BatchAnchored with its details", async () => {
    const { registry, relayer } = await networkHelpers.loadFixture(deployRegistry);
    const root = unique("root");
    const leavesCid = "0x0155122011223344556677889900aabbccddeeff00112233445566778899aabbccddeeff";
    const tx = await registry.connect(relayer).anchorBatch(root, 50, leavesCid);
    const anchoredAt = await now();
    await expect(tx).to.emit(registry, "BatchAnchored").withArgs(root, relayer.address, 50, leavesCid, anchoredAt);
    expect(await registry.batchTime(relayer.address, root)).to.equal(anchoredAt);
  });

  it("records the leaf count and leaves CID as given, without checking them", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const root = unique("root");
    const tx = await registry.connect(alice).anchorBatch(root, 0, "0x");
    await expect(tx)
      .to.emit(registry, "BatchAnchored")
      .withArgs(root, alice.address, 0, "0x", await now());
  });

  it("reports zero as the time of a root that was never anchored, or not by that submitter", async () => {
    const { registry, relayer, bob } = await networkHelpers.loadFixture(deployRegistry);
    const root = unique("root");
    expect(await registry.batchTime(relayer.address, root)).to.equal(0n);
    await registry.connect(relayer).anchorBatch(root, 1, "0x");
    expect(await registry.batchTime(bob.address, root)).to.equal(0n);
  });

  it("rejects the zero root", async () => {
    const { registry, relayer } = await networkHelpers.loadFixture(deployRegistry);
    await expect(registry.connect(relayer).anchorBatch(zeroHash, 1, "0x"))
      .to.be.revertedWithCustomError(registry, "InvalidCommitment")
      .withArgs(zeroHash);
  });

  it("rejects a second anchoring of the same root by the same submitter, naming its first time", async () => {
    const { registry, relayer } = await networkHelpers.loadFixture(deployRegistry);
    const root = unique("root");
    await registry.connect(relayer).anchorBatch(root, 3, "0x");
    const anchoredAt = await now();
    await time.increase(DELAY);
    await expect(registry.connect(relayer).anchorBatch(root, 3, "0x"))
      .to.be.revertedWithCustomError(registry, "BatchExists")
      .withArgs(relayer.address, root, anchoredAt);
    expect(await registry.batchTime(relayer.address, root)).to.equal(anchoredAt);
  });

  it("lets a front-runner anchor only its own copy of a root: the platform's anchor still lands, with its own details", async () => {
    const { registry, relayer, bob } = await networkHelpers.loadFixture(deployRegistry);
    const root = unique("root");
    // bob sees the platform's pending anchorBatch and anchors the same root first, with false details.
    await registry.connect(bob).anchorBatch(root, 1, "0x01");
    const bobsAt = await now();
    const anchorAt = await nextBlockAt(5n);
    const leavesCid = metadataCid();
    await expect(registry.connect(relayer).anchorBatch(root, 1_000, leavesCid))
      .to.emit(registry, "BatchAnchored")
      .withArgs(root, relayer.address, 1_000, leavesCid, anchorAt);
    expect(await registry.batchTime(relayer.address, root)).to.be.greaterThan(bobsAt);
    expect(await registry.batchTime(bob.address, root)).to.equal(bobsAt);
  });

  it("keeps batch roots and single commitments apart", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const value = unique("root-or-commitment");
    await registry.connect(alice).anchorBatch(value, 1, "0x");
    expect(await registry.commitmentTime(value)).to.equal(0n);
    await registry.connect(alice).commit(value);
    expect(await registry.commitmentTime(value)).to.equal(await now());
  });
});

describe("ProvenanceRegistry: revealFromBatch", () => {
  it("reveals every leaf of a 50-leaf batch with its proof, each with the batch's time", async () => {
    const { registry, relayer } = await networkHelpers.loadFixture(deployRegistry);
    const signers = await ethers.getSigners();
    const { items, tree } = batchOf(signers, 50);
    await registry.connect(relayer).anchorBatch(tree.root, items.length, "0x");
    const anchoredAt = await now();
    await time.increase(DELAY);

    for (const { creator, r, salt, leaf } of items) {
      const proof = merkleProofOf(tree, leaf);
      const tx = await registry.connect(creator).revealFromBatch(r, salt, relayer.address, tree.root, proof);
      const revealedAt = await now();
      const workId = BigInt(r.contentHash);
      await expect(tx)
        .to.emit(registry, "CommitmentRevealed")
        .withArgs(
          commitmentOf(addressOf(creator), r.contentHash, salt),
          workId,
          tree.root,
          relayer.address,
          anchoredAt,
          revealedAt,
        );
      await expect(tx)
        .to.emit(registry, "WorkRegistered")
        .withArgs(workId, creator.address, 0x55, digestOf(r), creator.address, r.royaltyBps, anchoredAt);
      const work = await registry.workOf(workId);
      expect(work.owner).to.equal(creator.address);
      expect(work.creator).to.equal(creator.address);
      expect(work.registeredAt).to.equal(anchoredAt);
    }
  });

  it("reveals the only leaf of a one-leaf batch with an empty proof", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 1);
    const { r, salt, leaf } = first(items);
    expect(tree.root).to.equal(leaf);
    await registry.connect(alice).anchorBatch(tree.root, 1, "0x");
    const anchoredAt = await now();
    await time.increase(DELAY);
    await registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, []);
    expect((await registry.workOf(r.contentHash)).registeredAt).to.equal(anchoredAt);
  });

  it("rejects a reveal against a root that was never anchored", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 4);
    const { r, salt, leaf } = first(items);
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, merkleProofOf(tree, leaf)))
      .to.be.revertedWithCustomError(registry, "UnknownBatch")
      .withArgs(alice.address, tree.root);
  });

  it("does not accept a single commitment as a batch root", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment } = privateWork(alice);
    await registry.connect(alice).commit(commitment);
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, commitment, []))
      .to.be.revertedWithCustomError(registry, "UnknownBatch")
      .withArgs(alice.address, commitment);
  });

  it("does not reveal a batch leaf as a single commitment", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 4);
    const { r, salt } = first(items);
    await registry.connect(alice).anchorBatch(tree.root, 4, "0x");
    await expect(registry.connect(alice).reveal(r, salt))
      .to.be.revertedWithCustomError(registry, "UnknownCommitment")
      .withArgs(commitmentOf(addressOf(alice), r.contentHash, salt));
  });

  it("rejects a tampered proof", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 8);
    const { r, salt, leaf } = first(items);
    await registry.connect(alice).anchorBatch(tree.root, 8, "0x");
    const proof = merkleProofOf(tree, leaf);
    expect(proof.length).to.be.greaterThan(1);
    const tampered = [unique("sibling"), ...proof.slice(1)];
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, tampered))
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, leaf);
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, proof.slice(0, -1)))
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, leaf);
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, []))
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, leaf);
  });

  it("rejects the proof of another leaf of the same batch", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 8);
    const [mine, other] = items;
    if (!mine || !other) throw new Error("batch too small");
    await registry.connect(alice).anchorBatch(tree.root, 8, "0x");
    await expect(
      registry
        .connect(alice)
        .revealFromBatch(mine.r, mine.salt, alice.address, tree.root, merkleProofOf(tree, other.leaf)),
    )
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, mine.leaf);
  });

  it("rejects a reveal with the wrong salt or content hash", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 8);
    const { r, salt, leaf } = first(items);
    await registry.connect(alice).anchorBatch(tree.root, 8, "0x");
    const proof = merkleProofOf(tree, leaf);
    const wrongSalt = unique("wrong-salt");
    await expect(registry.connect(alice).revealFromBatch(r, wrongSalt, alice.address, tree.root, proof))
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, batchLeafOf(addressOf(alice), r.contentHash, wrongSalt));
    const other = { ...r, contentHash: unique("other-content") };
    await expect(registry.connect(alice).revealFromBatch(other, salt, alice.address, tree.root, proof))
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, batchLeafOf(addressOf(alice), other.contentHash, salt));
  });

  it("does not let another account reveal a creator's leaf, even with its valid proof", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice, bob], 8);
    const { r, salt, leaf } = first(items);
    await registry.connect(alice).anchorBatch(tree.root, 8, "0x");
    const proof = merkleProofOf(tree, leaf);
    await expect(registry.connect(bob).revealFromBatch(r, salt, alice.address, tree.root, proof))
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, batchLeafOf(addressOf(bob), r.contentHash, salt));
    await expect(
      registry
        .connect(bob)
        .revealFromBatch({ ...r, to: bob.address as Address }, salt, alice.address, tree.root, proof),
    )
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, batchLeafOf(addressOf(bob), r.contentHash, salt));
    await registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, proof);
    expect(await registry.ownerOf(r.contentHash)).to.equal(alice.address);
  });

  it("does not accept an internal node of the tree as a leaf", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 4);
    const { r, salt, leaf } = first(items);
    await registry.connect(alice).anchorBatch(tree.root, 4, "0x");
    // The contract hashes the commitment into the leaf itself, so a proof that skips the first level fails.
    const proof = merkleProofOf(tree, leaf);
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, proof.slice(1)))
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, leaf);
  });

  it("rejects a second reveal of the same leaf", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 8);
    const { r, salt, leaf } = first(items);
    await registry.connect(alice).anchorBatch(tree.root, 8, "0x");
    await time.increase(DELAY);
    const proof = merkleProofOf(tree, leaf);
    await registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, proof);
    await time.increase(60);
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, proof))
      .to.be.revertedWithCustomError(registry, "CommitmentAlreadyRevealed")
      .withArgs(commitmentOf(addressOf(alice), r.contentHash, salt), BigInt(r.contentHash));
  });

  it("rejects a batch reveal of content that someone else registered within a day of the batch", async () => {
    const { registry, alice, carol } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 4);
    const { r, salt, leaf } = first(items);
    await registry.connect(alice).anchorBatch(tree.root, 4, "0x");
    const anchoredAt = await now();
    await time.increase(60);
    await registry.connect(carol).register({ ...r, to: carol.address as Address });
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, merkleProofOf(tree, leaf)))
      .to.be.revertedWithCustomError(registry, "NoPriority")
      .withArgs(BigInt(r.contentHash), anchoredAt, await now());
  });

  it("does not reveal a leaf against another submitter's copy of the root it never anchored", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const { items, tree } = batchOf([alice], 4);
    const { r, salt, leaf } = first(items);
    await registry.connect(bob).anchorBatch(tree.root, 4, "0x");
    await expect(registry.connect(alice).revealFromBatch(r, salt, alice.address, tree.root, merkleProofOf(tree, leaf)))
      .to.be.revertedWithCustomError(registry, "UnknownBatch")
      .withArgs(alice.address, tree.root);
    await registry.connect(alice).revealFromBatch(r, salt, bob.address, tree.root, merkleProofOf(tree, leaf));
    expect(await registry.ownerOf(r.contentHash)).to.equal(alice.address);
  });

  it("reveals leaves of different batches independently, each with its own batch's time", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const a = batchOf([alice], 3);
    const b = batchOf([alice], 5);
    await registry.connect(alice).anchorBatch(a.tree.root, 3, "0x");
    const aAt = await now();
    await time.increase(DELAY);
    await registry.connect(alice).anchorBatch(b.tree.root, 5, "0x");
    const bAt = await now();
    await time.increase(DELAY);

    const fromA = first(a.items);
    const fromB = first(b.items);
    // A leaf of batch A does not prove against batch B.
    await expect(
      registry
        .connect(alice)
        .revealFromBatch(fromA.r, fromA.salt, alice.address, b.tree.root, merkleProofOf(a.tree, fromA.leaf)),
    )
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(b.tree.root, fromA.leaf);
    await registry
      .connect(alice)
      .revealFromBatch(fromA.r, fromA.salt, alice.address, a.tree.root, merkleProofOf(a.tree, fromA.leaf));
    await registry
      .connect(alice)
      .revealFromBatch(fromB.r, fromB.salt, alice.address, b.tree.root, merkleProofOf(b.tree, fromB.leaf));
    expect((await registry.workOf(fromA.r.contentHash)).registeredAt).to.equal(aAt);
    expect((await registry.workOf(fromB.r.contentHash)).registeredAt).to.equal(bAt);
  });
});
