// The EIP-712 typed data a creator signs for a gasless registration.
import type { Address, Hex, TypedDataDomain } from "viem";
import type { Registration } from "./registration.ts";

/** EIP-712 domain name and version of the provenance registry (its constructor uses the same strings). */
export const registryDomainName = "Titlechain Provenance Registry";
export const registryDomainVersion = "1";

/** The fields of a registration (the `Registration` struct) in every typed message that carries one. */
const registrationFields = [
  { name: "to", type: "address" },
  { name: "contentHash", type: "bytes32" },
  { name: "metadataCid", type: "bytes" },
  { name: "royaltyReceiver", type: "address" },
  { name: "royaltyBps", type: "uint16" },
  { name: "parents", type: "uint256[]" },
] as const;
const creatorField = { name: "creator", type: "address" } as const;
const saltField = { name: "salt", type: "bytes32" } as const;
const nonceAndDeadline = [
  { name: "nonce", type: "uint256" },
  { name: "deadline", type: "uint256" },
] as const;

/** EIP-712 types of a gasless registration: the one definition shared by contracts' tests, relayer, CLI and web. */
export const registerTypes = {
  Register: [creatorField, ...registrationFields, ...nonceAndDeadline],
} as const;

/** EIP-712 types of a gasless reveal: a registration and the salt of the creator's commitment. */
export const revealTypes = {
  Reveal: [creatorField, ...registrationFields, saltField, ...nonceAndDeadline],
} as const;

/** The message a creator signs: a {@link Registration} plus who signs it, the nonce and the deadline. */
export type RegisterMessage = Registration & { creator: Address; nonce: bigint; deadline: bigint };

/** Parameters of {@link registerTypedData}. */
export type RegisterTypedDataParameters = {
  chainId: number | bigint;
  registry: Address;
  message: RegisterMessage;
};

/**
 * The complete EIP-712 typed data for `registerWithSig`, ready for viem's `signTypedData`/`hashTypedData` or a wallet's
 * `eth_signTypedData_v4`.
 *
 * @example
 * const typedData = registerTypedData({ chainId: 31337, registry, message });
 * const signature = await wallet.signTypedData({ account, ...typedData });
 */
export function registerTypedData({ chainId, registry, message }: RegisterTypedDataParameters) {
  return { domain: registryDomain(chainId, registry), types: registerTypes, primaryType: "Register", message } as const;
}

/** The registry's EIP-712 domain on a chain. */
export function registryDomain(chainId: number | bigint, registry: Address) {
  return {
    name: registryDomainName,
    version: registryDomainVersion,
    chainId: BigInt(chainId),
    verifyingContract: registry,
  } satisfies TypedDataDomain;
}

/** The message of a gasless reveal: the registration, the commitment's salt, who signs, the nonce and the deadline. */
export type RevealMessage = RegisterMessage & { salt: Hex };

/**
 * The complete EIP-712 typed data for `revealWithSig` and `revealFromBatchWithSig`: the creator commits (or the
 * platform anchors the creator's commitment in a batch) and later signs this, and the platform reveals it.
 */
export function revealTypedData({
  chainId,
  registry,
  message,
}: {
  chainId: number | bigint;
  registry: Address;
  message: RevealMessage;
}) {
  return { domain: registryDomain(chainId, registry), types: revealTypes, primaryType: "Reveal", message } as const;
}

/**
 * EIP-712 types of a gasless reveal of many leaves of one batch (`revealBatchWithSig`): each item a registration and
 * its salt, all under one nonce and one signature.
 */
export const revealBatchTypes = {
  RevealBatch: [
    { name: "creator", type: "address" },
    { name: "items", type: "RevealItem[]" },
    { name: "submitter", type: "address" },
    { name: "root", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  RevealItem: [...registrationFields, saltField],
} as const;

/** Most works in one batch reveal: about 9.2 million gas at 91,743 a work, under a third of a 30-million block. */
export const MAX_REVEAL_BATCH = 100;

/** The message of a batch reveal: the creator's registrations with their salts, of the batch `root` by `submitter`. */
export type RevealBatchMessage = {
  creator: Address;
  items: (Registration & { salt: Hex })[];
  submitter: Address;
  root: Hex;
  nonce: bigint;
  deadline: bigint;
};

/** The complete EIP-712 typed data for `revealBatchWithSig`. */
export function revealBatchTypedData({
  chainId,
  registry,
  message,
}: {
  chainId: number | bigint;
  registry: Address;
  message: RevealBatchMessage;
}) {
  return {
    domain: registryDomain(chainId, registry),
    types: revealBatchTypes,
    primaryType: "RevealBatch",
    message,
  } as const;
}

/** A registration with its signature, as the relayer receives it. */
export type SignedRegistration = RegisterMessage & { signature: Hex };

/**
 * EIP-712 types of a relayed commitment request. Off-chain only: `commit` needs no signature (a commitment binds its
 * creator inside the hash), but the relayer pays its gas, so it counts each creator's requests against a quota.
 */
export const commitRequestTypes = {
  CommitRequest: [
    { name: "creator", type: "address" },
    { name: "commitment", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type CommitRequestMessage = { creator: Address; commitment: Hex; deadline: bigint };

/** The complete EIP-712 typed data a creator signs to ask the relayer to commit `commitment`. */
export function commitRequestTypedData({
  chainId,
  registry,
  message,
}: {
  chainId: number | bigint;
  registry: Address;
  message: CommitRequestMessage;
}) {
  return {
    domain: registryDomain(chainId, registry),
    types: commitRequestTypes,
    primaryType: "CommitRequest",
    message,
  } as const;
}

/**
 * EIP-712 types of a creator profile. Off-chain: the API keeps the newest profile an account signed (`issuedAt`
 * must grow), so nobody but the account can set it and an old signed profile cannot be replayed over a newer one.
 */
export const profileTypes = {
  Profile: [
    { name: "account", type: "address" },
    { name: "nameZh", type: "string" },
    { name: "nameEn", type: "string" },
    { name: "craft", type: "string" },
    { name: "region", type: "string" },
    { name: "bio", type: "string" },
    { name: "avatarCid", type: "string" },
    { name: "links", type: "string[]" },
    { name: "issuedAt", type: "uint256" },
  ],
} as const;

export type ProfileMessage = {
  account: Address;
  nameZh: string;
  nameEn: string;
  craft: string;
  region: string;
  bio: string;
  avatarCid: string;
  links: readonly string[];
  issuedAt: bigint;
};

/** The complete EIP-712 typed data of a profile an account signs. */
export function profileTypedData({
  chainId,
  registry,
  message,
}: {
  chainId: number | bigint;
  registry: Address;
  message: ProfileMessage;
}) {
  return { domain: registryDomain(chainId, registry), types: profileTypes, primaryType: "Profile", message } as const;
}
