// verifyEvidence: checks an evidence bundle against any chain node, step by step, trusting neither the bundle nor us.
import {
  type Abi,
  type Address,
  createPublicClient,
  decodeFunctionData,
  type Hex,
  http,
  isAddressEqual,
  type PublicClient,
} from "viem";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import { cidFromHex } from "../cid.ts";
import { commitmentOf } from "../commitment.ts";
import { registerTypedData, revealBatchTypedData, revealTypedData } from "../eip712.ts";
import { processMerkleProof } from "../merkle.ts";
import type { Registration } from "../registration.ts";
import { type ByteChunks, sha256OfChunks } from "../verify.ts";
import { bundleProblems, type EvidenceBundle, manifestBytes, manifestHashOf } from "./bundle.ts";
import { sha256Hex } from "./encoding.ts";
import { checkPlatformSignature } from "./platform-signature.ts";
import { registrationEvidence } from "./registration-call.ts";
import { checkTimestamp } from "./timestamp.ts";
import { type Contracts, type EvidenceEvent, evidenceEvents, workLogs } from "./title-logs.ts";

/** The checks, in the order they run. */
export const STEPS = [
  "format",
  "manifest",
  "file",
  "chain",
  "block",
  "events",
  "title",
  "registration",
  "signature",
  "record",
  "owner",
  "timestamp",
  "platform",
] as const;
export type StepName = (typeof STEPS)[number];

/** One check's outcome: `warn` holds but asks the reader to look; `skip` could not apply (no file given, say). */
export type Step = { step: StepName; status: "pass" | "fail" | "warn" | "skip"; message: string };
export type EvidenceVerification = { ok: boolean; steps: Step[] };

export type VerifyEvidenceOptions = {
  /** The node to check against: a JSON-RPC URL, or a viem client. */
  rpc: string | PublicClient;
  /** The original file, to check its SHA-256 against the work's content hash. */
  file?: ByteChunks | Uint8Array;
  /** Root certificates (PEM) trusted for timestamp authorities; none: the roots the tokens carry, with a warning. */
  tsaRoots?: readonly string[];
  /** The operator's certificates (PEM) to trust for the platform's signature; none: a warning naming its fingerprint. */
  platformCertificates?: readonly string[];
};

/** The first path where two JSON values differ, or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | null {
  if (a === b) return null;
  if (
    typeof a !== "object" ||
    typeof b !== "object" ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  ) {
    return path || "/";
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}/${key}`,
    );
    if (found) return found;
  }
  return null;
}

const at = (e: { blockNumber: string; logIndex: number }) => `${e.blockNumber}:${e.logIndex}`;
const describe = (e: EvidenceEvent) =>
  `${e.event} in block ${e.blockNumber} (log ${e.logIndex}, tx ${e.transactionHash})`;

/**
 * Verifies an evidence bundle against a chain node: its form, the manifest's hash, the file, the chain, every listed
 * event (present in the stated block with the stated content and receipt), the chain of title rebuilt from the node's
 * logs, how the work was registered (commitment, Merkle proof, anchor), the creator's EIP-712 signature, the registry's
 * record, the current owner, the RFC 3161 timestamps and the platform's signature. Every step is reported, with why
 * in words; `ok` only when none failed. Throws only when the node cannot be reached.
 */
