// Decodes the contracts' logs into named events: compiled readers per event, word-slicing for all-word events.
import { type AbiEvent, type AbiParameter, toEventSelector } from "viem";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
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
 * Decoders for each contract's events by topic 0, built once. Events are decoded from the hex text of the log, by
 * slicing words, without viem's generic decoder (which turns the data into bytes, checksums every address, and at
 * tens of thousands of events a second costs more than the database). Events whose fields are all one word each (most
 * of them) read every integer as a bigint; the others (structs, arrays, bytes, strings) follow viem's types.
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
  const topics = event.inputs
    .filter((p) => p.indexed)
    // Indexed dynamic values are only their hash.
    .map((p, i) => ({ name: p.name ?? `topic${i}`, read: wordType(p.type) ? wordReader(p.type) : null }));
  const data = event.inputs.filter((p) => !p.indexed);
  const names = data.map((p, i) => p.name ?? `arg${i}`);
  const words = data.every((p) => wordType(p.type)) ? data.map((p) => wordReader(p.type)) : null;
  const read = words ? null : abiReader(data);
  return (log) => {
    const args: Record<string, unknown> = {};
    for (let i = 0; i < topics.length; i++) {
      const { name, read: readTopic } = topics[i] as (typeof topics)[number];
      const topic = log.topics[i + 1] ?? "";
      args[name] = readTopic ? readTopic(topic.slice(2)) : topic;
    }
    const hex = log.data.slice(2);
    const values = words ? words.map((w, i) => w(hex.slice(i * 64, i * 64 + 64))) : (read as AbiRead)(hex);
    for (let i = 0; i < names.length; i++) args[names[i] as string] = values[i];
    return args;
  };
}

type AbiRead = (hex: string) => unknown[];

function wordType(type: string): boolean {
  return type === "address" || type === "bool" || type === "bytes32" || /^u?int\d*$/.test(type);
}

/** Reads a word (64 hex digits) of an all-words event: integers as bigints, whatever their width. */
function wordReader(type: string): (hex: string) => unknown {
  if (type === "address") return (hex) => `0x${hex.slice(24)}`.toLowerCase();
  if (type === "bool") return (hex) => hex.endsWith("1");
  if (type === "bytes32") return (hex) => `0x${hex}`.toLowerCase();
  if (type.startsWith("uint")) return (hex) => BigInt(`0x${hex}`);
  const bits = Number(type.slice(3)) || 256;
  return (hex) => BigInt.asIntN(bits, BigInt(`0x${hex}`));
}

/**
 * A reader of ABI-encoded data (hex without `0x`) laid out as `params`, built once: values with viem's types, integers
 * of up to 48 bits as numbers and wider ones as bigints, bytes as lower-case 0x-hex, structs as objects by field name,
 * addresses lower-case. Data shorter than its encoding says is an error.
 */
export function abiReader(params: readonly AbiParameter[]): AbiRead {
  const sequence = sequenceReader(params.map(readerOf));
  return (hex) => sequence(hex, 0);
}

/** Reads one value at a character index: in place when static (`words` long), by offset when dynamic. */
type Reader = { dynamic: boolean; words: number; read: (hex: string, at: number) => unknown };

/** Values laid out one after another from `base`: static ones in place, dynamic ones where their offset points. */
function sequenceReader(readers: readonly Reader[]): (hex: string, base: number) => unknown[] {
  return (hex, base) => {
    const values = new Array<unknown>(readers.length);
    let at = base;
    for (let i = 0; i < readers.length; i++) {
      const r = readers[i] as Reader;
      if (r.dynamic) {
        values[i] = r.read(hex, base + Number(readWord(hex, at)) * 2);
        at += 64;
      } else {
        values[i] = r.read(hex, at);
        at += r.words * 64;
      }
    }
    return values;
  };
}

function readerOf(p: AbiParameter): Reader {
  const array = /^(.*)\[(\d*)\]$/.exec(p.type);
  if (array) {
    const inner = readerOf({ ...p, type: array[1] as string } as AbiParameter);
    if (array[2] === "") {
      return {
        dynamic: true,
        words: 1,
        read: (hex, at) => {
          const length = Number(readWord(hex, at));
          if (length > (hex.length - at - 64) / 64) throw new Error(`event data ends inside a ${p.type} of ${length}`);
          return sequenceReader(new Array<Reader>(length).fill(inner))(hex, at + 64);
        },
      };
    }
    const elements = sequenceReader(new Array<Reader>(Number(array[2])).fill(inner));
    return { dynamic: inner.dynamic, words: Number(array[2]) * inner.words, read: elements };
  }
  if (p.type === "tuple" && "components" in p) {
    const components = p.components.map(readerOf);
    const names = p.components.map((c, i) => c.name ?? String(i));
    const fields = sequenceReader(components);
    return {
      dynamic: components.some((c) => c.dynamic),
      words: components.reduce((n, c) => n + c.words, 0),
      read: (hex, at) => {
        const values = fields(hex, at);
        const struct: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) struct[names[i] as string] = values[i];
        return struct;
      },
    };
  }
  if (p.type === "bytes" || p.type === "string") {
    const bytes = p.type === "bytes";
    return {
      dynamic: true,
      words: 1,
      read: (hex, at) => {
        const length = Number(readWord(hex, at));
        const body = hex.slice(at + 64, at + 64 + length * 2);
        if (body.length !== length * 2) throw new Error(`event data ends inside a ${p.type} of ${length} bytes`);
        return bytes ? `0x${body.toLowerCase()}` : Buffer.from(body, "hex").toString("utf8");
      },
    };
  }
  const value = (hex: string, at: number) => {
    const w = hex.slice(at, at + 64);
    if (w.length !== 64) throw new Error(`event data ends inside a ${p.type}`);
    return w;
  };
  const fixedBytes = /^bytes(\d+)$/.exec(p.type);
  if (fixedBytes) {
    const chars = Number(fixedBytes[1]) * 2;
    return { dynamic: false, words: 1, read: (hex, at) => `0x${value(hex, at).slice(0, chars).toLowerCase()}` };
  }
  const integer = /^(u?)int(\d*)$/.exec(p.type);
  if (integer) {
    const bits = Number(integer[2] || 256);
    const signed = integer[1] !== "u";
    return {
      dynamic: false,
      words: 1,
      read: (hex, at) => {
        const n = signed ? BigInt.asIntN(bits, BigInt(`0x${value(hex, at)}`)) : BigInt(`0x${value(hex, at)}`);
        return bits <= 48 ? Number(n) : n;
      },
    };
  }
  if (p.type === "address" || p.type === "bool") {
    const read = wordReader(p.type);
    return { dynamic: false, words: 1, read: (hex, at) => read(value(hex, at)) };
  }
  throw new Error(`cannot decode the ABI type ${p.type}`);
}

function readWord(hex: string, at: number): bigint {
  const value = hex.slice(at, at + 64);
  if (value.length !== 64) throw new Error("event data ends inside a length or an offset");
  return BigInt(`0x${value}`);
}
