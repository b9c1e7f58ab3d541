// Property tests of the registry: unique content, pledges, reveal times, nonces, priority.
import { expect } from "chai";
import fc from "fast-check";
import type { Address, Hex } from "viem";
import { commitmentOf } from "../../core/commitment.ts";
import { workIdOf } from "../../core/registration.ts";
import {
  deployRegistry,
  ethers,
  metadataCid,
  networkHelpers,
  newWork,
  now,
  signRegistration,
  unique,
} from "./fixture.ts";

/** Property runs per invariant: each run replays a random sequence of transactions on a fresh snapshot. */
const numRuns = 50;

describe("ProvenanceRegistry: invariants", () => {
  it("never lets two works share a content hash", async () => {
    const hashes = Array.from({ length: 5 }, () => unique("pool"));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ hash: fc.nat(hashes.length - 1), actor: fc.nat(2) }), { minLength: 1, maxLength: 12 }),
        async (attempts) => {
          const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
          const actors = [alice, bob, carol];
          const owners = new Map<Hex, string>();
          for (const { hash, actor } of attempts) {
            const contentHash = hashes[hash] as Hex;
            const signer = actors[actor] ?? alice;
            const attempt = registry.connect(signer).register(newWork(signer.address, { contentHash }));
            const first = owners.get(contentHash);
            if (first === undefined) {
              await attempt;
              owners.set(contentHash, signer.address);
            } else {
              await expect(attempt)
                .to.be.revertedWithCustomError(registry, "WorkAlreadyRegistered")
                .withArgs(workIdOf(contentHash), first);
            }
          }
          for (const [contentHash, owner] of owners) expect(await registry.ownerOf(contentHash)).to.equal(owner);
          const registered = await registry.queryFilter(registry.filters.WorkRegistered());
          expect(registered.length).to.equal(owners.size);
        },
      ),
      { numRuns },
    );
  });

  it("moves a pledged work only by foreclosure", async () => {
    type Op = "transfer" | "operatorTransfer" | "pledge" | "release" | "foreclose" | "wait";
    const ops: Op[] = ["transfer", "operatorTransfer", "pledge", "release", "foreclose", "wait"];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...ops), { minLength: 1, maxLength: 15 }), async (sequence) => {
        const { registry, alice, bob, carol, relayer } = await networkHelpers.loadFixture(deployRegistry);
        const holders = [alice, bob];
        const lender = carol;
        const r = newWork(alice.address);
        await registry.connect(alice).register(r);
        const workId = workIdOf(r.contentHash);
        let owner = alice;
        let pledged = false;
        let maturity = 0n;
        for (const op of sequence) {
          const before = await registry.ownerOf(workId);
          const other = holders.find((h) => h.address !== owner.address) ?? bob;
          if (op === "transfer" || op === "operatorTransfer") {
            const sender = op === "transfer" ? owner : relayer;
            if (op === "operatorTransfer") await registry.connect(owner).setApprovalForAll(relayer.address, true);
            const attempt = registry.connect(sender).transferFrom(owner.address, other.address, workId);
            if (pledged) {
              await expect(attempt)
                .to.be.revertedWithCustomError(registry, "WorkIsPledged")
                .withArgs(workId, lender.address);
            } else {
              await attempt;
              owner = other;
            }
          } else if (op === "pledge" && !pledged && owner.address !== lender.address) {
            maturity = (await now()) + 1_000n;
            await registry.connect(owner).pledge(workId, lender.address, maturity, "0x");
            pledged = true;
          } else if (op === "release" && pledged) {
            await registry.connect(lender).releasePledge(workId);
            pledged = false;
          } else if (op === "foreclose" && pledged) {
            const attempt = registry.connect(lender).foreclose(workId);
            if ((await now()) + 1n < maturity) {
              await expect(attempt)
                .to.be.revertedWithCustomError(registry, "PledgeNotMatured")
                .withArgs(workId, maturity);
            } else {
              await attempt;
              owner = lender;
              pledged = false;
            }
          } else if (op === "wait") {
            await networkHelpers.time.increase(600);
          }
          const after = await registry.ownerOf(workId);
          if (pledged) expect(after).to.equal(before);
          expect(after).to.equal(owner.address);
          expect((await registry.workOf(workId)).pledged).to.equal(pledged);
        }
      }),
      { numRuns },
    );
  });

  it("registers a revealed work at its commitment's time, whatever the delay", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 10 ** 8 }), fc.boolean(), async (delay, batched) => {
        const { registry, alice, relayer } = await networkHelpers.loadFixture(deployRegistry);
        const r = newWork(alice.address);
        const salt = unique("salt");
        const commitment = commitmentOf(alice.address as Address, r.contentHash, salt);
        let committedAt: bigint;
        if (batched) {
          // A batch of one: the root is the leaf itself and the proof is empty.
          const leaf = ethers.keccak256(commitment) as Hex;
          await registry.connect(relayer).anchorBatch(leaf, 1, "0x");
          committedAt = await registry.batchTime(relayer.address, leaf);
          await networkHelpers.time.increase(delay + 1);
          await registry.connect(alice).revealFromBatch(r, salt, relayer.address, leaf, []);
        } else {
          await registry.connect(relayer).commit(commitment);
          committedAt = await registry.commitmentTime(commitment);
          await networkHelpers.time.increase(delay + 1);
          await registry.connect(alice).reveal(r, salt);
        }
        expect((await registry.workOf(r.contentHash)).registeredAt).to.equal(committedAt);
        expect(await now()).to.be.greaterThan(committedAt);
      }),
      { numRuns },
    );
  });

  it("gives a file's title to the earliest commitment claimed in time, whatever the order of commits, registrations and reveals", async () => {
    const DAY = 86_400n;
    type Step = { t: "commit" | "register" | "reveal"; actor: number; days: number };
    const step = fc.record({
      t: fc.constantFrom("commit", "register", "reveal") as fc.Arbitrary<Step["t"]>,
      actor: fc.nat(2),
      days: fc.constantFrom(0, 1, 2, 20, 31),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 14 }), async (steps) => {
        const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
        const actors = [alice, bob, carol];
        const contentHash = unique("contested");
        const workId = workIdOf(contentHash);
        const salts = actors.map(() => unique("salt"));
        const committed = new Map<number, bigint>();
        /** The registration in force: creator, priority time, recording time (to the day after a reveal). */
        let record: { creator: string; registeredAt: bigint; recordedAt: bigint } | undefined;
        for (const { t, actor, days } of steps) {
          await networkHelpers.time.increase(BigInt(days) * DAY + 1n);
          const signer = actors[actor] ?? alice;
          const r = newWork(signer.address, { contentHash });
          const at = (await now()) + 1n;
          await networkHelpers.time.setNextBlockTimestamp(at);
          if (t === "commit") {
            if (committed.has(actor)) continue;
            await registry
              .connect(signer)
              .commit(commitmentOf(signer.address as Address, contentHash, salts[actor] as Hex));
            committed.set(actor, at);
          } else if (t === "register") {
            const attempt = registry.connect(signer).register(r);
            if (record === undefined) {
              await attempt;
              record = { creator: signer.address, registeredAt: at, recordedAt: at };
            } else {
              await expect(attempt)
                .to.be.revertedWithCustomError(registry, "WorkAlreadyRegistered")
                .withArgs(workId, record.creator);
            }
          } else {
            const committedAt = committed.get(actor);
            const commitment = commitmentOf(signer.address as Address, contentHash, salts[actor] as Hex);
            const attempt = registry.connect(signer).reveal(r, salts[actor] as Hex);
            const recorded = committedAt === undefined ? 0n : committedAt + ((at - committedAt + DAY - 1n) / DAY) * DAY;
            if (committedAt === undefined) {
              await expect(attempt).to.be.revertedWithCustomError(registry, "UnknownCommitment").withArgs(commitment);
            } else if (record === undefined) {
              await attempt;
              record = { creator: signer.address, registeredAt: committedAt, recordedAt: recorded };
            } else if (record.creator === signer.address && record.registeredAt === committedAt) {
              await expect(attempt)
                .to.be.revertedWithCustomError(registry, "CommitmentAlreadyRevealed")
                .withArgs(commitment, workId);
            } else if (record.creator === signer.address) {
              await expect(attempt)
                .to.be.revertedWithCustomError(registry, "WorkAlreadyRegistered")
                .withArgs(workId, record.creator);
            } else if (committedAt + DAY > record.registeredAt) {
              await expect(attempt)
                .to.be.revertedWithCustomError(registry, "NoPriority")
                .withArgs(workId, committedAt, record.registeredAt);
            } else if (at >= record.recordedAt + 30n * DAY) {
              await expect(attempt)
                .to.be.revertedWithCustomError(registry, "PriorityClaimClosed")
                .withArgs(workId, record.recordedAt + 30n * DAY);
            } else {
              await expect(attempt).to.emit(registry, "PriorityClaimed");
              record = { creator: signer.address, registeredAt: committedAt, recordedAt: recorded };
            }
          }
          if (record === undefined) continue;
          const work = await registry.workOf(workId);
          expect([work.creator, work.owner, work.registeredAt, work.recordedAt]).to.deep.equal([
            record.creator,
            record.creator,
            record.registeredAt,
            record.recordedAt,
          ]);
          let balances = 0n;
          for (const a of actors) balances += await registry.balanceOf(a.address);
          expect(balances).to.equal(1n);
        }
      }),
      { numRuns },
    );
  });

  it("never accepts a nonce twice", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ op: fc.constantFrom("sign", "invalidate", "replay"), skew: fc.integer({ min: -1, max: 1 }) }),
          {
            minLength: 1,
            maxLength: 10,
          },
        ),
        async (steps) => {
          const f = await networkHelpers.loadFixture(deployRegistry);
          const { registry, alice, relayer } = f;
          const deadline = 2n ** 40n;
          const used = new Set<bigint>();
          let last: { r: ReturnType<typeof newWork>; nonce: bigint; signature: Hex } | undefined;
          for (const { op, skew } of steps) {
            const expected = await registry.nonces(alice.address);
            if (op === "invalidate") {
              await registry.connect(alice).invalidateNonce();
              used.add(expected);
            } else if (op === "replay" && last) {
              await expect(
                registry.connect(relayer).registerWithSig(last.r, alice.address, last.nonce, deadline, last.signature),
              ).to.be.revertedWithCustomError(registry, "InvalidNonce");
            } else {
              const nonce = expected + BigInt(skew);
              if (nonce < 0n) continue;
              const r = newWork(alice.address, { metadataCid: metadataCid() });
              const signature = await signRegistration(alice, f, r, alice.address, nonce, deadline);
              const attempt = registry.connect(relayer).registerWithSig(r, alice.address, nonce, deadline, signature);
              if (nonce === expected) {
                await attempt;
                expect(used.has(nonce)).to.equal(false);
                used.add(nonce);
                last = { r, nonce, signature };
              } else {
                await expect(attempt)
                  .to.be.revertedWithCustomError(registry, "InvalidNonce")
                  .withArgs(alice.address, nonce, expected);
              }
            }
            expect(await registry.nonces(alice.address)).to.equal(BigInt(used.size));
          }
        },
      ),
      { numRuns },
    );
  });
});
