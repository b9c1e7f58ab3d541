// A work's chain of title read straight from a chain node: the logs that concern it and their receipts, as evidence.
import {
  type Abi,
  type AbiEvent,
  type Address,
  decodeEventLog,
  type Hex,
  numberToHex,
  type PublicClient,
  toEventSelector,
  toHex,
} from "viem";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import { ANCHOR_KINDS, TITLE_KINDS } from "./kinds.ts";

/** The Titlechain contracts of a deployment, as evidence names them. */
export type Contracts = { registry: Address; ledger: Address; exchange: Address };

/** What a node's receipt says of the transaction that emitted an event (the logs themselves are in the events). */
export type ReceiptSummary = {
  status: "success" | "reverted";
  from: Address;
  to: Address | null;
  transactionIndex: number;
  gasUsed: string;
};

/** One event of a chain of title: where it is on chain, its raw log, what it says, and its transaction's receipt. */
export type EvidenceEvent = {
  kind: string;
  event: string;
  contract: Address;
  transactionHash: Hex;
  blockNumber: string;
  blockHash: Hex;
  logIndex: number;
  topics: Hex[];
  data: Hex;
  /** The event's arguments decoded (integers as decimal strings, addresses and bytes lower-case hex). */
  args: Record<string, unknown>;
  /** The block time the event states (its `timestamp` or `registeredAt`), ISO 8601. */
  at: string | null;
  receipt: ReceiptSummary;
};

type RpcLog = {
  address: Address;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  logIndex: Hex;
};

const ALL_EVENTS = (
  [...provenanceRegistryAbi, ...licenceLedgerAbi, ...exchangeAbi] as readonly { type: string }[]
).filter((item) => item.type === "event") as AbiEvent[];
const ABI = ALL_EVENTS as unknown as Abi;

/** Topic position (1-3) of an event's indexed parameter named `name`, or 0. */
function topicOf(event: AbiEvent, name: string): number {
  const indexed = event.inputs.filter((i) => i.indexed);
  return indexed.findIndex((i) => i.name === name) + 1;
}

/** Selectors of the events whose indexed `workId` is at each topic position, and of those keyed by grant alone. */
const BY_WORK_TOPIC = new Map<number, Hex[]>();
const BY_GRANT_TOPIC = new Map<number, Hex[]>();
for (const event of ALL_EVENTS) {
  const selector = toEventSelector(event);
  const work = topicOf(event, "workId");
  const grant = topicOf(event, "grantId");
  const map = work > 0 ? BY_WORK_TOPIC : grant > 0 ? BY_GRANT_TOPIC : undefined;
  const position = work > 0 ? work : grant;
  if (!map) continue;
  const list = map.get(position) ?? [];
  if (!list.includes(selector)) list.push(selector);
  map.set(position, list);
}
/** Events that open a licence grant of the work: later grant-only events (surrender, transfer) follow their ids. */
const GRANT_OPENERS = new Set(["LicencePurchased", "SublicenceIssued"]);

/**
 * Every log of the three contracts that concerns `workId` in blocks `fromBlock`..`toBlock`: those whose indexed
 * `workId` is the work, and those whose indexed `grantId` is a licence of the work. Oldest first. A few `eth_getLogs`
 * calls with topic filters, whatever the chain's size.
 */
export async function workLogs(
  client: PublicClient,
  contracts: Contracts,
  workId: bigint,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<RpcLog[]> {
  const address = [contracts.registry, contracts.ledger, contracts.exchange];
  const range = { fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock) };
  const get = (topics: (Hex | Hex[] | null)[]) =>
    client.request({ method: "eth_getLogs", params: [{ address, ...range, topics }] }) as Promise<RpcLog[]>;
  const workTopic = toHex(workId, { size: 32 });
  const found = (
    await Promise.all(
      [...BY_WORK_TOPIC].map(([position, selectors]) =>
        get([selectors, ...Array<null>(position - 1).fill(null), workTopic]),
      ),
    )
  ).flat();
  const grants = new Set<Hex>();
  for (const log of found) {
    const name = nameOf(log);
    if (name && GRANT_OPENERS.has(name) && log.topics[1]) grants.add(log.topics[1]);
  }
  if (grants.size > 0) {
    const more = await Promise.all(
      [...BY_GRANT_TOPIC].map(([position, selectors]) =>
        get([selectors, ...Array<null>(position - 1).fill(null), [...grants]]),
      ),
    );
    found.push(...more.flat());
  }
  const unique = new Map(found.map((log) => [`${BigInt(log.blockNumber)}:${BigInt(log.logIndex)}`, log]));
  return [...unique.values()].sort((a, b) =>
    a.blockNumber === b.blockNumber
      ? Number(BigInt(a.logIndex) - BigInt(b.logIndex))
      : Number(BigInt(a.blockNumber) - BigInt(b.blockNumber)),
  );
}

