// The registry fixture and helpers shared by the registry tests.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";
import { type Address, type Hex, keccak256, toHex, zeroAddress } from "viem";
import {
  type RevealBatchMessage,
  registerTypedData,
  revealBatchTypedData,
  revealTypedData,
} from "../../core/eip712.ts";
import { type Registration, workIdOf } from "../../core/registration.ts";
import type { ProvenanceRegistry } from "../../types/ethers-contracts/index.ts";

/** One network per test file, as the house style asks. */
export const connection = await network.create();
export const { ethers, networkHelpers } = connection;

export type RegistryFixture = {
  registry: ProvenanceRegistry;
  registryAddress: Address;
  chainId: bigint;
  admin: HardhatEthersSigner;
  arbiter: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  relayer: HardhatEthersSigner;
};

/** A fresh registry with an arbiter; loaded through `loadFixture` so every test starts from the same snapshot. */
export async function deployRegistry(): Promise<RegistryFixture> {
  const [admin, arbiter, alice, bob, carol, relayer] = await ethers.getSigners();
  if (!admin || !arbiter || !alice || !bob || !carol || !relayer) throw new Error("need six accounts");
  const registry = (await ethers.deployContract("ProvenanceRegistry", [
    admin.address,
  ])) as unknown as ProvenanceRegistry;
  await registry.connect(admin).grantRole(await registry.ARBITER_ROLE(), arbiter.address);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return {
    registry,
    registryAddress: (await registry.getAddress()) as Address,
    chainId,
    admin,
    arbiter,
    alice,
    bob,
    carol,
    relayer,
  };
}

let serial = 0;

/** A distinct 32-byte value per call, derived from `label`. */
export function unique(label: string): Hex {
  serial += 1;
  return keccak256(toHex(`${label}:${serial}`));
}

/** A raw/sha2-256 CIDv1 in binary, the form `ipfs add --cid-version 1` gives a metadata JSON. */
export function metadataCid(digest: Hex = unique("metadata")): Hex {
  return `0x01551220${digest.slice(2)}`;
}

/** The sha2-256 digest inside a raw CIDv1 built by `metadataCid`, as `WorkRegistered` reports it. */
export function digestOf(r: Registration): Hex {
  return `0x${r.metadataCid.slice(10)}`;
}

/** A registration of a new, never-seen file to `to`, with overrides. */
export function newWork(to: string, overrides: Partial<Registration> = {}): Registration {
  return {
    to: to as Address,
    contentHash: unique("content"),
    metadataCid: metadataCid(),
    royaltyReceiver: zeroAddress,
    royaltyBps: 500,
    parents: [],
    ...overrides,
  };
}

/** `creator`'s EIP-712 signature of `r`, built from the shared typed-data definition in core/. */
export async function signRegistration(
  signer: { signTypedData: HardhatEthersSigner["signTypedData"] },
  f: Pick<RegistryFixture, "chainId" | "registryAddress">,
  r: Registration,
  creator: string,
  nonce: bigint,
  deadline: bigint,
  chainId: bigint = f.chainId,
): Promise<Hex> {
  const typed = registerTypedData({
    chainId,
    registry: f.registryAddress,
    message: { ...r, creator: creator as Address, nonce, deadline },
  });
  return (await signer.signTypedData(typed.domain, { Register: [...typed.types.Register] }, typed.message)) as Hex;
}

/** `creator`'s EIP-712 signature of a reveal of `r` with `salt` (core/'s `Reveal` typed data). */
export async function signReveal(
  signer: { signTypedData: HardhatEthersSigner["signTypedData"] },
  f: Pick<RegistryFixture, "chainId" | "registryAddress">,
  r: Registration,
  salt: Hex,
  creator: string,
  nonce: bigint,
  deadline: bigint,
): Promise<Hex> {
  const typed = revealTypedData({
    chainId: f.chainId,
    registry: f.registryAddress,
    message: { ...r, salt, creator: creator as Address, nonce, deadline },
  });
  return (await signer.signTypedData(typed.domain, { Reveal: [...typed.types.Reveal] }, typed.message)) as Hex;
}

/** The creator's EIP-712 `RevealBatch` signature over `items` of the batch `root` anchored by `submitter`. */
export async function signRevealBatch(
  signer: { signTypedData: HardhatEthersSigner["signTypedData"] },
  f: Pick<RegistryFixture, "chainId" | "registryAddress">,
  message: RevealBatchMessage,
): Promise<Hex> {
  const typed = revealBatchTypedData({ chainId: f.chainId, registry: f.registryAddress, message });
  const types = { RevealBatch: [...typed.types.RevealBatch], RevealItem: [...typed.types.RevealItem] };
  return (await signer.signTypedData(typed.domain, types, typed.message)) as Hex;
}

/** The latest block's timestamp. */
export async function now(): Promise<bigint> {
  return BigInt(await networkHelpers.time.latest());
}

/** Registers a new work created by `creator` and held by `holder` (the creator by default); returns its id. */
export async function registerWork(
  registry: ProvenanceRegistry,
  creator: HardhatEthersSigner,
  holder: HardhatEthersSigner = creator,
): Promise<bigint> {
  const r = newWork(holder.address);
  await registry.connect(creator).register(r);
  return workIdOf(r.contentHash);
}

/** Fixes the time of the next block a few seconds ahead and returns it. */
export async function nextBlockAt(secondsAhead = 10n): Promise<bigint> {
  const t = (await now()) + secondsAhead;
  await networkHelpers.time.setNextBlockTimestamp(t);
  return t;
}
