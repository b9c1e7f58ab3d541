// Verification of a file and of a batch proof against the chain's record, trusting no server.
import { sha256 } from "@noble/hashes/sha2.js";
import { type Address, bytesToHex, type Hex, isAddress, isAddressEqual, isHex } from "viem";
import { batchLeafOf } from "./commitment.ts";
import { processMerkleProof } from "./merkle.ts";

/**
 * Verification of evidence against the chain, without trusting any server: the same functions run in the CLI, the
 * web page a court opens and the API. Pure: the caller brings the bytes and the on-chain record; nothing is fetched.
 */

/** Chunks of a file, as a stream or an array gives them. */
export type ByteChunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** sha256 of a file given as chunks, in one pass, holding one chunk at a time. */
export async function sha256OfChunks(chunks: ByteChunks): Promise<Hex> {
  const hash = sha256.create();
  for await (const chunk of chunks) hash.update(chunk);
  return bytesToHex(hash.digest());
}

/** sha256 of bytes in memory. */
export function sha256Of(bytes: Uint8Array): Hex {
  return bytesToHex(sha256(bytes));
}

/** What the registry returned for a work id (`workOf`), or `null` when it reverted with `ERC721NonexistentToken`. */
export type OnChainWork = {
  workId: bigint;
  owner: Address;
  creator: Address;
  registeredAt: bigint;
  metadataCid: Hex;
};

/** Expectations beyond "this file is registered": each one given is checked. */
export type RegistrationExpectations = {
  creator?: Address;
  metadataCid?: Hex;
  /** The registration must be no later than this Unix time (evidence of priority). */
  registeredBy?: bigint;
};

/** Why a verification failed: a stable code for programs and a sentence for people. */
export type VerificationFailure = {
  ok: false;
  reason:
    | "InvalidInput"
    | "NotRegistered"
    | "ContentMismatch"
    | "CreatorMismatch"
    | "MetadataMismatch"
    | "RegisteredTooLate"
    | "ProofMismatch";
  message: string;
};

export type RegistrationVerified = { ok: true; contentHash: Hex; workId: bigint; registeredAt: bigint; owner: Address };

/**
 * Checks that a file (its bytes, or its sha256 as 32-byte hex) is the work `record` describes, and any expectations.
 * Fails with the first reason found: a malformed hash, no record, a record of another file, then each expectation.
 */
export function verifyRegistration(
  file: Uint8Array | Hex,
  record: OnChainWork | null,
  expected: RegistrationExpectations = {},
): RegistrationVerified | VerificationFailure {
  let contentHash: Hex;
  if (typeof file === "string") {
    if (!isHex(file) || file.length !== 66) {
      return failure("InvalidInput", `a content hash is 32 bytes of hex, got "${file.slice(0, 80)}"`);
    }
    contentHash = file.toLowerCase() as Hex;
  } else {
    contentHash = sha256Of(file);
  }
  if (record === null || /^0x0{40}$/i.test(record.owner)) {
    return failure("NotRegistered", `no work is registered under ${contentHash}`);
  }
  if (record.workId !== BigInt(contentHash)) {
    return failure(
      "ContentMismatch",
      `the file hashes to ${contentHash} but the record is of work 0x${record.workId.toString(16).padStart(64, "0")}`,
    );
  }
  if (expected.creator !== undefined && !isAddress(expected.creator, { strict: false })) {
    return failure("InvalidInput", `the expected creator "${String(expected.creator).slice(0, 80)}" is not an address`);
  }
  if (expected.creator !== undefined && !isAddressEqual(expected.creator, record.creator)) {
    return failure("CreatorMismatch", `registered by ${record.creator}, not ${expected.creator}`);
  }
  if (expected.metadataCid !== undefined && expected.metadataCid.toLowerCase() !== record.metadataCid.toLowerCase()) {
    return failure(
      "MetadataMismatch",
      `the record points to metadata ${record.metadataCid}, not ${expected.metadataCid}`,
    );
  }
  if (expected.registeredBy !== undefined && record.registeredAt > expected.registeredBy) {
    return failure(
      "RegisteredTooLate",
      `registered at ${record.registeredAt}, after the required ${expected.registeredBy} (Unix seconds)`,
    );
  }
  return { ok: true, contentHash, workId: record.workId, registeredAt: record.registeredAt, owner: record.owner };
}

/** A batch leaf's preimage: what the creator keeps to reveal it later. */
export type BatchCommitment = { creator: Address; contentHash: Hex; salt: Hex };

/**
 * Checks that a commitment is in the batch anchored under `root`, with the registry's proof rule (OpenZeppelin
 * `MerkleProof`, sorted pairs). Given the commitment's preimage `{ creator, contentHash, salt }`, the leaf is derived
 * as the registry derives it, which proves what `revealFromBatch` proves; given a bare 32-byte leaf, it only proves
 * that this hash is a node on a path to the root.
 */
export function verifyBatchReveal(
  leaf: Hex | BatchCommitment,
  proof: readonly Hex[],
  root: Hex,
): { ok: true; leaf: Hex; root: Hex } | VerificationFailure {
  let node: Hex;
  if (typeof leaf === "object" && leaf !== null) {
    const { creator, contentHash, salt } = leaf;
    if (!isAddress(creator, { strict: false }) || !isBytes32(contentHash) || !isBytes32(salt)) {
      return failure("InvalidInput", "a commitment is a creator address, a 32-byte content hash and a 32-byte salt");
    }
    node = batchLeafOf(creator, contentHash, salt);
  } else {
    node = leaf;
  }
  const values: unknown[] = [node, root, ...proof];
  const bad = values.findIndex((value) => !isBytes32(value));
  if (bad >= 0) {
    return failure("InvalidInput", `a leaf, root or proof element is 32 bytes of hex, got "${String(values[bad])}"`);
  }
  const computed = processMerkleProof(node.toLowerCase() as Hex, proof);
  if (computed.toLowerCase() !== root.toLowerCase()) {
    return failure("ProofMismatch", `the proof leads from the leaf to ${computed}, not to the anchored root ${root}`);
  }
  return { ok: true, leaf: node.toLowerCase() as Hex, root: root.toLowerCase() as Hex };
}

function isBytes32(value: unknown): value is Hex {
  return typeof value === "string" && isHex(value) && value.length === 66;
}

function failure(reason: VerificationFailure["reason"], message: string): VerificationFailure {
  return { ok: false, reason, message };
}
