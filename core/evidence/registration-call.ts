// How a work was registered, read from its transaction on the node: the call, the salt, the batch proof, the signature.
import { type Address, decodeFunctionData, type Hex, numberToHex, type PublicClient, toEventSelector } from "viem";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { batchLeafOf } from "../commitment.ts";
import { type Contracts, type EvidenceEvent, evidenceEvents, type RpcLog } from "./title-logs.ts";

/** The creator's EIP-712 signature of a gasless registration, as the transaction carried it to the registry. */
export type RegistrationSignature = {
  /** `RevealBatch` signs every item of its transaction: a verifier reads them from the transaction's calldata. */
  primaryType: "Register" | "Reveal" | "RevealBatch";
  signer: Address;
  nonce: string;
  deadline: string;
  signature: Hex;
};

/** How the work's registration reached the registry. */
export type RegistrationEvidence = {
  /** The registry function called, or "external" when another contract called the registry (not inspected). */
  method: string;
  transactionHash: Hex;
  /** The registration as the call gave it (integers as decimal strings). */
  registration: {
    to: Address;
    contentHash: Hex;
    metadataCid: Hex;
    royaltyReceiver: Address;
    royaltyBps: number;
    parents: string[];
  } | null;
  salt: Hex | null;
  /** For a reveal: the commitment it opened (keccak256 of creator, content hash and salt), or the batch leaf. */
  commitment: Hex | null;
  batch: { submitter: Address; root: Hex; leaf: Hex; proof: Hex[] } | null;
  signature: RegistrationSignature | null;
  /** The commitment's `Committed` or the batch's `BatchAnchored` event, for a reveal. */
  anchor: EvidenceEvent | null;
};

const COMMITTED = toEventSelector("Committed(bytes32,address,uint64)");
const BATCH_ANCHORED = toEventSelector("BatchAnchored(bytes32,address,uint32,bytes,uint64)");

const lower = <T extends string>(v: T) => v.toLowerCase() as T;

/**
 * The registration of the work whose chain of title is `events` (the first `WorkRegistered`), read from the node:
 * its transaction's call decoded, and for a reveal the event that anchored the commitment or batch.
 */
export async function registrationEvidence(
  client: PublicClient,
  contracts: Contracts,
  events: readonly EvidenceEvent[],
): Promise<RegistrationEvidence> {
  const registered = events.find((e) => e.event === "WorkRegistered");
  if (!registered) throw new Error("the chain of title has no WorkRegistered event");
  const revealed = events.find(
    (e) => e.event === "CommitmentRevealed" && e.transactionHash === registered.transactionHash,
  );
  const tx = await client.getTransaction({ hash: registered.transactionHash });
  const base = {
    transactionHash: registered.transactionHash,
    registration: null,
    salt: null,
    commitment: null,
    batch: null,
    signature: null,
    anchor: null,
  };
  if (!tx.to || lower(tx.to) !== lower(contracts.registry)) return { method: "external", ...base };
  const call = decodeFunctionData({ abi: provenanceRegistryAbi, data: tx.input });
  // A batch reveal registers many works: this work's item, laid out as the one-leaf revealFromBatchWithSig's call.
  const batchReveal = call.functionName === "revealBatchWithSig";
  const layout = batchReveal ? "revealFromBatchWithSig" : call.functionName;
  const args = batchReveal
    ? itemOf(call.args as readonly unknown[], BigInt(registered.topics[1] as Hex))
    : (call.args as readonly unknown[]);
  const r = args[0] as {
    to: Address;
    contentHash: Hex;
    metadataCid: Hex;
    royaltyReceiver: Address;
    royaltyBps: number;
    parents: readonly bigint[];
  };
  const registration = {
    to: lower(r.to),
    contentHash: lower(r.contentHash),
    metadataCid: lower(r.metadataCid),
    royaltyReceiver: lower(r.royaltyReceiver),
    royaltyBps: Number(r.royaltyBps),
    parents: r.parents.map(String),
  };
  const result: RegistrationEvidence = { ...base, method: call.functionName, registration };
  const sig = (primaryType: RegistrationSignature["primaryType"], at: number): RegistrationSignature => ({
    primaryType,
    signer: lower(args[at] as Address),
    nonce: String(args[at + 1]),
    deadline: String(args[at + 2]),
    signature: lower(args[at + 3] as Hex),
  });
  switch (layout) {
    case "registerWithSig":
      result.signature = sig("Register", 1);
      break;
    case "revealWithSig":
      result.signature = sig("Reveal", 2);
      break;
    case "revealFromBatchWithSig":
      result.signature = {
        primaryType: batchReveal ? "RevealBatch" : "Reveal",
        signer: lower(args[2] as Address),
        nonce: String(args[6]),
        deadline: String(args[7]),
        signature: lower(args[8] as Hex),
      };
      break;
  }
  if (layout.startsWith("reveal")) result.salt = lower(args[1] as Hex);
  if (layout.startsWith("revealFromBatch")) {
    const withSig = layout.endsWith("WithSig");
    const submitter = lower(args[withSig ? 3 : 2] as Address);
    const root = lower(args[withSig ? 4 : 3] as Hex);
    const creator = lower((withSig ? args[2] : tx.from) as Address);
    result.batch = {
      submitter,
      root,
      leaf: batchLeafOf(creator, registration.contentHash, result.salt as Hex),
      proof: (args[withSig ? 5 : 4] as readonly Hex[]).map(lower),
    };
  }
  if (revealed) {
    result.commitment = lower(revealed.topics[1] as Hex);
    result.anchor = await anchorOf(client, contracts, revealed, result.batch);
  }
  return result;
}

/**
 * The arguments of `revealBatchWithSig(rs, salts, proofs, creator, submitter, root, nonce, deadline, signature)` for
 * the work `workId`, in the order of `revealFromBatchWithSig(r, salt, creator, submitter, root, proof, nonce,
 * deadline, signature)`.
 */
function itemOf(args: readonly unknown[], workId: bigint): readonly unknown[] {
  const [rs, salts, proofs, ...rest] = args as [{ contentHash: Hex }[], Hex[], Hex[][], ...unknown[]];
  const i = rs.findIndex((r) => BigInt(r.contentHash) === workId);
  const [creator, submitter, root, nonce, deadline, signature] = rest;
  return [rs[i], salts[i], creator, submitter, root, proofs[i], nonce, deadline, signature];
}

/** The event that anchored a revealed commitment: its `Committed`, or its batch's `BatchAnchored`. */
async function anchorOf(
  client: PublicClient,
  contracts: Contracts,
  revealed: EvidenceEvent,
  batch: RegistrationEvidence["batch"],
): Promise<EvidenceEvent | null> {
  const topics = batch
    ? [BATCH_ANCHORED, batch.root, `0x${batch.submitter.slice(2).padStart(64, "0")}`]
    : [COMMITTED, revealed.topics[1]];
  const logs = (await client.request({
    method: "eth_getLogs",
    params: [
      { address: contracts.registry, fromBlock: "0x0", toBlock: numberToHex(BigInt(revealed.blockNumber)), topics },
    ],
  } as never)) as RpcLog[];
  const first = logs[0];
  if (!first) return null;
  const [event] = await evidenceEvents(client, [first]);
  return event ?? null;
}
