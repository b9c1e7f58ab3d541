// Gasless commit-then-reveal: the platform commits or anchors, the creator signs the reveal, the platform submits it.
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { buildMerkleTree, merkleProofOf } from "../../core/merkle.ts";
import {
  deployRegistry,
  digestOf,
  ethers,
  networkHelpers,
  newWork,
  nextBlockAt,
  now,
  signRegistration,
  signReveal,
  signRevealBatch,
  unique,
} from "./fixture.ts";

const { time } = networkHelpers;
const farDeadline = 2n ** 40n;
const DAY = 86_400;

describe("ProvenanceRegistry: gasless reveal", () => {
  it("reveals a commitment the relayer made for the creator, with the commitment's time, the creator paying nothing", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, relayer } = f;
    const r = newWork(alice.address);
    const salt = unique("salt");
    const commitment = commitmentOf(alice.address as Address, r.contentHash, salt);
    await registry.connect(relayer).commit(commitment);
    const committedAt = await now();
    await time.increase(3 * DAY);
    const signature = await signReveal(alice, f, r, salt, alice.address, 0n, farDeadline);
    const balance = await ethers.provider.getBalance(alice.address);
    const tx = await registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, farDeadline, signature);
    const workId = BigInt(r.contentHash);
    await expect(tx)
      .to.emit(registry, "WorkRegistered")
      .withArgs(workId, alice.address, 0x55, digestOf(r), alice.address, r.royaltyBps, committedAt);
    await expect(tx)
      .to.emit(registry, "CommitmentRevealed")
      .withArgs(commitment, workId, ethers.ZeroHash, ethers.ZeroAddress, committedAt, await now());
    const work = await registry.workOf(workId);
    expect([work.creator, work.owner, work.registeredAt]).to.deep.equal([alice.address, alice.address, committedAt]);
    expect(await registry.nonces(alice.address)).to.equal(1n);
    expect(await ethers.provider.getBalance(alice.address)).to.equal(balance);
  });

  it("reveals a creator's leaf of a batch the relayer anchored, by the creator's signature", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, bob, relayer } = f;
    const items = [alice, bob, alice].map((creator) => {
      const r = newWork(creator.address);
      const salt = unique("batch-salt");
      return { creator, r, salt, leaf: batchLeafOf(creator.address as Address, r.contentHash, salt) };
    });
    const tree = buildMerkleTree(items.map((i) => i.leaf));
    await registry.connect(relayer).anchorBatch(tree.root, items.length, "0x");
    const anchoredAt = await now();
    await time.increase(DAY);
    const nonces = new Map<string, bigint>();
    for (const { creator, r, salt, leaf } of items) {
      const nonce = nonces.get(creator.address) ?? 0n;
      nonces.set(creator.address, nonce + 1n);
      const signature = await signReveal(creator, f, r, salt, creator.address, nonce, farDeadline);
      const proof = merkleProofOf(tree, leaf);
      await expect(
        registry
          .connect(relayer)
          .revealFromBatchWithSig(
            r,
            salt,
            creator.address,
            relayer.address,
            tree.root,
            proof,
            nonce,
            farDeadline,
            signature,
          ),
      )
        .to.emit(registry, "WorkRegistered")
        .withArgs(BigInt(r.contentHash), creator.address, 0x55, digestOf(r), creator.address, r.royaltyBps, anchoredAt);
    }
    expect(await registry.nonces(alice.address)).to.equal(2n);
  });

  it("refuses a reveal signed by another account, for another salt, replayed, expired, or signed as a registration", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, bob, relayer } = f;
    const r = newWork(alice.address);
    const salt = unique("salt");
    await registry.connect(relayer).commit(commitmentOf(alice.address as Address, r.contentHash, salt));
    const byBob = await signReveal(bob, f, r, salt, alice.address, 0n, farDeadline);
    await expect(registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, farDeadline, byBob))
      .to.be.revertedWithCustomError(registry, "InvalidSignature")
      .withArgs(alice.address);
    const otherSalt = await signReveal(alice, f, r, unique("other"), alice.address, 0n, farDeadline);
    await expect(registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, farDeadline, otherSalt))
      .to.be.revertedWithCustomError(registry, "InvalidSignature")
      .withArgs(alice.address);
    const asRegistration = await signRegistration(alice, f, r, alice.address, 0n, farDeadline);
    await expect(registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, farDeadline, asRegistration))
      .to.be.revertedWithCustomError(registry, "InvalidSignature")
      .withArgs(alice.address);
    const deadline = (await now()) + 60n;
    const expiring = await signReveal(alice, f, r, salt, alice.address, 0n, deadline);
    await time.setNextBlockTimestamp(deadline + 1n);
    await expect(registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, deadline, expiring))
      .to.be.revertedWithCustomError(registry, "SignatureExpired")
      .withArgs(deadline, deadline + 1n);
    const good = await signReveal(alice, f, r, salt, alice.address, 0n, farDeadline);
    await registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, farDeadline, good);
    await expect(registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, farDeadline, good))
      .to.be.revertedWithCustomError(registry, "InvalidNonce")
      .withArgs(alice.address, 0n, 1n);
  });

  it("refuses a signed reveal of a commitment never made, and of a leaf not in the batch", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, relayer } = f;
    const r = newWork(alice.address);
    const salt = unique("salt");
    const signature = await signReveal(alice, f, r, salt, alice.address, 0n, farDeadline);
    await expect(registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, farDeadline, signature))
      .to.be.revertedWithCustomError(registry, "UnknownCommitment")
      .withArgs(commitmentOf(alice.address as Address, r.contentHash, salt));
    const tree = buildMerkleTree([unique("a"), unique("b")]);
    await registry.connect(relayer).anchorBatch(tree.root, 2, "0x");
    const leaf = batchLeafOf(alice.address as Address, r.contentHash, salt);
    await expect(
      registry
        .connect(relayer)
        .revealFromBatchWithSig(r, salt, alice.address, relayer.address, tree.root, [], 0n, farDeadline, signature),
    )
      .to.be.revertedWithCustomError(registry, "InvalidMerkleProof")
      .withArgs(tree.root, leaf);
  });

  it("takes the title from a later registration of the same file by a signed priority claim", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, bob, relayer } = f;
    const r = newWork(alice.address);
    const salt = unique("salt");
    await registry.connect(relayer).commit(commitmentOf(alice.address as Address, r.contentHash, salt));
    const committedAt = await now();
    await time.increase(2 * DAY);
    await registry.connect(bob).register({ ...newWork(bob.address), contentHash: r.contentHash as Hex });
    const bobsAt = await now();
    const signature = await signReveal(alice, f, r, salt, alice.address, 0n, farDeadline);
    const at = await nextBlockAt();
    await expect(registry.connect(relayer).revealWithSig(r, salt, alice.address, 0n, farDeadline, signature))
      .to.emit(registry, "PriorityClaimed")
      .withArgs(
        BigInt(r.contentHash),
        alice.address,
        alice.address,
        0x55,
        digestOf(r),
        alice.address,
        r.royaltyBps,
        committedAt,
        bob.address,
        bobsAt,
        bobsAt,
        ethers.ZeroAddress,
        at,
      );
    expect(await registry.ownerOf(r.contentHash)).to.equal(alice.address);
  });

  /** A batch of `n` of alice's designs anchored by the relayer: the items, their proofs and the batch's time. */
  async function aliceBatch(f: Awaited<ReturnType<typeof deployRegistry>>, n: number) {
    const { registry, alice, relayer } = f;
    const items = Array.from({ length: n }, () => ({ ...newWork(alice.address), salt: unique("batch-salt") }));
    const leaves = items.map((i) => batchLeafOf(alice.address as Address, i.contentHash, i.salt));
    const tree = buildMerkleTree(leaves);
    await registry.connect(relayer).anchorBatch(tree.root, n, "0x");
    const anchoredAt = await now();
    const proofs = leaves.map((leaf) => merkleProofOf(tree, leaf));
    const registrations = items.map(({ salt: _salt, ...r }) => r);
    const salts = items.map((i) => i.salt);
    const message = {
      creator: alice.address as Address,
      items,
      submitter: relayer.address as Address,
      root: tree.root,
      nonce: 0n,
      deadline: farDeadline,
    };
    return { items, registrations, salts, proofs, tree, anchoredAt, message };
  }

  it("reveals many leaves of the creator's batch with one signature and one nonce, each at the batch's time", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, relayer } = f;
    const b = await aliceBatch(f, 5);
    await time.increase(DAY);
    const signature = await signRevealBatch(alice, f, b.message);
    const args = [
      b.registrations,
      b.salts,
      b.proofs,
      alice.address,
      relayer.address,
      b.tree.root,
      0n,
      farDeadline,
    ] as const;
    expect(await registry.connect(relayer).revealBatchWithSig.staticCall(...args, signature)).to.equal(5n);
    const tx = await registry.connect(relayer).revealBatchWithSig(...args, signature);
    for (const r of b.registrations) {
      await expect(tx)
        .to.emit(registry, "WorkRegistered")
        .withArgs(BigInt(r.contentHash), alice.address, 0x55, digestOf(r), alice.address, r.royaltyBps, b.anchoredAt);
      expect(await registry.ownerOf(r.contentHash)).to.equal(alice.address);
    }
    expect(await registry.nonces(alice.address)).to.equal(1n);
    await expect(registry.connect(relayer).revealBatchWithSig(...args, signature))
      .to.be.revertedWithCustomError(registry, "InvalidNonce")
      .withArgs(alice.address, 0n, 1n);
  });

  it("refuses a batch reveal signed by another, over other items, of unequal lists, or with one bad proof, registering none", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, bob, relayer } = f;
    const b = await aliceBatch(f, 3);
    const reveal = (proofs: string[][], signature: string, salts = b.salts) =>
      registry
        .connect(relayer)
        .revealBatchWithSig(
          b.registrations,
          salts,
          proofs,
          alice.address,
          relayer.address,
          b.tree.root,
          0n,
          farDeadline,
          signature,
        );
    const byBob = await signRevealBatch(bob, f, b.message);
    await expect(reveal(b.proofs, byBob))
      .to.be.revertedWithCustomError(registry, "InvalidSignature")
      .withArgs(alice.address);
    const fewer = await signRevealBatch(alice, f, { ...b.message, items: b.items.slice(0, 2) });
    await expect(reveal(b.proofs, fewer))
      .to.be.revertedWithCustomError(registry, "InvalidSignature")
      .withArgs(alice.address);
    const good = await signRevealBatch(alice, f, b.message);
    await expect(reveal(b.proofs.slice(0, 2), good))
      .to.be.revertedWithCustomError(registry, "BatchLengthMismatch")
      .withArgs(3n, 3n, 2n);
    const badProof = [b.proofs[0] as string[], b.proofs[1] as string[], []];
    await expect(reveal(badProof, good)).to.be.revertedWithCustomError(registry, "InvalidMerkleProof");
    const swapped = [b.salts[1], b.salts[0], b.salts[2]] as Hex[];
    await expect(reveal(b.proofs, good, swapped)).to.be.revertedWithCustomError(registry, "InvalidSignature");
    await expect(
      registry
        .connect(relayer)
        .revealBatchWithSig([], [], [], alice.address, relayer.address, b.tree.root, 0n, farDeadline, good),
    )
      .to.be.revertedWithCustomError(registry, "BatchLengthMismatch")
      .withArgs(0n, 0n, 0n);
    for (const r of b.registrations) expect(await registry.balanceOf(alice.address)).to.equal(0n, r.contentHash);
    expect(await registry.nonces(alice.address)).to.equal(0n);
  });
});
