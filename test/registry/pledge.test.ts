// IP pledges: pledge, release and foreclosure.
import { expect } from "chai";
import { type Hex, zeroAddress } from "viem";
import { deployRegistry, metadataCid, networkHelpers, nextBlockAt, now, registerWork, unique } from "./fixture.ts";

const DAY = 86_400n;

/** Alice's work, pledged to Bob (the lender) for thirty days under an agreement published at `agreement`. */
async function pledgedFixture() {
  const f = await networkHelpers.loadFixture(deployRegistry);
  const workId = await registerWork(f.registry, f.alice);
  const agreement: Hex = metadataCid();
  const pledgedAt = await nextBlockAt();
  const maturity = pledgedAt + 30n * DAY;
  await f.registry.connect(f.alice).pledge(workId, f.bob.address, maturity, agreement);
  return { ...f, workId, agreement, pledgedAt, maturity };
}

describe("ProvenanceRegistry: pledges", () => {
  describe("pledge", () => {
    it("records the pledge and emits WorkPledged with owner, pledgee, maturity, agreement CID and block time", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const agreement = metadataCid();
      const t = await nextBlockAt();
      const maturity = t + 30n * DAY;
      await expect(registry.connect(alice).pledge(workId, bob.address, maturity, agreement))
        .to.emit(registry, "WorkPledged")
        .withArgs(workId, alice.address, bob.address, maturity, agreement, t);
      const p = await registry.pledgeOf(workId);
      expect(p.pledgee).to.equal(bob.address);
      expect(p.maturity).to.equal(maturity);
      const work = await registry.workOf(workId);
      expect(work.pledged).to.equal(true);
      // Pledging does not move the title.
      expect(work.owner).to.equal(alice.address);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("reports no pledge for a work that was never pledged", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const p = await registry.pledgeOf(workId);
      expect(p.pledgee).to.equal(zeroAddress);
      expect(p.maturity).to.equal(0n);
      expect((await registry.workOf(workId)).pledged).to.equal(false);
    });

    it("accepts a maturity one second after the block time", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const t = await nextBlockAt();
      await expect(registry.connect(alice).pledge(workId, bob.address, t + 1n, "0x"))
        .to.emit(registry, "WorkPledged")
        .withArgs(workId, alice.address, bob.address, t + 1n, "0x", t);
      expect((await registry.pledgeOf(workId)).maturity).to.equal(t + 1n);
    });

    it("may only be made by the owner: NotWorkOwner(workId, caller) for a stranger", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const maturity = (await now()) + 30n * DAY;
      await expect(registry.connect(carol).pledge(workId, bob.address, maturity, "0x"))
        .to.be.revertedWithCustomError(registry, "NotWorkOwner")
        .withArgs(workId, carol.address);
      expect((await registry.workOf(workId)).pledged).to.equal(false);
    });

    it("may not be made by an account merely approved for the work: NotWorkOwner", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(alice).approve(carol.address, workId);
      await registry.connect(alice).setApprovalForAll(carol.address, true);
      const maturity = (await now()) + 30n * DAY;
      await expect(registry.connect(carol).pledge(workId, bob.address, maturity, "0x"))
        .to.be.revertedWithCustomError(registry, "NotWorkOwner")
        .withArgs(workId, carol.address);
    });

    it("reverts with ERC721NonexistentToken for a work that is not registered", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      const maturity = (await now()) + 30n * DAY;
      await expect(registry.connect(alice).pledge(workId, bob.address, maturity, "0x"))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });

    it("reverts with InvalidPledgee(0) for the zero address", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const maturity = (await now()) + 30n * DAY;
      await expect(registry.connect(alice).pledge(workId, zeroAddress, maturity, "0x"))
        .to.be.revertedWithCustomError(registry, "InvalidPledgee")
        .withArgs(zeroAddress);
    });

    it("reverts with InvalidPledgee(owner) when the owner pledges to themselves", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const maturity = (await now()) + 30n * DAY;
      await expect(registry.connect(alice).pledge(workId, alice.address, maturity, "0x"))
        .to.be.revertedWithCustomError(registry, "InvalidPledgee")
        .withArgs(alice.address);
    });

    it("reverts with InvalidMaturity(maturity, now) for a maturity in the past", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const t = await nextBlockAt();
      await expect(registry.connect(alice).pledge(workId, bob.address, t - 1n, "0x"))
        .to.be.revertedWithCustomError(registry, "InvalidMaturity")
        .withArgs(t - 1n, t);
    });

    it("reverts with InvalidMaturity(maturity, now) for a maturity equal to the block time", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const t = await nextBlockAt();
      await expect(registry.connect(alice).pledge(workId, bob.address, t, "0x"))
        .to.be.revertedWithCustomError(registry, "InvalidMaturity")
        .withArgs(t, t);
    });

    it("reverts with WorkIsPledged(workId, pledgee) when pledging a pledged work again, to anyone", async () => {
      const { registry, alice, bob, carol, workId, maturity } = await pledgedFixture();
      await expect(registry.connect(alice).pledge(workId, carol.address, maturity, "0x"))
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      await expect(registry.connect(alice).pledge(workId, bob.address, maturity + DAY, "0x"))
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      const p = await registry.pledgeOf(workId);
      expect(p.pledgee).to.equal(bob.address);
      expect(p.maturity).to.equal(maturity);
    });
  });

  describe("a pledged work cannot move", () => {
    it("transferFrom by the owner reverts with WorkIsPledged", async () => {
      const { registry, alice, bob, carol, workId } = await pledgedFixture();
      await expect(registry.connect(alice).transferFrom(alice.address, carol.address, workId))
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("safeTransferFrom, with and without data, reverts with WorkIsPledged", async () => {
      const { registry, alice, bob, carol, workId } = await pledgedFixture();
      await expect(
        registry.connect(alice)["safeTransferFrom(address,address,uint256)"](alice.address, carol.address, workId),
      )
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      await expect(
        registry
          .connect(alice)
          ["safeTransferFrom(address,address,uint256,bytes)"](alice.address, carol.address, workId, "0x01"),
      )
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("assign reverts with WorkIsPledged", async () => {
      const { registry, alice, bob, carol, workId } = await pledgedFixture();
      await expect(registry.connect(alice).assign(carol.address, workId, unique("deed"), metadataCid()))
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("an account approved for the work cannot move it either, by transfer or assignment", async () => {
      const { registry, alice, bob, carol, relayer, workId } = await pledgedFixture();
      await registry.connect(alice).approve(carol.address, workId);
      await expect(registry.connect(carol).transferFrom(alice.address, relayer.address, workId))
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      await expect(registry.connect(carol).assign(relayer.address, workId, unique("deed"), "0x"))
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("an operator approved for all cannot move it either", async () => {
      const { registry, alice, bob, carol, relayer, workId } = await pledgedFixture();
      await registry.connect(alice).setApprovalForAll(carol.address, true);
      await expect(
        registry.connect(carol)["safeTransferFrom(address,address,uint256)"](alice.address, relayer.address, workId),
      )
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("the pledgee, who holds no approval, cannot move it either", async () => {
      const { registry, alice, bob, workId } = await pledgedFixture();
      await expect(registry.connect(bob).transferFrom(alice.address, bob.address, workId))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(bob.address, workId);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("a pledge stays in force past maturity until the pledgee acts", async () => {
      const { registry, alice, bob, carol, workId, maturity } = await pledgedFixture();
      await networkHelpers.time.increaseTo(maturity + DAY);
      await expect(registry.connect(alice).transferFrom(alice.address, carol.address, workId))
        .to.be.revertedWithCustomError(registry, "WorkIsPledged")
        .withArgs(workId, bob.address);
      expect((await registry.workOf(workId)).pledged).to.equal(true);
    });
  });

  describe("releasePledge", () => {
    it("emits PledgeReleased(workId, owner, pledgee, timestamp) and clears pledgeOf and workOf().pledged", async () => {
      const { registry, alice, bob, workId } = await pledgedFixture();
      const t = await nextBlockAt();
      await expect(registry.connect(bob).releasePledge(workId))
        .to.emit(registry, "PledgeReleased")
        .withArgs(workId, alice.address, bob.address, t);
      const p = await registry.pledgeOf(workId);
      expect(p.pledgee).to.equal(zeroAddress);
      expect(p.maturity).to.equal(0n);
      const work = await registry.workOf(workId);
      expect(work.pledged).to.equal(false);
      expect(work.owner).to.equal(alice.address);
    });

    it("lets every transfer path work again afterwards", async () => {
      const { registry, alice, bob, carol, relayer, workId } = await pledgedFixture();
      await registry.connect(bob).releasePledge(workId);
      await registry.connect(alice).approve(carol.address, workId);
      const t = await nextBlockAt();
      await expect(registry.connect(carol).transferFrom(alice.address, carol.address, workId))
        .to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, carol.address, t);
      await registry.connect(carol)["safeTransferFrom(address,address,uint256)"](carol.address, bob.address, workId);
      const hash = unique("deed");
      const t2 = await nextBlockAt();
      await expect(registry.connect(bob).assign(relayer.address, workId, hash, "0x"))
        .to.emit(registry, "AssignmentRecorded")
        .withArgs(workId, bob.address, relayer.address, hash, "0x", t2);
      expect(await registry.ownerOf(workId)).to.equal(relayer.address);
    });

    it("is allowed before maturity and after it", async () => {
      const { registry, alice, bob, workId, maturity } = await pledgedFixture();
      await registry.connect(bob).releasePledge(workId);
      // Pledge again and release after maturity.
      const second = (await now()) + DAY;
      await registry.connect(alice).pledge(workId, bob.address, second, "0x");
      await networkHelpers.time.increaseTo(maturity + DAY);
      await expect(registry.connect(bob).releasePledge(workId)).to.emit(registry, "PledgeReleased");
      expect((await registry.workOf(workId)).pledged).to.equal(false);
    });

    it("lets the owner pledge the work again, to another lender", async () => {
      const { registry, alice, bob, carol, workId } = await pledgedFixture();
      await registry.connect(bob).releasePledge(workId);
      const t = await nextBlockAt();
      const maturity = t + DAY;
      await expect(registry.connect(alice).pledge(workId, carol.address, maturity, "0x"))
        .to.emit(registry, "WorkPledged")
        .withArgs(workId, alice.address, carol.address, maturity, "0x", t);
      expect((await registry.pledgeOf(workId)).pledgee).to.equal(carol.address);
    });

    it("may only be made by the pledgee: NotPledgee(workId, caller) for the owner and for a stranger", async () => {
      const { registry, alice, carol, workId } = await pledgedFixture();
      await expect(registry.connect(alice).releasePledge(workId))
        .to.be.revertedWithCustomError(registry, "NotPledgee")
        .withArgs(workId, alice.address);
      await expect(registry.connect(carol).releasePledge(workId))
        .to.be.revertedWithCustomError(registry, "NotPledgee")
        .withArgs(workId, carol.address);
      expect((await registry.workOf(workId)).pledged).to.equal(true);
    });

    it("reverts with WorkNotPledged for a work that is not pledged, including after release", async () => {
      const { registry, alice, bob, workId } = await pledgedFixture();
      const other = await registerWork(registry, alice);
      await expect(registry.connect(bob).releasePledge(other))
        .to.be.revertedWithCustomError(registry, "WorkNotPledged")
        .withArgs(other);
      await registry.connect(bob).releasePledge(workId);
      await expect(registry.connect(bob).releasePledge(workId))
        .to.be.revertedWithCustomError(registry, "WorkNotPledged")
        .withArgs(workId);
    });

    it("reverts with ERC721NonexistentToken for a work that is not registered", async () => {
      const { registry, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      await expect(registry.connect(bob).releasePledge(workId))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });
  });

  describe("foreclose", () => {
    it("reverts with PledgeNotMatured(workId, maturity) one second before maturity", async () => {
      const { registry, bob, workId, maturity } = await pledgedFixture();
      await networkHelpers.time.setNextBlockTimestamp(maturity - 1n);
      await expect(registry.connect(bob).foreclose(workId))
        .to.be.revertedWithCustomError(registry, "PledgeNotMatured")
        .withArgs(workId, maturity);
    });

    it("reverts with PledgeNotMatured right after the pledge", async () => {
      const { registry, alice, bob, workId, maturity } = await pledgedFixture();
      await expect(registry.connect(bob).foreclose(workId))
        .to.be.revertedWithCustomError(registry, "PledgeNotMatured")
        .withArgs(workId, maturity);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("at maturity moves the title to the pledgee with Transfer, TitleTransferred and PledgeForeclosed", async () => {
      const { registry, alice, bob, workId, maturity } = await pledgedFixture();
      await networkHelpers.time.setNextBlockTimestamp(maturity);
      await expect(registry.connect(bob).foreclose(workId))
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, bob.address, workId)
        .and.to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, bob.address, maturity)
        .and.to.emit(registry, "PledgeForeclosed")
        .withArgs(workId, alice.address, bob.address, maturity);
      expect(await registry.ownerOf(workId)).to.equal(bob.address);
    });

    it("after maturity gives the pledgee a free title: pledge cleared, balances moved, approvals gone", async () => {
      const { registry, alice, bob, carol, workId, maturity } = await pledgedFixture();
      await registry.connect(alice).approve(carol.address, workId);
      await networkHelpers.time.increaseTo(maturity + 7n * DAY);
      const t = await nextBlockAt();
      await expect(registry.connect(bob).foreclose(workId))
        .to.emit(registry, "PledgeForeclosed")
        .withArgs(workId, alice.address, bob.address, t)
        .and.to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, bob.address, t);
      const work = await registry.workOf(workId);
      expect(work.owner).to.equal(bob.address);
      expect(work.pledged).to.equal(false);
      const p = await registry.pledgeOf(workId);
      expect(p.pledgee).to.equal(zeroAddress);
      expect(p.maturity).to.equal(0n);
      expect(await registry.balanceOf(alice.address)).to.equal(0n);
      expect(await registry.balanceOf(bob.address)).to.equal(1n);
      expect(await registry.getApproved(workId)).to.equal(zeroAddress);
      await expect(registry.connect(carol).transferFrom(bob.address, carol.address, workId))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(carol.address, workId);
      // The new holder may dispose of the work at once.
      const t2 = await nextBlockAt();
      await expect(registry.connect(bob).transferFrom(bob.address, carol.address, workId))
        .to.emit(registry, "TitleTransferred")
        .withArgs(workId, bob.address, carol.address, t2);
      expect(await registry.ownerOf(workId)).to.equal(carol.address);
    });

    it("may only be made by the pledgee: NotPledgee(workId, caller) for the owner and a stranger", async () => {
      const { registry, alice, carol, workId, maturity } = await pledgedFixture();
      await networkHelpers.time.increaseTo(maturity + DAY);
      await expect(registry.connect(alice).foreclose(workId))
        .to.be.revertedWithCustomError(registry, "NotPledgee")
        .withArgs(workId, alice.address);
      await expect(registry.connect(carol).foreclose(workId))
        .to.be.revertedWithCustomError(registry, "NotPledgee")
        .withArgs(workId, carol.address);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("reverts with WorkNotPledged for a work that is not pledged, including after foreclosure", async () => {
      const { registry, bob, workId, maturity } = await pledgedFixture();
      await networkHelpers.time.increaseTo(maturity);
      await registry.connect(bob).foreclose(workId);
      await expect(registry.connect(bob).foreclose(workId))
        .to.be.revertedWithCustomError(registry, "WorkNotPledged")
        .withArgs(workId);
    });

    it("reverts with WorkNotPledged after the pledge was released", async () => {
      const { registry, bob, workId, maturity } = await pledgedFixture();
      await registry.connect(bob).releasePledge(workId);
      await networkHelpers.time.increaseTo(maturity + DAY);
      await expect(registry.connect(bob).foreclose(workId))
        .to.be.revertedWithCustomError(registry, "WorkNotPledged")
        .withArgs(workId);
    });

    it("reverts with ERC721NonexistentToken for a work that is not registered", async () => {
      const { registry, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      await expect(registry.connect(bob).foreclose(workId))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });
  });
});