export async function verifyEvidence(input: unknown, options: VerifyEvidenceOptions): Promise<EvidenceVerification> {
  const steps: Step[] = [];
  const report = (step: StepName, status: Step["status"], message: string) => steps.push({ step, status, message });
  const done = () => ({ ok: steps.every((s) => s.status !== "fail"), steps });

  const problems = bundleProblems(input);
  if (problems.length > 0) {
    report("format", "fail", `not an evidence bundle of version 1: ${problems.slice(0, 5).join("; ")}`);
    return done();
  }
  report("format", "pass", "an evidence bundle of version 1");
  const bundle = input as EvidenceBundle;
  const { manifest } = bundle;
  const bytes = manifestBytes(manifest);
  const hash = manifestHashOf(manifest);
  if (hash === bundle.manifestHash) report("manifest", "pass", `the manifest hashes to ${hash}`);
  else
    report(
      "manifest",
      "fail",
      `the manifest hashes to ${hash}, the bundle says ${bundle.manifestHash}: it was changed`,
    );

  await checkFile(bundle, options.file, report);

  const client =
    typeof options.rpc === "string"
      ? createPublicClient({ transport: http(options.rpc, { retryCount: 1 }) })
      : options.rpc;
  const chainId = await client.getChainId();
  if (chainId !== manifest.chain.chainId) {
    report(
      "chain",
      "fail",
      `the node is on chain ${chainId}; the bundle is evidence on chain ${manifest.chain.chainId}`,
    );
    return done();
  }
  const bound = await deploymentProblem(client, manifest.chain.contracts);
  if (bound) {
    report("chain", "fail", bound);
    return done();
  }
  report(
    "chain",
    "pass",
    `the node is on chain ${chainId}, where the ledger and exchange named are bound to the registry ${manifest.chain.contracts.registry}`,
  );

  const asOf = BigInt(manifest.chain.asOf.blockNumber);
  const block = await client.getBlock({ blockNumber: asOf }).catch(() => null);
  if (!block) {
    const head = await client.getBlockNumber();
    report(
      "block",
      "fail",
      `the node has no block ${asOf} (its head is block ${head}): it is not the chain the bundle was made on, or it is behind`,
    );
    return done();
  } else if (block.hash !== manifest.chain.asOf.blockHash) {
    report(
      "block",
      "fail",
      `block ${asOf} is ${block.hash} on the node, ${manifest.chain.asOf.blockHash} in the bundle`,
    );
  } else if (new Date(Number(block.timestamp) * 1000).toISOString() !== manifest.chain.asOf.time) {
    report(
      "block",
      "fail",
      `block ${asOf} was made at ${new Date(Number(block.timestamp) * 1000).toISOString()}, not ${manifest.chain.asOf.time}`,
    );
  } else
    report("block", "pass", `block ${asOf} is ${block.hash}, made at ${manifest.chain.asOf.time}, as the bundle says`);

  const contracts = manifest.chain.contracts;
  const workId = BigInt(manifest.work.workId);
  const first = manifest.events.find((e) => e.event === "WorkRegistered");
  const fromBlock = first ? BigInt(first.blockNumber) : 0n;
  const nodeEvents = await evidenceEvents(client, await workLogs(client, contracts, workId, fromBlock, asOf));
  await checkEvents(client, manifest.events, nodeEvents, report);
  checkTitle(manifest.events, nodeEvents, first, report);
  const registration = nodeEvents.some((e) => e.event === "WorkRegistered")
    ? await registrationEvidence(client, contracts, nodeEvents)
    : null;
  checkRegistration(bundle, registration, report);
  await checkSignature(client, bundle, report);
  await checkRecord(client, bundle, report);
  await checkOwner(client, bundle, report);
  await checkTimestamps(bundle, bytes, options.tsaRoots ?? [], report);
  await checkPlatform(bundle, bytes, options.platformCertificates ?? [], report);
  return done();
}

/** Why the contracts named are not one Titlechain deployment on this node, or null when they are. */
async function deploymentProblem(client: PublicClient, contracts: Contracts): Promise<string | null> {
  const read = (address: Address, abi: Abi, functionName: string) =>
    client.readContract({ address, abi, functionName } as never).then(
      (value) => String(value).toLowerCase(),
      () => null,
    );
  const [authority, ledgerRegistry, exchangeRegistry] = await Promise.all([
    read(contracts.registry, provenanceRegistryAbi as Abi, "derivativeAuthority"),
    read(contracts.ledger, licenceLedgerAbi as Abi, "registry"),
    read(contracts.exchange, exchangeAbi as Abi, "registry"),
  ]);
  if (authority === null) return `no Titlechain registry at ${contracts.registry} on this node`;
  if (ledgerRegistry !== contracts.registry || authority !== contracts.ledger) {
    return `the licence ledger ${contracts.ledger} is not the registry ${contracts.registry}'s on this node`;
  }
  if (exchangeRegistry !== contracts.registry)
    return `the exchange ${contracts.exchange} is not bound to the registry ${contracts.registry} on this node`;
  return null;
}

