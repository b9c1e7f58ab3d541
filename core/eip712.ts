// The EIP-712 typed data a creator signs for a gasless registration.
import type { Address, Hex, TypedDataDomain } from "viem";
import type { Registration } from "./registration.ts";

/** EIP-712 domain name and version of the provenance registry (its constructor uses the same strings). */
export const registryDomainName = "Titlechain Provenance Registry";
export const registryDomainVersion = "1";

/** EIP-712 types of a gasless registration: the one definition shared by contracts' tests, relayer, CLI and web. */
export const registerTypes = {
  Register: [
    { name: "creator", type: "address" },
    { name: "to", type: "address" },
    { name: "contentHash", type: "bytes32" },
    { name: "metadataCid", type: "bytes" },
    { name: "royaltyReceiver", type: "address" },
    { name: "royaltyBps", type: "uint16" },
    { name: "parents", type: "uint256[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
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
  const domain = {
    name: registryDomainName,
    version: registryDomainVersion,
    chainId: BigInt(chainId),
    verifyingContract: registry,
  } satisfies TypedDataDomain;
  return { domain, types: registerTypes, primaryType: "Register", message } as const;
}

/** A registration with its signature, as the relayer receives it. */
export type SignedRegistration = RegisterMessage & { signature: Hex };
