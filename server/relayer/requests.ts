// The relay's requests: what a creator may ask the platform to submit, checked before any gas is spent.
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hex,
  type PublicClient,
} from "viem";
import {
  commitRequestTypedData,
  type RegisterMessage,
  type RevealBatchMessage,
  type RevealMessage,
} from "../../core/eip712.ts";

export { MAX_REVEAL_BATCH } from "../../core/eip712.ts";

import { provenanceRegistryAbi } from "../../types/abi/index.js";

/** A gasless registration: the creator's `Register` message and signature. */
export type RegisterRequest = { kind: "register"; message: RegisterMessage; signature: Hex };
/**
 * A commitment the platform anchors for the creator (who signed an off-chain `CommitRequest` for the quota): alone
 * (`commit`), or `batched` with others under one Merkle root (`anchorBatch`, one transaction for many creators).
 */
export type CommitRequest = {
  kind: "commit";
  creator: Address;
  commitment: Hex;
  deadline: bigint;
  signature: Hex;
  batched?: boolean | undefined;
  /**
   * The commitment is the Merkle root of this many of the creator's own leaves (a folder): the relayer anchors it as
   * a batch of its own (`anchorBatch`), and each file is revealed from it with its proof.
   */
  leaves?: number | undefined;
};
/** A gasless reveal of a commitment (or of a leaf of an anchored batch): the creator's `Reveal` message and signature. */
export type RevealRequest = {
  kind: "reveal";
  message: RevealMessage;
  signature: Hex;
  batch?: { submitter: Address; root: Hex; proof: Hex[] } | undefined;
};
/**
 * Many leaves of one anchored batch revealed at once for their creator (`revealBatchWithSig`): one signature, one
 * nonce, one transaction for up to {@link MAX_REVEAL_BATCH} works.
 */
export type RevealBatchRequest = { kind: "revealBatch"; message: RevealBatchMessage; proofs: Hex[][]; signature: Hex };
/** The relayer's own request: anchoring the root of a batch of commitments (`leaves` in the tree's input order). */
export type AnchorRequest = { kind: "anchor"; root: Hex; leaves: Hex[] };
export type RelayRequest = RegisterRequest | CommitRequest | RevealRequest | RevealBatchRequest | AnchorRequest;

/** Every code a relay refusal carries (the API's problem codes include them: the web has a sentence for each). */
export const RELAY_REFUSAL_CODES = [
  "SignatureExpired",
  "InvalidSignature",
  "WouldRevert",
  "QuotaExceeded",
  "RelayBusy",
  "AlreadyPending",
] as const;
export type RelayRefusalCode = (typeof RELAY_REFUSAL_CODES)[number];

/** A request refused before it was queued: `code` is stable, `message` says why in words. */
export class RelayRefused extends Error {
  readonly code: RelayRefusalCode;
  readonly field: string | undefined;
  /** The creator's earlier request for the same file or commitment, when there is one: a client resumes with it. */
  requestId: string | undefined;
  constructor(code: RelayRefusalCode, message: string, field?: string) {
    super(message);
    this.name = "RelayRefused";
    this.code = code;
    this.field = field;
  }
}

const registration = (m: RegisterMessage) => ({
  to: m.to,
  contentHash: m.contentHash,
  metadataCid: m.metadataCid,
  royaltyReceiver: m.royaltyReceiver,
  royaltyBps: m.royaltyBps,
  parents: m.parents,
});

/** The registry call that carries out a request. */
export function callOf(request: RelayRequest): { functionName: string; args: readonly unknown[] } {
  if (request.kind === "register") {
    const m = request.message;
    return {
      functionName: "registerWithSig",
      args: [registration(m), m.creator, m.nonce, m.deadline, request.signature],
    };
  }
  if (request.kind === "commit" && request.leaves) {
    return { functionName: "anchorBatch", args: [request.commitment, request.leaves, "0x"] };
  }
  if (request.kind === "commit") return { functionName: "commit", args: [request.commitment] };
  if (request.kind === "revealBatch") {
    const m = request.message;
    return {
      functionName: "revealBatchWithSig",
      args: [
        m.items.map(({ salt: _salt, ...r }) =>
          registration({ ...r, creator: m.creator, nonce: m.nonce, deadline: m.deadline }),
        ),
        m.items.map((i) => i.salt),
        request.proofs,
        m.creator,
        m.submitter,
        m.root,
        m.nonce,
        m.deadline,
        request.signature,
      ],
    };
  }
  if (request.kind === "anchor")
    return { functionName: "anchorBatch", args: [request.root, request.leaves.length, "0x"] };
  const m = request.message;
  if (request.batch) {
    const b = request.batch;
    return {
      functionName: "revealFromBatchWithSig",
      args: [registration(m), m.salt, m.creator, b.submitter, b.root, b.proof, m.nonce, m.deadline, request.signature],
    };
  }
  return {
    functionName: "revealWithSig",
    args: [registration(m), m.salt, m.creator, m.nonce, m.deadline, request.signature],
  };
}