type Report = (step: StepName, status: Step["status"], message: string) => void;

async function checkFile(bundle: EvidenceBundle, file: VerifyEvidenceOptions["file"], report: Report) {
  const { work, file: delivered } = bundle.manifest;
  if (delivered.sha256 !== work.contentHash) {
    report(
      "file",
      "fail",
      `the bundle's file hash ${delivered.sha256} is not the work's content hash ${work.contentHash}`,
    );
    return;
  }
  if (file === undefined) {
    report("file", "skip", "no file given: only the hash in the bundle is known");
    return;
  }
  const hash = await sha256OfChunks(file instanceof Uint8Array ? [file] : file);
  if (hash === work.contentHash) report("file", "pass", `the file's SHA-256 is ${hash}, the work's content hash`);
  else report("file", "fail", `the file's SHA-256 is ${hash}, not the work's content hash ${work.contentHash}`);
}

/** Each listed event must be the node's log at that position, with the same content and receipt. */
async function checkEvents(client: PublicClient, listed: EvidenceEvent[], node: EvidenceEvent[], report: Report) {
  const byPosition = new Map(node.map((e) => [at(e), e]));
  for (const event of listed) {
    const found = byPosition.get(at(event));
    if (!found) {
      const receipt = await client.getTransactionReceipt({ hash: event.transactionHash }).catch(() => null);
      const why = !receipt
        ? "the node has no such transaction"
        : receipt.blockHash !== event.blockHash
          ? `the transaction is in block ${receipt.blockHash} on the node`
          : "the node's log there does not concern this work";
      report("events", "fail", `${describe(event)}: ${why}`);
      return;
    }
    const difference = firstDifference(event, found);
    if (difference) {
      report(
        "events",
        "fail",
        `${describe(event)}: ${difference} differs from the node's (${JSON.stringify(valueAt(found, difference))})`,
      );
      return;
    }
  }
  report("events", "pass", `all ${listed.length} events are on the node, in the stated blocks, as stated`);
}

function valueAt(value: unknown, path: string): unknown {
  return path
    .split("/")
    .slice(1)
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
}

/** The node's chain of title for the work up to the bundle's block must be exactly the bundle's. */
function checkTitle(listed: EvidenceEvent[], node: EvidenceEvent[], first: EvidenceEvent | undefined, report: Report) {
  if (!first) {
    report("title", "fail", "the bundle lists no WorkRegistered event");
    return;
  }
  const listedAt = new Set(listed.map(at));
  const missing = node.filter((e) => !listedAt.has(at(e)));
  if (missing.length > 0) {
    report(
      "title",
      "fail",
      `the bundle leaves out ${missing.length} event(s) the node has: ${missing.slice(0, 3).map(describe).join("; ")}`,
    );
    return;
  }
  const order = listed.map(at).join(",") === node.map(at).join(",");
  if (!order) report("title", "fail", "the bundle's events are not the node's, in the node's order");
  else
    report("title", "pass", `the chain of title rebuilt from the node's logs is the bundle's (${node.length} events)`);
}

