// core/priority against the registry: the same verdict on every reveal of a contested file, the same recording time.
import { expect } from "chai";
import fc from "fast-check";
import type { Address } from "viem";
import { commitmentOf } from "../../core/commitment.ts";
import { finalAt, PRIORITY_CLAIM_PERIOD, PRIORITY_MARGIN, priorityOf, recordedAtOf } from "../../core/priority.ts";
import { workIdOf } from "../../core/registration.ts";
import { deployRegistry, networkHelpers, newWork, now, unique } from "../registry/fixture.ts";

const DAY = 86_400n;

describe("core/priority against the registry", () => {
  it("has the registry's margin and claim period", async () => {
    const { registry } = await networkHelpers.loadFixture(deployRegistry);
    expect(await registry.PRIORITY_MARGIN()).to.equal(PRIORITY_MARGIN);
    expect(await registry.PRIORITY_CLAIM_PERIOD()).to.equal(PRIORITY_CLAIM_PERIOD);
  });

  it("predicts every reveal of a contested file, and the time the registry records", async () => {
    const seconds = fc.oneof(
      fc.constantFrom(0n, 1n, DAY - 1n, DAY, DAY + 1n, 29n * DAY, 30n * DAY - 1n, 30n * DAY),
      fc.bigInt({ min: 0n, max: 40n * DAY }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          /** Whether Bob registers by revealing a commitment made at `bobCommits` (else directly at `bobRegisters`). */
          bobReveals: fc.boolean(),
          bobCommits: seconds,
          bobRegisters: seconds,
          aliceReveals: seconds,
          aliceIsBob: fc.boolean(),
        }),
        async (draw) => {
          const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
          const claimant = draw.aliceIsBob ? bob : alice;
          const contentHash = unique("contested");
          const workId = workIdOf(contentHash);
          const salt = unique("salt");
          const commitment = commitmentOf(claimant.address as Address, contentHash, salt);
          await registry.connect(claimant).commit(commitment);
          const committedAt = await now();

          const bobSalt = unique("bob-salt");
          const bobWork = newWork(bob.address, { contentHash });
          if (draw.bobReveals) {
            await networkHelpers.time.setNextBlockTimestamp(committedAt + 1n + draw.bobCommits);
            await registry.connect(bob).commit(commitmentOf(bob.address as Address, contentHash, bobSalt));
            const bobCommittedAt = await now();
            await networkHelpers.time.setNextBlockTimestamp(bobCommittedAt + 1n + draw.bobRegisters);
            await registry.connect(bob).reveal(bobWork, bobSalt);
          } else {
            await networkHelpers.time.setNextBlockTimestamp(committedAt + 1n + draw.bobRegisters);
            await registry.connect(bob).register(bobWork);
          }
          const blockTime = await now();
          const work = await registry.workOf(workId);
          expect(work.recordedAt).to.equal(recordedAtOf(work.registeredAt, blockTime));

          const at = blockTime + 1n + draw.aliceReveals;
          const registration = {
            creator: work.creator as Address,
            registeredAt: work.registeredAt,
            recordedAt: work.recordedAt,
          };
          const verdict = priorityOf(claimant.address as Address, committedAt, registration, at);
          await networkHelpers.time.setNextBlockTimestamp(at);
          const reveal = registry.connect(claimant).reveal(newWork(claimant.address, { contentHash }), salt);
          if (verdict.ok) {
            await expect(reveal).to.emit(registry, "PriorityClaimed");
          } else if (verdict.reason === "NoPriority") {
            await expect(reveal)
              .to.be.revertedWithCustomError(registry, "NoPriority")
              .withArgs(workId, committedAt, work.registeredAt);
          } else if (verdict.reason === "PriorityClaimClosed") {
            await expect(reveal)
              .to.be.revertedWithCustomError(registry, "PriorityClaimClosed")
              .withArgs(workId, finalAt(registration));
          } else {
            await expect(reveal)
              .to.be.revertedWithCustomError(registry, "WorkAlreadyRegistered")
              .withArgs(workId, bob.address);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("explains a refusal in a sentence naming the values", () => {
    const registration = {
      creator: "0x00000000000000000000000000000000000000b0" as Address,
      registeredAt: 10n * DAY,
      recordedAt: 10n * DAY,
    };
    const claimant = "0x00000000000000000000000000000000000000a0" as Address;
    expect(priorityOf(claimant, 9n * DAY + 1n, registration, 11n * DAY)).to.deep.equal({
      ok: false,
      reason: "NoPriority",
      message: `the commitment of ${9n * DAY + 1n} is not 86400 s older than the registration of ${10n * DAY}`,
    });
    expect(priorityOf(claimant, 9n * DAY, registration, 40n * DAY)).to.deep.equal({
      ok: false,
      reason: "PriorityClaimClosed",
      message: `the registration became final at ${40n * DAY}, before ${40n * DAY}`,
    });
    expect(priorityOf(claimant, 9n * DAY, registration, 40n * DAY - 1n)).to.deep.equal({ ok: true });
    expect(recordedAtOf(0n, 65_536n * DAY)).to.equal(65_535n * DAY);
  });
});