export function calldataOf(request: RelayRequest): Hex {
  const { functionName, args } = callOf(request);
  return encodeFunctionData({ abi: provenanceRegistryAbi, functionName, args } as never);
}

/** The creator a request is for (the relayer itself for an anchor). */
export function creatorOf(request: Exclude<RelayRequest, AnchorRequest>): Address {
  return (request.kind === "commit" ? request.creator : request.message.creator).toLowerCase() as Address;
}

/** The chain or node could not answer (not a refusal of the request): try again later. */
export class RelayUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RelayUnavailable";
  }
}

/** Whether an error is the contract refusing the call (a revert), not the node failing to answer. */
export function isRevert(error: unknown): boolean {
  return error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError) !== null;
}

/** Simulates the registry call of a request from `from`; throws the revert, or {@link RelayUnavailable}. */
export async function simulate(
  client: PublicClient,
  registry: Address,
  from: Address,
  request: RelayRequest,
): Promise<void> {
  const { functionName, args } = callOf(request);
  try {
    await client.simulateContract({
      address: registry,
      abi: provenanceRegistryAbi,
      functionName,
      args,
      account: from,
      // The pending state: transactions this relayer has sent but that are not yet in a block count already.
      blockTag: "pending",
    } as never);
  } catch (error) {
    if (isRevert(error)) throw error;
    throw new RelayUnavailable(
      `the chain did not answer: ${error instanceof BaseError ? error.shortMessage : String(error)}`,
    );
  }
}

/** A revert as words: the registry's custom error with its arguments, or the node's message. */
export function revertReason(error: unknown): string {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError && revert.data) {
      const args = (revert.data.args ?? []).map((a) => (typeof a === "bigint" ? a.toString() : String(a)));
      return `${revert.data.errorName}(${args.join(", ")})`;
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Checks a request against the chain without spending gas: the deadline leaves time to mine it, a commitment
 * request's off-chain signature recovers to its creator, and the call itself succeeds when simulated from the relayer
 * (signature, nonce, duplicate, metadata: everything the registry checks). `afterPending` is the nonce that follows
 * this creator's pending requests (null when none is pending): their nonces come first, so it is the one to sign.
 */
export async function checkRequest(
  client: PublicClient,
  chain: { chainId: number; registry: Address },
  relayer: Address,
  request: Exclude<RelayRequest, AnchorRequest>,
  afterPending: bigint | null,
  now: number,
): Promise<void> {
  const deadline = request.kind === "commit" ? request.deadline : request.message.deadline;
  if (deadline < BigInt(now + 60)) {
    throw new RelayRefused(
      "SignatureExpired",
      `the signature's deadline ${deadline} leaves no time to mine it`,
      "deadline",
    );
  }
  if (request.kind === "commit") {
    const valid = await client.verifyTypedData({
      address: request.creator,
      ...commitRequestTypedData({
        chainId: chain.chainId,
        registry: chain.registry,
        message: { creator: request.creator, commitment: request.commitment, deadline: request.deadline },
      }),
      signature: request.signature,
    });
    if (!valid) {
      throw new RelayRefused("InvalidSignature", `the commit request is not signed by ${request.creator}`, "signature");
    }
  }
  try {
    await simulate(client, chain.registry, relayer, request);
  } catch (error) {
    if (error instanceof RelayUnavailable) throw error;
    const reason = revertReason(error);
    // A nonce after this creator's pending requests fails now and succeeds once they are mined.
    const expected = /^InvalidNonce\([^,]+, (\d+), (\d+)\)$/.exec(reason);
    // Judged by the pending requests' own nonces, not by counting them: one mined but not yet marked so would
    // otherwise be counted on chain and pending at once.
    const queuedAfter =
      expected &&
      afterPending !== null &&
      BigInt(expected[1] as string) === afterPending &&
      afterPending > BigInt(expected[2] as string);
    if (queuedAfter) return;
    throw new RelayRefused("WouldRevert", `the registry would refuse it: ${reason}`);
  }
}
