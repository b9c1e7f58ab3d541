// Direct registration and derivatives' parents.
import { expect } from "chai";
import { zeroAddress } from "viem";
import { workIdOf } from "../../core/registration.ts";
import { deployRegistry, digestOf, ethers, metadataCid, networkHelpers, newWork, unique } from "./fixture.ts";

describe("ProvenanceRegistry: register", () => {
  it("mints the provenance token to the holder under the work id of the file", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(bob.address);
    const workId = workIdOf(r.contentHash);
    await networkHelpers.time.setNextBlockTimestamp(2_000_000_000);
    await expect(registry.connect(alice).register(r))
      .to.emit(registry, "Transfer")
      .withArgs(zeroAddress, bob.address, workId)
      .and.to.emit(registry, "WorkRegistered")
      .withArgs(workId, alice.address, 0x55, digestOf(r), alice.address, 500, 2_000_000_000);
    expect(await registry.ownerOf(workId)).to.equal(bob.address);
    expect(await registry.balanceOf(bob.address)).to.equal(1n);
    const work = await registry.workOf(workId);
    expect(work.creator).to.equal(alice.address);
    expect(work.owner).to.equal(bob.address);
    expect(work.registeredAt).to.equal(2_000_000_000n);
    expect(work.metadataCid).to.equal(r.metadataCid);
    expect(work.parents).to.deep.equal([]);
  });

  it("returns the work id from a static call", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(alice.address);
    expect(await registry.connect(alice).register.staticCall(r)).to.equal(workIdOf(r.contentHash));
  });

  it("rejects a zero content hash", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    const zero = `0x${"00".repeat(32)}` as const;
    await expect(registry.connect(alice).register(newWork(alice.address, { contentHash: zero })))
      .to.be.revertedWithCustomError(registry, "InvalidContentHash")
      .withArgs(zero);
  });

  it("rejects empty metadata", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    await expect(registry.connect(alice).register(newWork(alice.address, { metadataCid: "0x" })))
      .to.be.revertedWithCustomError(registry, "InvalidMetadataCid")
      .withArgs("0x");
  });

  it("rejects a second registration of the same file, naming the existing work and its owner", async () => {
    const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(alice.address);
    await registry.connect(alice).register(r);
    await expect(registry.connect(bob).register({ ...r, to: bob.address, metadataCid: metadataCid() }))
      .to.be.revertedWithCustomError(registry, "WorkAlreadyRegistered")
      .withArgs(workIdOf(r.contentHash), alice.address);
  });

  it("rejects the zero address as holder", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    await expect(registry.connect(alice).register(newWork(zeroAddress)))
      .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
      .withArgs(zeroAddress);
  });

  it("caps the royalty rate", async () => {
    const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
    await expect(registry.connect(alice).register(newWork(alice.address, { royaltyBps: 2_501 })))
      .to.be.revertedWithCustomError(registry, "RoyaltyTooHigh")
      .withArgs(2_501, 2_500);
    const r = newWork(alice.address, { royaltyBps: 2_500 });
    await registry.connect(alice).register(r);
    expect(await registry.royaltyInfo(r.contentHash, 10_000n)).to.deep.equal([alice.address, 2_500n]);
  });

  it("records an explicit royalty receiver and reports it in the event", async () => {
    const { registry, alice, carol } = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(alice.address, { royaltyReceiver: carol.address as `0x${string}`, royaltyBps: 1_000 });
    await expect(registry.connect(alice).register(r))
      .to.emit(registry, "WorkRegistered")
      .withArgs(workIdOf(r.contentHash), alice.address, 0x55, digestOf(r), carol.address, 1_000, (t: bigint) => t > 0n);
    expect(await registry.royaltyInfo(r.contentHash, 10_000n)).to.deep.equal([carol.address, 1_000n]);
  });

  describe("derivative works", () => {
    async function withParents() {
      const f = await deployRegistry();
      const parentA = newWork(f.alice.address);
      const parentB = newWork(f.alice.address);
      const foreign = newWork(f.bob.address);
      await f.registry.connect(f.alice).register(parentA);
      await f.registry.connect(f.alice).register(parentB);
      await f.registry.connect(f.bob).register(foreign);
      const authority = await ethers.deployContract("AllowListDerivativeAuthority");
      return {
        ...f,
        authority,
        parentA: workIdOf(parentA.contentHash),
        parentB: workIdOf(parentB.contentHash),
        foreign: workIdOf(foreign.contentHash),
      };
    }

    it("records the parents the registrant owns", async () => {
      const { registry, alice, parentA, parentB } = await networkHelpers.loadFixture(withParents);
      const r = newWork(alice.address, { parents: [parentA, parentB] });
      await expect(registry.connect(alice).register(r))
        .to.emit(registry, "WorkDerived")
        .withArgs(workIdOf(r.contentHash), [parentA, parentB], (t: bigint) => t > 0n);
      expect((await registry.workOf(r.contentHash)).parents).to.deep.equal([parentA, parentB]);
    });

    it("rejects an unknown parent", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(withParents);
      const ghost = workIdOf(unique("ghost"));
      await expect(registry.connect(alice).register(newWork(alice.address, { parents: [ghost] })))
        .to.be.revertedWithCustomError(registry, "UnknownParent")
        .withArgs(ghost);
    });

    it("rejects a work that names itself as parent", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(withParents);
      const r = newWork(alice.address);
      await expect(registry.connect(alice).register({ ...r, parents: [workIdOf(r.contentHash)] }))
        .to.be.revertedWithCustomError(registry, "SelfParent")
        .withArgs(workIdOf(r.contentHash));
    });

    it("rejects a parent named twice", async () => {
      const { registry, alice, parentA, parentB } = await networkHelpers.loadFixture(withParents);
      await expect(registry.connect(alice).register(newWork(alice.address, { parents: [parentA, parentB, parentA] })))
        .to.be.revertedWithCustomError(registry, "DuplicateParent")
        .withArgs(parentA);
    });

    it("rejects more than MAX_PARENTS parents", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(withParents);
      const max = await registry.MAX_PARENTS();
      const parents = Array.from({ length: Number(max) + 1 }, () => workIdOf(unique("p")));
      await expect(registry.connect(alice).register(newWork(alice.address, { parents })))
        .to.be.revertedWithCustomError(registry, "TooManyParents")
        .withArgs(max + 1n, max);
    });

    it("accepts MAX_PARENTS owned parents", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(withParents);
      const max = Number(await registry.MAX_PARENTS());
      const parents: bigint[] = [];
      for (let i = 0; i < max; i++) {
        const p = newWork(alice.address);
        await registry.connect(alice).register(p);
        parents.push(workIdOf(p.contentHash));
      }
      const r = newWork(alice.address, { parents });
      await registry.connect(alice).register(r);
      expect((await registry.workOf(r.contentHash)).parents).to.deep.equal(parents);
    });

    it("rejects a parent the registrant does not own when no authority is set", async () => {
      const { registry, alice, foreign } = await networkHelpers.loadFixture(withParents);
      await expect(registry.connect(alice).register(newWork(alice.address, { parents: [foreign] })))
        .to.be.revertedWithCustomError(registry, "ParentNotAuthorised")
        .withArgs(foreign, alice.address);
    });

    it("accepts a parent the derivative authority grants, recording the grant", async () => {
      const { registry, admin, alice, authority, parentA, foreign } = await networkHelpers.loadFixture(withParents);
      await registry.connect(admin).setDerivativeAuthority(await authority.getAddress());
      await expect(registry.connect(alice).register(newWork(alice.address, { parents: [foreign] })))
        .to.be.revertedWithCustomError(registry, "ParentNotAuthorised")
        .withArgs(foreign, alice.address);
      await authority.setGrant(alice.address, foreign, 42n, 0);
      const r = newWork(alice.address, { parents: [parentA, foreign] });
      await expect(registry.connect(alice).register(r))
        .to.emit(registry, "DerivativeAuthorised")
        .withArgs(workIdOf(r.contentHash), foreign, await authority.getAddress(), 42n, (t: bigint) => t > 0n);
      expect((await registry.workOf(r.contentHash)).parents).to.deep.equal([parentA, foreign]);
    });
  });
});
