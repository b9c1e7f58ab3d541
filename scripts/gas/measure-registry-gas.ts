// Measures the gas of registry operations for `npm run bench:gas`.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import { type Hex, keccak256, toHex } from "viem";
import { batchLeafOf, commitmentOf } from "../../core/commitment.ts";
import { registerTypedData, revealBatchTypedData, revealTypedData } from "../../core/eip712.ts";
import { buildMerkleTree, merkleProofOf } from "../../core/merkle.ts";
import type { Registration } from "../../core/registration.ts";
import type { ProvenanceRegistry } from "../../types/ethers-contracts/index.ts";

/** Gas of each registry operation, keyed as in `npm run bench:gas`. */
export type RegistryGas = {
  register: number;
  registerWithSig: number;
  commit: number;
  batchAnchorPerWork: number;
  revealFromBatch: number;
  transfer: number;
  pledge: number;
  claimPriority: number;
};

/** Registry figures reported beside the targeted ones. */
export type RegistryGasDetail = {
  claimPriorityFromBatch: number;
  /** A gasless reveal of a commitment the relayer made for a creator who never held a work; the relayer pays. */
  revealWithSig: number;
  /** 100 of a creator's leaves of a batch of 1,000 revealed by one signature (`revealBatchWithSig`), gas / 100. */
  revealBatchWithSigPerWork: number;
};

/** Size of the batch whose anchoring cost is divided per work. */
export const BATCH_SIZE = 1_000;

/**
 * Measures each registry operation from transaction receipts on a fresh deployment. Every operation runs in its most
 * expensive ordinary case: a holder, creator or recipient that has never held a work (its balance slot is new). A
 * priority claim reveals a commitment two days older than another creator's registration of the same file, to a new
 * holder (single commitment; from a batch of 1,000 in the detail).
 */