function checkRegistration(
  bundle: EvidenceBundle,
  node: EvidenceBundle["manifest"]["registration"] | null,
  report: Report,
) {
  const stated = bundle.manifest.registration;
  const work = bundle.manifest.work;
  if (!node) return report("registration", "fail", "the node has no registration of this work in the stated blocks");
  const difference = firstDifference(stated, node);
  if (difference)
    return report("registration", "fail", `the registration's ${difference} differs from its transaction on the node`);
  if (node.method === "external") {
    return report(
      "registration",
      "warn",
      `registered through another contract in ${node.transactionHash}: its call is not inspected`,
    );
  }
  if (node.registration?.contentHash !== work.contentHash) {
    return report(
      "registration",
      "fail",
      `the registration call names content ${node.registration?.contentHash}, not ${work.contentHash}`,
    );
  }
  if (!node.salt)
    return report("registration", "pass", `registered directly by ${node.method} in ${node.transactionHash}`);
  const creator = node.signature?.signer ?? work.creator;
  if (node.batch) {
    const root = processMerkleProof(node.batch.leaf, node.batch.proof);
    if (root !== node.batch.root)
      return report("registration", "fail", `the Merkle proof leads to ${root}, not the batch root ${node.batch.root}`);
    if (!node.anchor || node.anchor.topics[1] !== node.batch.root)
      return report("registration", "fail", "no BatchAnchored event for the batch root");
    return report(
      "registration",
      "pass",
      `committed in batch ${node.batch.root} (Merkle proof of ${node.batch.proof.length} steps holds) at ${node.anchor.at}, revealed in ${node.transactionHash}`,
    );
  }
  const commitment = commitmentOf(creator as Address, work.contentHash, node.salt);
  if (commitment !== node.commitment)
    return report(
      "registration",
      "fail",
      `the creator, content hash and salt commit to ${commitment}, not ${node.commitment}`,
    );
  if (!node.anchor) return report("registration", "fail", `no Committed event for ${commitment} before the reveal`);
  report(
    "registration",
    "pass",
    `committed as ${commitment} at ${node.anchor.at} in ${node.anchor.transactionHash}, revealed in ${node.transactionHash}`,
  );
}

async function checkSignature(client: PublicClient, bundle: EvidenceBundle, report: Report) {
  const { registration: r, chain, work } = bundle.manifest;
  const s = r.signature;
  if (!s || !r.registration)
    return report("signature", "skip", "the registration was sent by its creator, not signed for a relay");
  if (!isAddressEqual(s.signer, work.creator))
    return report("signature", "fail", `the signer ${s.signer} is not the creator ${work.creator}`);
  const message = {
    ...r.registration,
    parents: r.registration.parents.map(BigInt),
    creator: s.signer,
    nonce: BigInt(s.nonce),
    deadline: BigInt(s.deadline),
  };
  const typed =
    s.primaryType === "RevealBatch"
      ? await revealBatchTypedDataOf(client, r.transactionHash, chain)
      : s.primaryType === "Register"
        ? registerTypedData({ chainId: chain.chainId, registry: chain.contracts.registry, message })
        : revealTypedData({
            chainId: chain.chainId,
            registry: chain.contracts.registry,
            message: { ...message, salt: r.salt as Hex },
          });
  const valid = await client.verifyTypedData({ ...typed, address: s.signer, signature: s.signature } as never);
  if (valid) report("signature", "pass", `the EIP-712 ${s.primaryType} signature is the creator's (${s.signer})`);
  else report("signature", "fail", `the EIP-712 ${s.primaryType} signature does not recover to ${s.signer}`);
}

/** A registry view of one work, or null when the registry reverts (no such work) or is not there. */
function readWork(client: PublicClient, registry: Address, functionName: "workOf" | "ownerOf", workId: bigint) {
  const call = { address: registry, abi: provenanceRegistryAbi, functionName, args: [workId] };
  return client.readContract(call as never).catch(() => null) as Promise<unknown>;
}

/** The `RevealBatch` typed data a batch reveal's transaction carries: every item of it, read from the node. */
async function revealBatchTypedDataOf(client: PublicClient, hash: Hex, chain: EvidenceBundle["manifest"]["chain"]) {
  const tx = await client.getTransaction({ hash });
  const { args } = decodeFunctionData({ abi: provenanceRegistryAbi, data: tx.input });
  const [rs, salts, , creator, submitter, root, nonce, deadline] = args as unknown as [
    Registration[],
    Hex[],
    unknown,
    Address,
    Address,
    Hex,
    bigint,
    bigint,
  ];
  const items = rs.map((r, i) => ({ ...r, parents: [...r.parents], salt: salts[i] as Hex }));
  const message = { creator, items, submitter, root, nonce, deadline };
  return revealBatchTypedData({ chainId: chain.chainId, registry: chain.contracts.registry, message });
}

