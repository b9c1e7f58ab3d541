// Gasless registration by EIP-712 signature, EOA and ERC-1271.
import { expect } from "chai";
import type { Hex } from "viem";
import { hashTypedData } from "viem";
import { registerTypedData } from "../../core/eip712.ts";
import { workIdOf } from "../../core/registration.ts";
import { deployRegistry, digestOf, ethers, networkHelpers, newWork, now, signRegistration } from "./fixture.ts";

describe("ProvenanceRegistry: gasless registration", () => {
  const farDeadline = 2n ** 40n;

  it("registers for the creator who signed, with the relayer paying", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, relayer } = f;
    const r = newWork(alice.address);
    const signature = await signRegistration(alice, f, r, alice.address, 0n, farDeadline);
    const aliceBalance = await ethers.provider.getBalance(alice.address);
    await expect(registry.connect(relayer).registerWithSig(r, alice.address, 0n, farDeadline, signature))
      .to.emit(registry, "WorkRegistered")
      .withArgs(workIdOf(r.contentHash), alice.address, 0x55, digestOf(r), alice.address, 500, (t: bigint) => t > 0n);
    expect(await registry.ownerOf(r.contentHash)).to.equal(alice.address);
    expect((await registry.workOf(r.contentHash)).creator).to.equal(alice.address);
    expect(await registry.nonces(alice.address)).to.equal(1n);
    expect(await ethers.provider.getBalance(alice.address)).to.equal(aliceBalance);
  });

  it("agrees with viem on the digest the creator signs", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.bob.address);
    const typed = registerTypedData({
      chainId: f.chainId,
      registry: f.registryAddress,
      message: { ...r, creator: f.alice.address as Hex, nonce: 7n, deadline: farDeadline },
    });
    expect(await f.registry.registrationDigest(r, f.alice.address, 7n, farDeadline)).to.equal(hashTypedData(typed));
  });

  it("rejects a replayed signature", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, relayer } = f;
    const r = newWork(alice.address);
    const signature = await signRegistration(alice, f, r, alice.address, 0n, farDeadline);
    await registry.connect(relayer).registerWithSig(r, alice.address, 0n, farDeadline, signature);
    await expect(registry.connect(relayer).registerWithSig(r, alice.address, 0n, farDeadline, signature))
      .to.be.revertedWithCustomError(registry, "InvalidNonce")
      .withArgs(alice.address, 0n, 1n);
  });

  it("rejects a signature past its deadline", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const { registry, alice, relayer } = f;
    const deadline = (await now()) + 60n;
    const r = newWork(alice.address);
    const signature = await signRegistration(alice, f, r, alice.address, 0n, deadline);
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
    await expect(registry.connect(relayer).registerWithSig(r, alice.address, 0n, deadline, signature))
      .to.be.revertedWithCustomError(registry, "SignatureExpired")
      .withArgs(deadline, deadline + 1n);
  });

  it("accepts a signature in the deadline's own second", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const deadline = (await now()) + 60n;
    const r = newWork(f.alice.address);
    const signature = await signRegistration(f.alice, f, r, f.alice.address, 0n, deadline);
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await f.registry.connect(f.relayer).registerWithSig(r, f.alice.address, 0n, deadline, signature);
    expect(await f.registry.ownerOf(r.contentHash)).to.equal(f.alice.address);
  });

  it("rejects a signature made for another chain", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.alice.address);
    const signature = await signRegistration(f.alice, f, r, f.alice.address, 0n, farDeadline, f.chainId + 1n);
    await expect(f.registry.connect(f.relayer).registerWithSig(r, f.alice.address, 0n, farDeadline, signature))
      .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
      .withArgs(f.alice.address);
  });

  it("rejects a signature made for another registry", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.alice.address);
    const other = { chainId: f.chainId, registryAddress: f.bob.address as Hex };
    const signature = await signRegistration(f.alice, other, r, f.alice.address, 0n, farDeadline);
    await expect(f.registry.connect(f.relayer).registerWithSig(r, f.alice.address, 0n, farDeadline, signature))
      .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
      .withArgs(f.alice.address);
  });

  it("rejects a signature by someone other than the named creator", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.bob.address);
    const signature = await signRegistration(f.bob, f, r, f.alice.address, 0n, farDeadline);
    await expect(f.registry.connect(f.relayer).registerWithSig(r, f.alice.address, 0n, farDeadline, signature))
      .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
      .withArgs(f.alice.address);
  });

  it("rejects a registration altered after signing", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.alice.address);
    const signature = await signRegistration(f.alice, f, r, f.alice.address, 0n, farDeadline);
    for (const altered of [
      { ...r, to: f.bob.address as Hex },
      { ...r, royaltyBps: 2_000 },
      { ...r, royaltyReceiver: f.carol.address as Hex },
    ]) {
      await expect(f.registry.connect(f.relayer).registerWithSig(altered, f.alice.address, 0n, farDeadline, signature))
        .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
        .withArgs(f.alice.address);
    }
  });

  it("rejects a malformed signature", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.alice.address);
    await expect(f.registry.connect(f.relayer).registerWithSig(r, f.alice.address, 0n, farDeadline, "0x1234"))
      .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
      .withArgs(f.alice.address);
  });

  it("rejects a nonce other than the next one", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.alice.address);
    const signature = await signRegistration(f.alice, f, r, f.alice.address, 1n, farDeadline);
    await expect(f.registry.connect(f.relayer).registerWithSig(r, f.alice.address, 1n, farDeadline, signature))
      .to.be.revertedWithCustomError(f.registry, "InvalidNonce")
      .withArgs(f.alice.address, 1n, 0n);
  });

  it("lets a creator cancel an unsubmitted signature by burning its nonce", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const r = newWork(f.alice.address);
    const signature = await signRegistration(f.alice, f, r, f.alice.address, 0n, farDeadline);
    await expect(f.registry.connect(f.alice).invalidateNonce())
      .to.emit(f.registry, "NonceInvalidated")
      .withArgs(f.alice.address, 0n, (t: bigint) => t > 0n);
    await expect(f.registry.connect(f.relayer).registerWithSig(r, f.alice.address, 0n, farDeadline, signature))
      .to.be.revertedWithCustomError(f.registry, "InvalidNonce")
      .withArgs(f.alice.address, 0n, 1n);
  });

  it("accepts an EIP-1271 signature from a contract wallet", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const wallet = await ethers.deployContract("ContractWallet", [f.alice.address]);
    const walletAddress = await wallet.getAddress();
    const r = newWork(walletAddress);
    const signature = await signRegistration(f.alice, f, r, walletAddress, 0n, farDeadline);
    await f.registry.connect(f.relayer).registerWithSig(r, walletAddress, 0n, farDeadline, signature);
    expect((await f.registry.workOf(r.contentHash)).creator).to.equal(walletAddress);
    expect(await f.registry.ownerOf(r.contentHash)).to.equal(walletAddress);
  });

  it("rejects an EIP-1271 signature the contract wallet does not approve", async () => {
    const f = await networkHelpers.loadFixture(deployRegistry);
    const wallet = await ethers.deployContract("ContractWallet", [f.alice.address]);
    const walletAddress = await wallet.getAddress();
    const r = newWork(walletAddress);
    const signature = await signRegistration(f.bob, f, r, walletAddress, 0n, farDeadline);
    await expect(f.registry.connect(f.relayer).registerWithSig(r, walletAddress, 0n, farDeadline, signature))
      .to.be.revertedWithCustomError(f.registry, "InvalidSignature")
      .withArgs(walletAddress);
  });
});
