// The first-to-file rule: an earlier commitment takes the title from a later registration of the same file.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { type Address, zeroAddress, zeroHash } from "viem";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { buildMerkleTree, merkleProofOf } from "../../core/merkle.ts";
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
  type RegistryFixture,
  registerWork,
  unique,
} from "./fixture.ts";

const { time } = networkHelpers;
const DAY = 86_400n;
const MARGIN = DAY;
const CLAIM_PERIOD = 30n * DAY;

/** `creator`'s registration of a new file to itself, a salt, and the commitment that binds them. */
function secretWork(creator: HardhatEthersSigner, overrides: Partial<Registration> = {}) {
  const r = newWork(creator.address, overrides);
  const salt = unique("salt");
  return { r, salt, commitment: commitmentOf(creator.address as Address, r.contentHash, salt) };
}

/** Alice commits to a file; returns it with the commitment's time. */
async function aliceCommits(f: RegistryFixture, overrides: Partial<Registration> = {}) {
  const work = secretWork(f.alice, overrides);
  await f.registry.connect(f.alice).commit(work.commitment);
  return { ...work, committedAt: await now(), workId: BigInt(work.r.contentHash) };
}

/** Bob registers the same file as his own `after` seconds from now; returns his registration's time. */
async function bobRegisters(f: RegistryFixture, r: Registration, after: bigint, overrides: Partial<Registration> = {}) {
  const at = (await now()) + after;
  await time.setNextBlockTimestamp(at);
  await f.registry
    .connect(f.bob)
    .register({ ...r, to: f.bob.address as Address, metadataCid: metadataCid(), ...overrides });
  return at;
}