async function checkRecord(client: PublicClient, bundle: EvidenceBundle, report: Report) {
  const { work, chain } = bundle.manifest;
  if (BigInt(work.contentHash) !== BigInt(work.workId))
    return report("record", "fail", `work id ${work.workId} is not the content hash ${work.contentHash}`);
  const record = (await readWork(client, chain.contracts.registry, "workOf", BigInt(work.workId))) as {
    creator: Address;
    registeredAt: bigint;
    metadataCid: Hex;
  } | null;
  if (!record) return report("record", "fail", `the registry has no work ${work.workId}`);
  const checks: [string, unknown, unknown][] = [
    ["creator", record.creator.toLowerCase(), work.creator],
    ["registration time", new Date(Number(record.registeredAt) * 1000).toISOString(), work.registeredAt],
    ["metadata CID", safeCid(record.metadataCid), work.metadataCid],
  ];
  for (const [what, onChain, stated] of checks) {
    if (onChain !== stated)
      return report("record", "fail", `the registry's ${what} is ${onChain}, the bundle's ${stated}`);
  }
  if (work.metadata !== null) {
    const digest = sha256Hex(new TextEncoder().encode(work.metadata));
    if (`0x${record.metadataCid.slice(-64)}` !== digest) {
      return report(
        "record",
        "fail",
        `the bundle's metadata (SHA-256 ${digest}) is not the document the registry's CID names`,
      );
    }
  }
  report(
    "record",
    "pass",
    `the registry records work ${work.workId} by ${work.creator} at ${work.registeredAt}${work.metadata === null ? "" : ", with this metadata"}`,
  );
}

function safeCid(hex: Hex): string {
  try {
    return cidFromHex(hex);
  } catch {
    return hex;
  }
}

async function checkOwner(client: PublicClient, bundle: EvidenceBundle, report: Report) {
  const { work, chain } = bundle.manifest;
  const owner = (await readWork(client, chain.contracts.registry, "ownerOf", BigInt(work.workId))) as Address | null;
  const latest = await client.getBlockNumber();
  const asOf = BigInt(chain.asOf.blockNumber);
  const later = latest > asOf ? await workLogs(client, chain.contracts, BigInt(work.workId), asOf + 1n, latest) : [];
  if (!owner) return report("owner", "fail", `the registry has no owner of work ${work.workId}`);
  if (!isAddressEqual(owner, work.owner)) {
    return report(
      "owner",
      "fail",
      `the work is owned by ${owner.toLowerCase()} now, not ${work.owner} as the bundle says (${later.length} event(s) after block ${asOf})`,
    );
  }
  if (later.length > 0)
    return report(
      "owner",
      "warn",
      `owned by ${work.owner}, but ${later.length} event(s) concern the work after block ${asOf}: ask for a newer bundle`,
    );
  report("owner", "pass", `owned by ${work.owner} now, and nothing has happened to the work since block ${asOf}`);
}

async function checkTimestamps(bundle: EvidenceBundle, bytes: Uint8Array, roots: readonly string[], report: Report) {
  if (bundle.timestamps.length === 0) return report("timestamp", "skip", "the bundle carries no RFC 3161 timestamp");
  const passed: string[] = [];
  for (const stamp of bundle.timestamps) {
    const check = await checkTimestamp(stamp, bytes, roots);
    if (check.problem) return report("timestamp", "fail", `${stamp.authority}: ${check.problem}`);
    passed.push(`${check.signer ?? stamp.authority} at ${check.genTime} (root ${check.root})`);
  }
  const trust =
    roots.length > 0 ? "" : "; no trusted roots were given, so the chain was checked up to the roots the tokens carry";
  report(
    "timestamp",
    roots.length > 0 ? "pass" : "warn",
    `the manifest was timestamped by ${passed.join("; ")}${trust}`,
  );
}

async function checkPlatform(bundle: EvidenceBundle, bytes: Uint8Array, trusted: readonly string[], report: Report) {
  const signed = bundle.platformSignature;
  if (!signed) return report("platform", "skip", "the bundle carries no platform signature");
  const check = await checkPlatformSignature(signed, bytes, trusted);
  if (check.problem) return report("platform", "fail", check.problem);
  if (check.trusted) report("platform", "pass", `signed by ${check.signer}, a trusted certificate`);
  else
    report(
      "platform",
      "warn",
      `signed by ${check.signer} (certificate SHA-256 ${check.fingerprint}): compare with the operator's published certificate`,
    );
}
