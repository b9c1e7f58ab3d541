// The evidence bundle (version 1): its types, its JSON Schema, and the canonical manifest its signatures cover.
import { Ajv } from "ajv";
import type { Address, Hex } from "viem";
import { canonicalBytes, sha256Hex } from "./encoding.ts";
import schema from "./evidence-bundle.v1.schema.json" with { type: "json" };
import type { PlatformSignature } from "./platform-signature.ts";
import type { RegistrationEvidence } from "./registration-call.ts";
import type { Timestamp } from "./timestamp.ts";
import type { Contracts, EvidenceEvent } from "./title-logs.ts";

export const EVIDENCE_FORMAT = "titlechain-evidence";
export const EVIDENCE_VERSION = 1;
/** The bundle's JSON Schema, published at its `$id`. */
export const evidenceBundleSchema = schema;

/** Everything the timestamps and the platform's signature cover. */
export type Manifest = {
  software: { name: string; version: string };
  generatedAt: string;
  chain: { chainId: number; contracts: Contracts; asOf: { blockNumber: string; blockHash: Hex; time: string } };
  work: {
    workId: string;
    contentHash: Hex;
    creator: Address;
    owner: Address;
    registeredAt: string;
    metadataCid: string;
    /** The metadata document's exact bytes as text; null when the server could not read it. */
    metadata: string | null;
  };
  /** The file as delivered: its SHA-256, and what the server knew of it when it received the upload. */
  file: { sha256: Hex; cid: string | null; size: number | null; mediaType: string | null; receivedAt: string | null };
  registration: RegistrationEvidence;
  /** The chain of title up to `chain.asOf`, oldest first. */
  events: EvidenceEvent[];
};

export type EvidenceBundle = {
  format: typeof EVIDENCE_FORMAT;
  version: typeof EVIDENCE_VERSION;
  manifest: Manifest;
  /** SHA-256 of the manifest's RFC 8785 encoding ({@link manifestBytes}). */
  manifestHash: Hex;
  timestamps: Timestamp[];
  platformSignature: PlatformSignature | null;
};

/** The bytes the timestamps and the platform's signature are made over: the manifest's RFC 8785 encoding. */
export function manifestBytes(manifest: Manifest): Uint8Array {
  return canonicalBytes(manifest);
}

export function manifestHashOf(manifest: Manifest): Hex {
  return sha256Hex(manifestBytes(manifest));
}

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** The bundle's violations of its schema, each with its JSON pointer; empty when it conforms. */
export function bundleProblems(value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
}