describe("ProvenanceRegistry: priority claims", () => {
  it("takes the title from another creator's later registration: the record becomes the claimant's", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, commitment, committedAt, workId } = await aliceCommits(f, {
      royaltyReceiver: f.carol.address as Address,
      royaltyBps: 300,
    });
    const bobAt = await bobRegisters(f, r, 2n * DAY);
    const t = await nextBlockAt(3_600n);
    const tx = await f.registry.connect(f.alice).reveal(r, salt);
    await expect(tx)
      .to.emit(f.registry, "PriorityClaimed")
      .withArgs(
        workId,
        f.alice.address,
        f.alice.address,
        0x55,
        digestOf(r),
        f.carol.address,
        300,
        committedAt,
        f.bob.address,
        bobAt,
        bobAt,
        zeroAddress,
        t,
      );
    await expect(tx).to.emit(f.registry, "Transfer").withArgs(f.bob.address, f.alice.address, workId);
    await expect(tx).to.emit(f.registry, "TitleTransferred").withArgs(workId, f.bob.address, f.alice.address, t);
    await expect(tx)
      .to.emit(f.registry, "CommitmentRevealed")
      .withArgs(commitment, workId, zeroHash, zeroAddress, committedAt, t);
    await expect(tx).not.to.emit(f.registry, "WorkRegistered");

    const work = await f.registry.workOf(workId);
    const revealDays = (t - committedAt + DAY - 1n) / DAY;
    expect(revealDays).to.equal(3n);
    expect([work.owner, work.creator, work.registeredAt, work.recordedAt]).to.deep.equal([
      f.alice.address,
      f.alice.address,
      committedAt,
      committedAt + revealDays * DAY,
    ]);
    expect([work.royaltyReceiver, work.royaltyBps, work.metadataCid]).to.deep.equal([
      f.carol.address,
      300n,
      r.metadataCid,
    ]);
    expect(await f.registry.royaltyInfo(workId, 10_000n)).to.deep.equal([f.carol.address, 300n]);
    const title = await f.registry.titleOf(workId);
    expect([title.moves, title.encumbrances, title.revealDays]).to.deep.equal([1n, 1n, revealDays]);
    expect([await f.registry.balanceOf(f.alice.address), await f.registry.balanceOf(f.bob.address)]).to.deep.equal([
      1n,
      0n,
    ]);
  });

  it("takes the title from a batch leaf too, CommitmentRevealed naming the root and its submitter", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.alice.address);
    const salt = unique("salt");
    const leaves = [batchLeafOf(f.alice.address as Address, r.contentHash, salt), unique("leaf"), unique("leaf")];
    const tree = buildMerkleTree(leaves);
    await f.registry.connect(f.relayer).anchorBatch(tree.root, 3, "0x");
    const anchoredAt = await now();
    await bobRegisters(f, r, 5n * DAY);
    const t = await nextBlockAt();
    await expect(
      f.registry
        .connect(f.alice)
        .revealFromBatch(r, salt, f.relayer.address, tree.root, merkleProofOf(tree, leaves[0] as `0x${string}`)),
    )
      .to.emit(f.registry, "CommitmentRevealed")
      .withArgs(
        commitmentOf(f.alice.address as Address, r.contentHash, salt),
        BigInt(r.contentHash),
        tree.root,
        f.relayer.address,
        anchoredAt,
        t,
      );
    expect(await f.registry.ownerOf(r.contentHash)).to.equal(f.alice.address);
    expect((await f.registry.workOf(r.contentHash)).registeredAt).to.equal(anchoredAt);
  });

  it("needs the commitment to be at least PRIORITY_MARGIN older than the registration: NoPriority otherwise", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    expect(await f.registry.PRIORITY_MARGIN()).to.equal(MARGIN);
    const early = await aliceCommits(f);
    const bobAt = await bobRegisters(f, early.r, MARGIN - 1n);
    await expect(f.registry.connect(f.alice).reveal(early.r, early.salt))
      .to.be.revertedWithCustomError(f.registry, "NoPriority")
      .withArgs(early.workId, early.committedAt, bobAt);

    const exact = await aliceCommits(f);
    await bobRegisters(f, exact.r, MARGIN);
    await f.registry.connect(f.alice).reveal(exact.r, exact.salt);
    expect(await f.registry.ownerOf(exact.workId)).to.equal(f.alice.address);
  });

  it("gives a front-runner nothing: a commitment in the victim's block, or the block before, has no priority", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    // Bob watches the mempool, sees Carol's registration and commits to the same file.
    const r = newWork(f.carol.address);
    const salt = unique("salt");
    const bobs = commitmentOf(f.bob.address as Address, r.contentHash, salt);
    await networkHelpers.mine(1);
    await ethers.provider.send("evm_setAutomine", [false]);
    await f.registry.connect(f.bob).commit(bobs);
    await f.registry.connect(f.carol).register(r);
    await networkHelpers.mine(1);
    await ethers.provider.send("evm_setAutomine", [true]);
    const sameBlock = await now();
    expect(await f.registry.commitmentTime(bobs)).to.equal(sameBlock);
    await time.increase(10n * DAY);
    await expect(f.registry.connect(f.bob).reveal({ ...r, to: f.bob.address as Address }, salt))
      .to.be.revertedWithCustomError(f.registry, "NoPriority")
      .withArgs(BigInt(r.contentHash), sameBlock, sameBlock);

    // A registration stuck in the mempool for an hour: the commitment lands a block earlier, still no priority.
    const late = newWork(f.carol.address);
    const lateSalt = unique("salt");
    await f.registry.connect(f.bob).commit(commitmentOf(f.bob.address as Address, late.contentHash, lateSalt));
    const committedAt = await now();
    const carolAt = await nextBlockAt(3_600n);
    await f.registry.connect(f.carol).register(late);
    await expect(f.registry.connect(f.bob).reveal({ ...late, to: f.bob.address as Address }, lateSalt))
      .to.be.revertedWithCustomError(f.registry, "NoPriority")
      .withArgs(BigInt(late.contentHash), committedAt, carolAt);
  });

  it("closes PRIORITY_CLAIM_PERIOD after the block that recorded the registration: PriorityClaimClosed", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    expect(await f.registry.PRIORITY_CLAIM_PERIOD()).to.equal(CLAIM_PERIOD);
    const late = await aliceCommits(f);
    const bobAt = await bobRegisters(f, late.r, 2n * DAY);
    await time.setNextBlockTimestamp(bobAt + CLAIM_PERIOD);
    await expect(f.registry.connect(f.alice).reveal(late.r, late.salt))
      .to.be.revertedWithCustomError(f.registry, "PriorityClaimClosed")
      .withArgs(late.workId, bobAt + CLAIM_PERIOD);

    const inTime = await aliceCommits(f);
    const otherAt = await bobRegisters(f, inTime.r, 2n * DAY);
    await time.setNextBlockTimestamp(otherAt + CLAIM_PERIOD - 1n);
    await f.registry.connect(f.alice).reveal(inTime.r, inTime.salt);
    expect(await f.registry.ownerOf(inTime.workId)).to.equal(f.alice.address);
  });

  it("counts the claim period of a revealed registration from its reveal, to the day: a late reveal is not final at once", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const first = await aliceCommits(f);
    // Bob committed to the same file two days after Alice, and reveals it 40 and a half days later.
    await time.increase(2n * DAY);
    const bobs = secretWork(f.bob, { contentHash: first.r.contentHash });
    await f.registry.connect(f.bob).commit(bobs.commitment);
    const bobCommittedAt = await now();
    await time.setNextBlockTimestamp(bobCommittedAt + 40n * DAY + DAY / 2n);
    await f.registry.connect(f.bob).reveal(bobs.r, bobs.salt);
    const recordedAt = bobCommittedAt + 41n * DAY;
    const work = await f.registry.workOf(first.workId);
    expect([work.registeredAt, work.recordedAt]).to.deep.equal([bobCommittedAt, recordedAt]);
    expect((await f.registry.titleOf(first.workId)).revealDays).to.equal(41n);

    await time.setNextBlockTimestamp(recordedAt + CLAIM_PERIOD - 1n);
    await expect(f.registry.connect(f.alice).reveal(first.r, first.salt))
      .to.emit(f.registry, "PriorityClaimed")
      .withArgs(
        first.workId,
        f.alice.address,
        f.alice.address,
        0x55,
        digestOf(first.r),
        f.alice.address,
        first.r.royaltyBps,
        first.committedAt,
        f.bob.address,
        bobCommittedAt,
        recordedAt,
        zeroAddress,
        recordedAt + CLAIM_PERIOD - 1n,
      );
  });

  it("never displaces a registration by the same creator (WorkAlreadyRegistered), even one sold since", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, workId } = await aliceCommits(f);
    await time.increase(2n * DAY);
    await f.registry.connect(f.alice).register({ ...r, to: f.bob.address as Address });
    await expect(f.registry.connect(f.alice).reveal(r, salt))
      .to.be.revertedWithCustomError(f.registry, "WorkAlreadyRegistered")
      .withArgs(workId, f.bob.address);
  });

  it("refuses a claim that names parents: PriorityClaimWithParents", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const parent = await registerWork(f.registry, f.alice);
    const { r, salt, workId } = await aliceCommits(f, { parents: [parent] });
    await bobRegisters(f, r, 2n * DAY, { parents: [] });
    await expect(f.registry.connect(f.alice).reveal(r, salt))
      .to.be.revertedWithCustomError(f.registry, "PriorityClaimWithParents")
      .withArgs(workId);
  });

  it("checks the claimant's registration as any registration is checked", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const zeroTo = await aliceCommits(f, { to: zeroAddress });
    const badCid = await aliceCommits(f, { metadataCid: "0x1220" });
    const tooHigh = await aliceCommits(f, { royaltyBps: 2_501 });
    for (const w of [zeroTo, badCid, tooHigh]) await bobRegisters(f, w.r, 2n * DAY, { royaltyBps: 500 });
    await expect(f.registry.connect(f.alice).reveal(zeroTo.r, zeroTo.salt))
      .to.be.revertedWithCustomError(f.registry, "ERC721InvalidReceiver")
      .withArgs(zeroAddress);
    await expect(f.registry.connect(f.alice).reveal(badCid.r, badCid.salt))
      .to.be.revertedWithCustomError(f.registry, "InvalidMetadataCid")
      .withArgs("0x1220");
    await expect(f.registry.connect(f.alice).reveal(tooHigh.r, tooHigh.salt))
      .to.be.revertedWithCustomError(f.registry, "RoyaltyTooHigh")
      .withArgs(2_501, 2_500);
  });

  it("clears a pledge of the displaced registration, naming the pledgee, and keeps the dispute flag", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { r, salt, workId } = await aliceCommits(f);
    await bobRegisters(f, r, 2n * DAY);
    await f.registry.connect(f.bob).pledge(workId, f.carol.address, (await now()) + 100n * DAY, "0x");
    await f.registry.connect(f.arbiter).flagDispute(workId, "0x");
    await expect(f.registry.connect(f.alice).reveal(r, salt))
      .to.emit(f.registry, "PriorityClaimed")
      .withArgs(
        workId,
        f.alice.address,
        f.alice.address,
        0x55,
        digestOf(r),
        f.alice.address,
        r.royaltyBps,
        (t: bigint) => t > 0n,
        f.bob.address,
        (t: bigint) => t > 0n,
        (t: bigint) => t > 0n,
        f.carol.address,
        (t: bigint) => t > 0n,
      );
    expect((await f.registry.pledgeOf(workId)).pledgee).to.equal(zeroAddress);
    const work = await f.registry.workOf(workId);
    expect([work.pledged, work.disputed]).to.deep.equal([false, true]);
    // The work moves freely again.
    await f.registry.connect(f.alice).transferFrom(f.alice.address, f.carol.address, workId);
  });

  it("drops the displaced registration's parents and has the derivative authority forget its royalties", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const authority = await ethers.deployContract("AllowListDerivativeAuthority");
    await f.registry.connect(f.admin).setDerivativeAuthority(await authority.getAddress());
    const parent = await registerWork(f.registry, f.carol);
    await authority.setGrant(f.bob.address, parent, 7n, 500);
    const { r, salt, workId } = await aliceCommits(f);
    await bobRegisters(f, r, 2n * DAY, { parents: [parent] });
    expect((await f.registry.titleOf(workId)).owesRoyalties).to.equal(true);
    await expect(f.registry.connect(f.alice).reveal(r, salt)).to.emit(authority, "Cleared").withArgs(workId);
    expect((await f.registry.workOf(workId)).parents).to.deep.equal([]);
    expect((await f.registry.titleOf(workId)).owesRoyalties).to.equal(false);

    // A displaced registration that owed nothing is not reported to the authority.
    const plain = await aliceCommits(f);
    await authority.setGrant(f.bob.address, parent, 8n, 0);
    await bobRegisters(f, plain.r, 2n * DAY, { parents: [parent] });
    expect((await f.registry.titleOf(plain.workId)).owesRoyalties).to.equal(false);
    await expect(f.registry.connect(f.alice).reveal(plain.r, plain.salt)).not.to.emit(authority, "Cleared");
  });

  it("lets an even earlier commitment claim again, and refuses a second reveal of the claiming one", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const carols = secretWork(f.carol);
    await f.registry.connect(f.carol).commit(carols.commitment);
    const carolAt = await now();
    await time.increase(2n * DAY);
    const alices = secretWork(f.alice, { contentHash: carols.r.contentHash });
    await f.registry.connect(f.alice).commit(alices.commitment);
    const aliceAt = await now();
    const workId = BigInt(carols.r.contentHash);
    await bobRegisters(f, alices.r, 2n * DAY);
    await f.registry.connect(f.alice).reveal(alices.r, alices.salt);
    await expect(f.registry.connect(f.alice).reveal(alices.r, alices.salt))
      .to.be.revertedWithCustomError(f.registry, "CommitmentAlreadyRevealed")
      .withArgs(alices.commitment, workId);
    await f.registry.connect(f.carol).reveal(carols.r, carols.salt);
    const work = await f.registry.workOf(workId);
    expect([work.owner, work.creator, work.registeredAt]).to.deep.equal([f.carol.address, f.carol.address, carolAt]);
    expect(aliceAt).to.be.greaterThan(carolAt);
  });
});
