import { type AbiEvent, type AbiParameter, decodeAbiParameters, type Hex, toEventSelector } from "viem";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.ts";
import type { RpcLog } from "./logs.ts";

/** Which of the Titlechain contracts emitted an event. */
export type Source = "registry" | "ledger" | "exchange";

/** A decoded event: addresses lower-case, integers as bigint, bytes as 0x-hex, structs as objects. */
export type ChainEvent = {
  source: Source;
  contract: string;
  name: string;
  args: Record<string, unknown>;
  block: bigint;
  blockHash: string;
  logIndex: number;
  txIndex: number;
  txHash: string;
};

type Decoder = (log: RpcLog) => Record<string, unknown>;

const ABIS: Record<Source, readonly unknown[]> = {
  registry: provenanceRegistryAbi,
  ledger: licenceLedgerAbi,
  exchange: exchangeAbi,
};

/**
 * Decoders for each contract's events by topic 0, built once. Events whose fields are all one word each (most of
 * them) are decoded by slicing words, without viem's generic decoder and its address checksums: at tens of thousands
 * of events a second the generic path costs more than the database. The rest go through `decodeAbiParameters`.
 */
const decoders: Record<Source, Map<string, { name: string; decode: Decoder }>> = {
  registry: decodersOf(ABIS.registry),
  ledger: decodersOf(ABIS.ledger),
  exchange: decodersOf(ABIS.exchange),
};

/** Decodes one log of `source`; an event not in the ABI (impossible for our own contracts) is an error. */
export function decodeLog(source: Source, log: RpcLog): ChainEvent {
  const topic = log.topics[0]?.toLowerCase() ?? "";
  const decoder = decoders[source].get(topic);
  if (!decoder) {
    throw new Error(`unknown event ${topic} from the ${source} at block ${BigInt(log.blockNumber)}`);
  }
  return {
    source,
    contract: log.address.toLowerCase(),
    name: decoder.name,
    args: decoder.decode(log),
    block: BigInt(log.blockNumber),
    blockHash: log.blockHash,
    logIndex: Number(log.logIndex),
    txIndex: Number(log.transactionIndex),
    txHash: log.transactionHash,
  };
}

/** JSON for the event log: bigints as decimal strings. */
export function argsJson(args: Record<string, unknown>): string {
  return JSON.stringify(args, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
}

function decodersOf(abi: readonly unknown[]): Map<string, { name: string; decode: Decoder }> {
  const map = new Map<string, { name: string; decode: Decoder }>();
  for (const item of abi as AbiEvent[]) {
    if (item.type !== "event") continue;
    map.set(toEventSelector(item).toLowerCase(), { name: item.name, decode: decoderOf(item) });
  }
  return map;
}

function decoderOf(event: AbiEvent): Decoder {
  const indexed = event.inputs.filter((p) => p.indexed);
  const data = event.inputs.filter((p) => !p.indexed);
  const allWords = data.every((p) => wordType(p.type));
  return (log) => {
    const args: Record<string, unknown> = {};
    for (const [i, p] of indexed.entries()) {
      const topic = log.topics[i + 1] ?? "";
      // Indexed dynamic values are only their hash.
      args[p.name ?? `topic${i}`] = wordType(p.type) ? word(p.type, topic.slice(2)) : topic;
    }
    if (allWords) {
      const hex = log.data.slice(2);
      for (const [i, p] of data.entries()) args[p.name ?? `arg${i}`] = word(p.type, hex.slice(i * 64, i * 64 + 64));
    } else {
      const values = decodeAbiParameters(data, log.data as Hex);
      for (const [i, p] of data.entries()) args[p.name ?? `arg${i}`] = normalise(p, values[i]);
    }
    return args;
  };
}

function wordType(type: string): boolean {
  return type === "address" || type === "bool" || type === "bytes32" || /^u?int\d*$/.test(type);
}

function word(type: string, hex: string): unknown {
  if (type === "address") return `0x${hex.slice(24)}`.toLowerCase();
  if (type === "bool") return hex.endsWith("1");
  if (type === "bytes32") return `0x${hex}`.toLowerCase();
  if (type.startsWith("uint")) return BigInt(`0x${hex}`);
  return BigInt.asIntN(Number(type.slice(3)) || 256, BigInt(`0x${hex}`));
}

/** viem's decoded value with addresses lower-cased and struct fields by name. */
function normalise(param: AbiParameter, value: unknown): unknown {
  if (param.type === "address") return String(value).toLowerCase();
  if (param.type.endsWith("]") && Array.isArray(value)) {
    const inner = { ...param, type: param.type.slice(0, param.type.lastIndexOf("[")) } as AbiParameter;
    return value.map((v) => normalise(inner, v));
  }
  if (param.type === "tuple" && "components" in param) {
    const out: Record<string, unknown> = {};
    const record = value as Record<string, unknown>;
    for (const [i, c] of param.components.entries()) {
      const name = c.name ?? String(i);
      out[name] = normalise(c, record[name] ?? (value as unknown[])[i]);
    }
    return out;
  }
  return value;
}
