// Assignments of copyright: transfers, deeds, the title word and the chain of title from events.
import { expect } from "chai";
import { type Hex, zeroAddress, zeroHash } from "viem";
import { workIdOf } from "../../core/registration.ts";
import type { ProvenanceRegistry } from "../../types/ethers-contracts/index.ts";
import {
  deployRegistry,
  ethers,
  metadataCid,
  networkHelpers,
  newWork,
  nextBlockAt,
  registerWork,
  unique,
} from "./fixture.ts";

/** A deed: the hash of the signed assignment document and the CID where it is published. */
function deed(): { hash: Hex; cid: Hex } {
  return { hash: unique("deed"), cid: metadataCid() };
}

describe("ProvenanceRegistry: assignment", () => {
  describe("ERC-721 transfers are assignments of copyright", () => {
    it("transferFrom moves the title and emits Transfer and TitleTransferred with the block time", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const t = await nextBlockAt();
      await expect(registry.connect(alice).transferFrom(alice.address, bob.address, workId))
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, bob.address, workId)
        .and.to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, bob.address, t);
      expect(await registry.ownerOf(workId)).to.equal(bob.address);
      expect((await registry.workOf(workId)).owner).to.equal(bob.address);
    });

    it("safeTransferFrom moves the title to an account and emits Transfer and TitleTransferred", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const t = await nextBlockAt();
      await expect(
        registry.connect(alice)["safeTransferFrom(address,address,uint256)"](alice.address, bob.address, workId),
      )
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, bob.address, workId)
        .and.to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, bob.address, t);
      expect(await registry.ownerOf(workId)).to.equal(bob.address);
    });

    it("safeTransferFrom with data moves the title to a contract wallet that accepts ERC-721 tokens", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const wallet = await ethers.deployContract("ContractWallet", [bob.address]);
      const walletAddress = await wallet.getAddress();
      const workId = await registerWork(registry, alice);
      const t = await nextBlockAt();
      await expect(
        registry
          .connect(alice)
          ["safeTransferFrom(address,address,uint256,bytes)"](alice.address, walletAddress, workId, "0xbeef"),
      )
        .to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, walletAddress, t);
      expect(await registry.ownerOf(workId)).to.equal(walletAddress);
      expect(await registry.balanceOf(walletAddress)).to.equal(1n);
    });

    it("safeTransferFrom refuses a contract without onERC721Received, naming it in ERC721InvalidReceiver", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      // A contract with neither onERC721Received nor a fallback: the acceptance call reverts empty.
      const sink = await ethers.deployContract("AllowListDerivativeAuthority");
      const sinkAddress = await sink.getAddress();
      const workId = await registerWork(registry, alice);
      await expect(
        registry.connect(alice)["safeTransferFrom(address,address,uint256)"](alice.address, sinkAddress, workId),
      )
        .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
        .withArgs(sinkAddress);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("safeTransferFrom refuses to strand a work in NonReceiver, whose silent fallback answers no magic value", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const sink = await ethers.deployContract("NonReceiver");
      const sinkAddress = await sink.getAddress();
      const workId = await registerWork(registry, alice);
      // The fallback returns no data, so decoding the bytes4 answer fails inside the registry: OpenZeppelin's
      // try/catch cannot catch that, and the transfer reverts without ERC721InvalidReceiver (see the report).
      await expect(
        registry.connect(alice)["safeTransferFrom(address,address,uint256)"](alice.address, sinkAddress, workId),
      ).to.be.revertedWithoutReason(ethers);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
      expect(await registry.balanceOf(sinkAddress)).to.equal(0n);
    });

    it("moves balances from the old holder to the new one", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const first = await registerWork(registry, alice);
      await registerWork(registry, alice);
      expect(await registry.balanceOf(alice.address)).to.equal(2n);
      expect(await registry.balanceOf(bob.address)).to.equal(0n);
      await registry.connect(alice).transferFrom(alice.address, bob.address, first);
      expect(await registry.balanceOf(alice.address)).to.equal(1n);
      expect(await registry.balanceOf(bob.address)).to.equal(1n);
      await registry.connect(bob)["safeTransferFrom(address,address,uint256)"](bob.address, alice.address, first);
      expect(await registry.balanceOf(alice.address)).to.equal(2n);
      expect(await registry.balanceOf(bob.address)).to.equal(0n);
    });

    it("a transfer by the approved account clears the approval, so it cannot be used twice", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(alice).approve(carol.address, workId);
      expect(await registry.getApproved(workId)).to.equal(carol.address);
      const t = await nextBlockAt();
      await expect(registry.connect(carol).transferFrom(alice.address, bob.address, workId))
        .to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, bob.address, t);
      expect(await registry.ownerOf(workId)).to.equal(bob.address);
      expect(await registry.getApproved(workId)).to.equal(zeroAddress);
      await expect(registry.connect(carol).transferFrom(bob.address, carol.address, workId))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(carol.address, workId);
    });

    it("a transfer by the owner also clears an approval the owner had granted", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(alice).approve(carol.address, workId);
      await registry.connect(alice)["safeTransferFrom(address,address,uint256)"](alice.address, bob.address, workId);
      expect(await registry.getApproved(workId)).to.equal(zeroAddress);
    });

    it("an operator approved for all of the holder's works may transfer one", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(alice).setApprovalForAll(carol.address, true);
      const t = await nextBlockAt();
      await expect(registry.connect(carol).transferFrom(alice.address, bob.address, workId))
        .to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, bob.address, t);
      expect(await registry.ownerOf(workId)).to.equal(bob.address);
    });

    it("transferFrom by a stranger reverts with ERC721InsufficientApproval", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await expect(registry.connect(bob).transferFrom(alice.address, bob.address, workId))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(bob.address, workId);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("transferFrom naming the wrong holder reverts with ERC721IncorrectOwner", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await expect(registry.connect(alice).transferFrom(bob.address, carol.address, workId))
        .to.be.revertedWithCustomError(registry, "ERC721IncorrectOwner")
        .withArgs(bob.address, workId, alice.address);
    });

    it("transferFrom to the zero address reverts with ERC721InvalidReceiver(0)", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await expect(registry.connect(alice).transferFrom(alice.address, zeroAddress, workId))
        .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
        .withArgs(zeroAddress);
    });
  });

  describe("assign", () => {
    it("records the deed: Transfer, TitleTransferred and AssignmentRecorded with hash, CID and block time", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const d = deed();
      const t = await nextBlockAt();
      await expect(registry.connect(alice).assign(bob.address, workId, d.hash, d.cid))
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, bob.address, workId)
        .and.to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, bob.address, t)
        .and.to.emit(registry, "AssignmentRecorded")
        .withArgs(workId, alice.address, bob.address, d.hash, d.cid, t);
      expect(await registry.ownerOf(workId)).to.equal(bob.address);
      expect(await registry.balanceOf(alice.address)).to.equal(0n);
      expect(await registry.balanceOf(bob.address)).to.equal(1n);
    });

    it("records an empty deed CID as given when only the deed hash is known", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const hash = unique("deed");
      const t = await nextBlockAt();
      await expect(registry.connect(alice).assign(bob.address, workId, hash, "0x"))
        .to.emit(registry, "AssignmentRecorded")
        .withArgs(workId, alice.address, bob.address, hash, "0x", t);
    });

    it("clears the approval of the assigned work", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(alice).approve(carol.address, workId);
      const d = deed();
      await registry.connect(alice).assign(bob.address, workId, d.hash, d.cid);
      expect(await registry.getApproved(workId)).to.equal(zeroAddress);
    });

    it("may be made by the account approved for the work, naming the holder as assignor", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(alice).approve(carol.address, workId);
      const d = deed();
      const t = await nextBlockAt();
      await expect(registry.connect(carol).assign(bob.address, workId, d.hash, d.cid))
        .to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, bob.address, t)
        .and.to.emit(registry, "AssignmentRecorded")
        .withArgs(workId, alice.address, bob.address, d.hash, d.cid, t);
      expect(await registry.ownerOf(workId)).to.equal(bob.address);
      expect(await registry.getApproved(workId)).to.equal(zeroAddress);
    });

    it("may be made by an operator approved for all of the holder's works", async () => {
      const { registry, alice, bob, carol } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await registry.connect(alice).setApprovalForAll(carol.address, true);
      const d = deed();
      const t = await nextBlockAt();
      await expect(registry.connect(carol).assign(bob.address, workId, d.hash, d.cid))
        .to.emit(registry, "AssignmentRecorded")
        .withArgs(workId, alice.address, bob.address, d.hash, d.cid, t);
      expect(await registry.ownerOf(workId)).to.equal(bob.address);
    });

    it("reverts with InvalidDeed(0x0) for a zero deed hash", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      await expect(registry.connect(alice).assign(bob.address, workId, zeroHash, metadataCid()))
        .to.be.revertedWithCustomError(registry, "InvalidDeed")
        .withArgs(zeroHash);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("reverts with ERC721InvalidReceiver(0) for the zero address", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const d = deed();
      await expect(registry.connect(alice).assign(zeroAddress, workId, d.hash, d.cid))
        .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
        .withArgs(zeroAddress);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("refuses to strand a work in NonReceiver, whose silent fallback answers no magic value", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const sink = await ethers.deployContract("NonReceiver");
      const sinkAddress = await sink.getAddress();
      const workId = await registerWork(registry, alice);
      const d = deed();
      // As for safeTransferFrom: the empty answer of the fallback makes the registry revert without a reason.
      await expect(registry.connect(alice).assign(sinkAddress, workId, d.hash, d.cid)).to.be.revertedWithoutReason(
        ethers,
      );
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
      expect(await registry.balanceOf(sinkAddress)).to.equal(0n);
    });

    it("reverts with ERC721InvalidReceiver(contract) for a contract without onERC721Received", async () => {
      const { registry, alice } = await networkHelpers.loadFixture(deployRegistry);
      const sink = await ethers.deployContract("AllowListDerivativeAuthority");
      const sinkAddress = await sink.getAddress();
      const workId = await registerWork(registry, alice);
      const d = deed();
      await expect(registry.connect(alice).assign(sinkAddress, workId, d.hash, d.cid))
        .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
        .withArgs(sinkAddress);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("reverts with ERC721InsufficientApproval(caller, workId) for a stranger", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const d = deed();
      await expect(registry.connect(bob).assign(bob.address, workId, d.hash, d.cid))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(bob.address, workId);
      expect(await registry.ownerOf(workId)).to.equal(alice.address);
    });

    it("reverts with ERC721InsufficientApproval for the creator once the title has left them", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      const d = deed();
      await registry.connect(alice).assign(bob.address, workId, d.hash, d.cid);
      await expect(registry.connect(alice).assign(alice.address, workId, unique("deed"), d.cid))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(alice.address, workId);
    });

    it("reverts with ERC721NonexistentToken(workId) for an unknown work", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const workId = BigInt(unique("never registered"));
      const d = deed();
      await expect(registry.connect(alice).assign(bob.address, workId, d.hash, d.cid))
        .to.be.revertedWithCustomError(registry, "ERC721NonexistentToken")
        .withArgs(workId);
    });

    it("assigns to a contract wallet that accepts ERC-721 tokens", async () => {
      const { registry, alice, bob } = await networkHelpers.loadFixture(deployRegistry);
      const wallet = await ethers.deployContract("ContractWallet", [bob.address]);
      const walletAddress = await wallet.getAddress();
      const workId = await registerWork(registry, alice);
      const d = deed();
      const t = await nextBlockAt();
      await expect(registry.connect(alice).assign(walletAddress, workId, d.hash, d.cid))
        .to.emit(registry, "TitleTransferred")
        .withArgs(workId, alice.address, walletAddress, t)
        .and.to.emit(registry, "AssignmentRecorded")
        .withArgs(workId, alice.address, walletAddress, d.hash, d.cid, t);
      expect(await registry.ownerOf(workId)).to.equal(walletAddress);
      expect(await registry.balanceOf(walletAddress)).to.equal(1n);
    });
  });

  describe("titleOf", () => {
    /** titleOf, after checking that titleWordOf packs the same fields as the layout in TitleWord.sol says. */
    async function titleOf(registry: ProvenanceRegistry, workId: bigint) {
      const title = await registry.titleOf(workId);
      const word = await registry.titleWordOf(workId);
      const [owner, pledged, disputed, owesRoyalties, moves, pledges, encumbrances, revealDays] = title;
      const flags = (pledged ? 1n : 0n) | (disputed ? 2n : 0n) | (owesRoyalties ? 4n : 0n);
      expect(word).to.equal(
        BigInt(owner) |
          (flags << 160n) |
          (moves << 168n) |
          (pledges << 192n) |
          (encumbrances << 216n) |
          (revealDays << 240n),
      );
      return [...title];
    }

    it("reports zeros for an unregistered work", async () => {
      const { registry } = await networkHelpers.loadFixture(deployRegistry);
      expect(await titleOf(registry, BigInt(unique("nothing")))).to.deep.equal([
        zeroAddress,
        false,
        false,
        false,
        0n,
        0n,
        0n,
        0n,
      ]);
    });

    it("counts changes of holder, pledges and metadata changes, and shows the flags", async () => {
      const { registry, alice, bob, arbiter } = await networkHelpers.loadFixture(deployRegistry);
      const workId = await registerWork(registry, alice);
      expect(await titleOf(registry, workId)).to.deep.equal([alice.address, false, false, false, 0n, 0n, 0n, 0n]);
      await registry.connect(alice).transferFrom(alice.address, bob.address, workId);
      const d = deed();
      await registry.connect(bob).assign(alice.address, workId, d.hash, d.cid);
      expect(await titleOf(registry, workId)).to.deep.equal([alice.address, false, false, false, 2n, 0n, 0n, 0n]);
      const maturity = (await nextBlockAt()) + 1000n;
      await registry.connect(alice).pledge(workId, bob.address, maturity, "0x");
      expect(await titleOf(registry, workId)).to.deep.equal([alice.address, true, false, false, 2n, 1n, 0n, 0n]);
      await registry.connect(bob).releasePledge(workId);
      await registry.connect(arbiter).flagDispute(workId, "0x");
      expect(await titleOf(registry, workId)).to.deep.equal([alice.address, false, true, false, 2n, 1n, 0n, 0n]);
      await registry.connect(alice).updateMetadata(workId, metadataCid());
      expect(await titleOf(registry, workId)).to.deep.equal([alice.address, false, true, false, 2n, 1n, 1n, 0n]);
      await registry.connect(alice).pledge(workId, bob.address, maturity, "0x");
      await networkHelpers.time.increaseTo(maturity);
      await registry.connect(bob).foreclose(workId);
      expect(await titleOf(registry, workId)).to.deep.equal([bob.address, false, true, false, 3n, 2n, 1n, 0n]);
    });
  });

  describe("chain of title", () => {
    it("is reconstructible from events alone through four hands, matching ownerOf at every step", async () => {
      const { registry, alice, bob, carol, relayer: dave } = await networkHelpers.loadFixture(deployRegistry);
      const r = newWork(alice.address);
      const workId = workIdOf(r.contentHash);
      // Another work changing hands at the same time must not leak into this work's chain.
      const other = await registerWork(registry, bob);

      const owners: string[] = [];
      const times: bigint[] = [];
      const step = async (send: () => Promise<unknown>): Promise<void> => {
        const t = await nextBlockAt();
        await send();
        owners.push(await registry.ownerOf(workId));
        times.push(t);
      };

      await step(() => registry.connect(alice).register(r));
      await step(() => registry.connect(alice).transferFrom(alice.address, bob.address, workId));
      await registry.connect(bob).transferFrom(bob.address, carol.address, other);
      const d = deed();
      await step(() => registry.connect(bob).assign(carol.address, workId, d.hash, d.cid));
      await step(() =>
        registry.connect(carol)["safeTransferFrom(address,address,uint256)"](carol.address, dave.address, workId),
      );
      expect(owners).to.deep.equal([alice.address, bob.address, carol.address, dave.address]);

      // Reconstruction from logs only.
      const registrations = await registry.queryFilter(registry.filters.WorkRegistered(workId));
      expect(registrations).to.have.length(1);
      const registration = registrations[0];
      if (registration === undefined) throw new Error("no WorkRegistered event");
      expect(registration.args.creator).to.equal(alice.address);
      // The first holder is in the mint's Transfer event, in the same transaction as WorkRegistered.
      const mints = await registry.queryFilter(registry.filters.Transfer(zeroAddress, undefined, workId));
      expect(mints).to.have.length(1);
      const mint = mints[0];
      if (mint === undefined) throw new Error("no mint event");
      expect(mint.transactionHash).to.equal(registration.transactionHash);

      const transfers = await registry.queryFilter(registry.filters.TitleTransferred(workId));
      expect(transfers).to.have.length(3);
      const chain: string[] = [mint.args.to];
      const eventTimes: bigint[] = [registration.args.registeredAt];
      for (const log of transfers) {
        // Each link starts where the previous one ended.
        expect(log.args.from).to.equal(chain[chain.length - 1]);
        expect(log.args.workId).to.equal(workId);
        chain.push(log.args.to);
        eventTimes.push(log.args.timestamp);
        const block = await log.getBlock();
        expect(BigInt(block.timestamp)).to.equal(log.args.timestamp);
      }
      expect(chain).to.deep.equal(owners);
      expect(eventTimes).to.deep.equal(times);
      const last = chain[chain.length - 1];
      expect(last).to.equal(await registry.ownerOf(workId));
    });
  });
});