function nameOf(log: { topics: Hex[]; data: Hex }): string | undefined {
  try {
    return decodeEventLog({ abi: ABI, topics: log.topics as [Hex], data: log.data }).eventName;
  } catch {
    return undefined;
  }
}

/** A value made JSON-safe: integers as decimal strings, addresses and bytes lower-case. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value.startsWith("0x") ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

/** A log and its transaction's receipt as an {@link EvidenceEvent}; throws when the log is not a Titlechain event. */
export function evidenceEventOf(
  log: RpcLog,
  receipt: { status: string; from: Address; to: Address | null; transactionIndex: number | Hex; gasUsed: bigint | Hex },
): EvidenceEvent {
  const decoded = decodeEventLog({ abi: ABI, topics: log.topics as [Hex], data: log.data });
  const args = jsonSafe(decoded.args) as Record<string, unknown>;
  const time = args["timestamp"] ?? args["registeredAt"];
  const name = String(decoded.eventName);
  return {
    kind: TITLE_KINDS[name] ?? ANCHOR_KINDS[name] ?? name,
    event: name,
    contract: log.address.toLowerCase() as Address,
    transactionHash: log.transactionHash,
    blockNumber: BigInt(log.blockNumber).toString(),
    blockHash: log.blockHash,
    logIndex: Number(BigInt(log.logIndex)),
    topics: log.topics.map((t) => t.toLowerCase() as Hex),
    data: log.data.toLowerCase() as Hex,
    args,
    at: typeof time === "string" ? new Date(Number(time) * 1000).toISOString() : null,
    receipt: {
      status: receipt.status === "success" || receipt.status === "0x1" ? "success" : "reverted",
      from: receipt.from.toLowerCase() as Address,
      to: receipt.to === null ? null : (receipt.to.toLowerCase() as Address),
      transactionIndex: Number(BigInt(receipt.transactionIndex)),
      gasUsed: BigInt(receipt.gasUsed).toString(),
    },
  };
}

/** The logs as evidence events, one receipt fetched per transaction. */
export async function evidenceEvents(client: PublicClient, logs: readonly RpcLog[]): Promise<EvidenceEvent[]> {
  const hashes = [...new Set(logs.map((l) => l.transactionHash))];
  const receipts = new Map(
    await Promise.all(hashes.map(async (hash) => [hash, await client.getTransactionReceipt({ hash })] as const)),
  );
  return logs.map((log) => {
    const receipt = receipts.get(log.transactionHash);
    if (!receipt) throw new Error(`no receipt for ${log.transactionHash}`);
    return evidenceEventOf(log, receipt);
  });
}

/** The log of a receipt at `logIndex`, in the RPC's form. */
export function logOfReceipt(
  receipt: {
    logs: readonly {
      address: Address;
      topics: readonly Hex[];
      data: Hex;
      logIndex: number | null;
      blockNumber: bigint | null;
      blockHash: Hex | null;
      transactionHash: Hex | null;
    }[];
  },
  logIndex: number,
): RpcLog | undefined {
  const log = receipt.logs.find((l) => l.logIndex === logIndex);
  if (!log || log.blockNumber === null || log.blockHash === null || log.transactionHash === null) return undefined;
  return {
    address: log.address,
    topics: [...log.topics],
    data: log.data,
    blockNumber: numberToHex(log.blockNumber),
    blockHash: log.blockHash,
    transactionHash: log.transactionHash,
    logIndex: numberToHex(logIndex),
  };
}

export type { RpcLog };