export async function measureRegistryGas(ethers: HardhatEthers): Promise<RegistryGas & { detail: RegistryGasDetail }> {
  const [admin, creator, relayer, lender] = (await ethers.getSigners()) as HardhatEthersSigner[];
  if (!admin || !creator || !relayer || !lender) throw new Error("the network needs four funded accounts");
  const registry = (await ethers.deployContract("ProvenanceRegistry", [
    admin.address,
  ])) as unknown as ProvenanceRegistry;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const registryAddress = (await registry.getAddress()) as Hex;
  let serial = 0;
  const next = (label: string) => keccak256(toHex(`${label}-${serial++}`));
  const work = (to: string): Registration => ({
    to: to as Hex,
    contentHash: next("content"),
    // A CIDv1 raw/sha2-256, what `ipfs add --cid-version 1` gives a metadata JSON.
    metadataCid: `0x01551220${next("metadata").slice(2)}`,
    royaltyReceiver: "0x0000000000000000000000000000000000000000",
    royaltyBps: 500,
    parents: [],
  });
  const fresh = async () => {
    const wallet = ethers.Wallet.createRandom(ethers.provider);
    await (await admin.sendTransaction({ to: wallet.address, value: ethers.parseEther("1") })).wait();
    return wallet;
  };

  const register = await gasOf(registry.connect(creator).register(work((await fresh()).address)));

  const artisan = await fresh();
  const signed = work(artisan.address);
  const typed = registerTypedData({
    chainId,
    registry: registryAddress,
    message: { ...signed, creator: artisan.address as Hex, nonce: 0n, deadline: 2n ** 40n },
  });
  const signature = await artisan.signTypedData(typed.domain, { Register: [...typed.types.Register] }, typed.message);
  const registerWithSig = await gasOf(
    registry.connect(relayer).registerWithSig(signed, artisan.address, 0n, 2n ** 40n, signature),
  );

  const commit = await gasOf(registry.connect(creator).commit(next("commitment")));

  const quiet = ethers.Wallet.createRandom();
  const hidden = work(quiet.address);
  const hiddenSalt = next("salt");
  await (
    await registry.connect(relayer).commit(commitmentOf(quiet.address as Hex, hidden.contentHash, hiddenSalt))
  ).wait();
  const revealTyped = revealTypedData({
    chainId,
    registry: registryAddress,
    message: { ...hidden, salt: hiddenSalt, creator: quiet.address as Hex, nonce: 0n, deadline: 2n ** 40n },
  });
  const revealSignature = await quiet.signTypedData(
    revealTyped.domain,
    { Reveal: [...revealTyped.types.Reveal] },
    revealTyped.message,
  );
  const revealWithSig = await gasOf(
    registry.connect(relayer).revealWithSig(hidden, hiddenSalt, quiet.address, 0n, 2n ** 40n, revealSignature),
  );

  const revealer = await fresh();
  const revealed = work(revealer.address);
  const salt = next("salt");
  const leaves = [batchLeafOf(revealer.address as Hex, revealed.contentHash, salt)];
  for (let i = 1; i < BATCH_SIZE; i++) leaves.push(next("leaf"));
  const tree = buildMerkleTree(leaves);
  const leavesCid = `0x01551220${next("leaves").slice(2)}`;
  const anchor = await gasOf(registry.connect(relayer).anchorBatch(tree.root, BATCH_SIZE, leavesCid));
  const revealFromBatch = await gasOf(
    registry
      .connect(revealer)
      .revealFromBatch(revealed, salt, relayer.address, tree.root, merkleProofOf(tree, leaves[0] as Hex)),
  );

  // A folder: 100 of one creator's designs in a batch of 1,000 (proofs of 10 steps), revealed with one signature.
  const folder = ethers.Wallet.createRandom();
  const designs = Array.from({ length: 100 }, () => ({ ...work(folder.address), salt: next("salt") }));
  const folderLeaves = designs.map((d) => batchLeafOf(folder.address as Hex, d.contentHash, d.salt));
  while (folderLeaves.length < BATCH_SIZE) folderLeaves.push(next("leaf"));
  const folderTree = buildMerkleTree(folderLeaves);
  await (await registry.connect(relayer).anchorBatch(folderTree.root, BATCH_SIZE, leavesCid)).wait();
  const batchTyped = revealBatchTypedData({
    chainId,
    registry: registryAddress,
    message: {
      creator: folder.address as Hex,
      items: designs,
      submitter: relayer.address as Hex,
      root: folderTree.root,
      nonce: 0n,
      deadline: 2n ** 40n,
    },
  });
  const batchSignature = await folder.signTypedData(
    batchTyped.domain,
    { RevealBatch: [...batchTyped.types.RevealBatch], RevealItem: [...batchTyped.types.RevealItem] },
    batchTyped.message,
  );
  const revealBatch = await gasOf(
    registry.connect(relayer).revealBatchWithSig(
      designs.map(({ salt: _salt, ...r }) => r),
      designs.map((d) => d.salt),
      folderLeaves.slice(0, designs.length).map((leaf) => merkleProofOf(folderTree, leaf)),
      folder.address,
      relayer.address,
      folderTree.root,
      0n,
      2n ** 40n,
      batchSignature,
    ),
  );

  const owned = work(creator.address);
  await (await registry.connect(creator).register(owned)).wait();
  const transfer = await gasOf(
    registry.connect(creator).transferFrom(creator.address, (await fresh()).address, owned.contentHash),
  );

  const pledged = work(creator.address);
  await (await registry.connect(creator).register(pledged)).wait();
  const maturity = BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0) + 86_400n * 365n;
  const pledge = await gasOf(
    registry.connect(creator).pledge(pledged.contentHash, lender.address, maturity, leavesCid),
  );

  // Priority claims: the claimant committed two days before someone else registered the same file.
  const claimant = await fresh();
  const claimed = work((await fresh()).address);
  const claimSalt = next("salt");
  await (
    await registry.connect(claimant).commit(commitmentOf(claimant.address as Hex, claimed.contentHash, claimSalt))
  ).wait();
  const batchClaimant = await fresh();
  const batchClaimed = work((await fresh()).address);
  const claimLeaves = [batchLeafOf(batchClaimant.address as Hex, batchClaimed.contentHash, claimSalt)];
  for (let i = 1; i < BATCH_SIZE; i++) claimLeaves.push(next("leaf"));
  const claimTree = buildMerkleTree(claimLeaves);
  await (await registry.connect(relayer).anchorBatch(claimTree.root, BATCH_SIZE, leavesCid)).wait();
  await ethers.provider.send("evm_increaseTime", [2 * 86_400]);
  await (await registry.connect(creator).register({ ...claimed, to: creator.address as Hex })).wait();
  await (await registry.connect(creator).register({ ...batchClaimed, to: creator.address as Hex })).wait();
  const claimPriority = await gasOf(registry.connect(claimant).reveal(claimed, claimSalt));
  const claimPriorityFromBatch = await gasOf(
    registry
      .connect(batchClaimant)
      .revealFromBatch(
        batchClaimed,
        claimSalt,
        relayer.address,
        claimTree.root,
        merkleProofOf(claimTree, claimLeaves[0] as Hex),
      ),
  );

  return {
    register,
    registerWithSig,
    commit,
    batchAnchorPerWork: Math.ceil(anchor / BATCH_SIZE),
    revealFromBatch,
    transfer,
    pledge,
    claimPriority,
    detail: {
      claimPriorityFromBatch,
      revealWithSig,
      revealBatchWithSigPerWork: Math.ceil(revealBatch / designs.length),
    },
  };
}

async function gasOf(sent: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await sent).wait();
  if (receipt?.status !== 1) throw new Error("benchmark transaction failed");
  return Number(receipt.gasUsed);
}
