// Builds a work's evidence bundle: its record and chain of title read from the node, timestamped and signed.
import { type PublicClient, toHex } from "viem";
import { cidFromHex } from "../../core/cid.ts";
import {
  EVIDENCE_FORMAT,
  EVIDENCE_VERSION,
  type EvidenceBundle,
  type Manifest,
  manifestBytes,
  manifestHashOf,
} from "../../core/evidence/bundle.ts";
import { registrationEvidence } from "../../core/evidence/registration-call.ts";
import { evidenceEvents, workLogs } from "../../core/evidence/title-logs.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import type { Deployment } from "../api/deps.ts";
import type { ContentStore } from "../content/index.ts";
import { MAX_METADATA_BYTES } from "../content/metadata-io.ts";
import type { Sql } from "../db/database.ts";
import { software } from "../version.ts";
import type { PlatformSigner } from "./platform-key.ts";
import { requestTimestamps } from "./tsa-client.ts";

export type EvidenceOptions = {
  db: Sql;
  store: ContentStore;
  client: PublicClient;
  chain: Deployment;
  /** The platform's key and certificate; absent: bundles carry no platform signature. */
  signer?: PlatformSigner | undefined;
  /** RFC 3161 timestamp authorities asked for a token over each manifest. */
  tsaUrls?: readonly string[] | undefined;
};

/** The work is not registered on the chain. */
export class EvidenceNotFound extends Error {
  override name = "EvidenceNotFound";
}

/**
 * The evidence bundle of a work as of the node's latest block. The record, the chain of title and the receipts come
 * from the node, not the mirror (the mirror only says where to start looking); the metadata's bytes from the content
 * store; the upload's receipt time from the uploads table.
 */
export async function buildEvidence(options: EvidenceOptions, workId: bigint): Promise<EvidenceBundle> {
  const { client, chain, db } = options;
  const contracts = { registry: chain.registry, ledger: chain.ledger, exchange: chain.exchange };
  const block = await client.getBlock({ blockTag: "latest" });
  const record = await client
    .readContract({
      address: chain.registry,
      abi: provenanceRegistryAbi,
      functionName: "workOf",
      args: [workId],
      blockNumber: block.number,
    })
    .catch(() => null);
  if (!record) throw new EvidenceNotFound(`work ${workId} is not registered on chain ${chain.chainId}`);
  const contentHash = toHex(workId, { size: 32 });
  const [mirrored] = await db.query<{ block_number: string }>(
    "select block_number::text as block_number from works where chain_id = $1 and work_id = $2",
    [chain.chainId, workId.toString()],
  );
  const logs = await workLogs(client, contracts, workId, BigInt(mirrored?.block_number ?? 0), block.number);
  const events = await evidenceEvents(client, logs);
  const registration = await registrationEvidence(client, contracts, events);
  const [upload] = await db.query<{ cid: string; size: string; media_type: string; received_at: Date | string }>(
    "select cid, size::text as size, media_type, received_at from uploads where sha256 = $1",
    [contentHash],
  );
  const metadataCid = cidFromHex(record.metadataCid);
  const manifest: Manifest = {
    software,
    generatedAt: new Date().toISOString(),
    chain: {
      chainId: chain.chainId,
      contracts: {
        registry: lower(chain.registry),
        ledger: lower(chain.ledger),
        exchange: lower(chain.exchange),
      },
      asOf: {
        blockNumber: block.number.toString(),
        blockHash: block.hash,
        time: new Date(Number(block.timestamp) * 1000).toISOString(),
      },
    },
    work: {
      workId: workId.toString(),
      contentHash,
      creator: lower(record.creator),
      owner: lower(record.owner),
      registeredAt: new Date(Number(record.registeredAt) * 1000).toISOString(),
      metadataCid,
      metadata: await metadataText(options.store, metadataCid),
    },
    file: {
      sha256: contentHash,
      cid: upload?.cid ?? null,
      size: upload ? Number(upload.size) : null,
      mediaType: upload?.media_type ?? null,
      receivedAt: upload ? new Date(upload.received_at).toISOString() : null,
    },
    registration,
    events,
  };
  const bytes = manifestBytes(manifest);
  const [timestamps, platformSignature] = await Promise.all([
    requestTimestamps(options.tsaUrls ?? [], bytes),
    options.signer ? options.signer.sign(bytes) : null,
  ]);
  return {
    format: EVIDENCE_FORMAT,
    version: EVIDENCE_VERSION,
    manifest,
    manifestHash: manifestHashOf(manifest),
    timestamps,
    platformSignature,
  };
}

const lower = <T extends string>(value: T) => value.toLowerCase() as T;

/** The metadata document's bytes as text, or null when the store cannot give them (not stored here, too large). */
async function metadataText(store: ContentStore, cid: string): Promise<string | null> {
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of store.get(cid, { signal: AbortSignal.timeout(5_000) })) {
      size += chunk.length;
      if (size > MAX_METADATA_BYTES) return null;
      chunks.push(chunk);
    }
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    return null;
  }
}
