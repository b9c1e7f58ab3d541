// A contract's refusal in words: viem's error, raw revert data or the relayer's reason, decoded against every ABI.
// Loaded with the pages that send transactions (it holds the ABIs), never with the first page.
import {
  type Abi,
  type AbiParameter,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  isHex,
  slice,
  toFunctionSelector,
} from "viem";
import * as abis from "../../../types/abi/index.js";
import { type Language, localeOf } from "../i18n/language.ts";
import en from "./contract.en.json" with { type: "json" };
import zh from "./contract.zh.json" with { type: "json" };
import { API_SENTENCES, interpolate } from "./describe.ts";

/** A sentence for every custom error of the contracts, by name; the same names in both languages. */
export const CONTRACT_SENTENCES: Readonly<Record<Language, Readonly<Record<keyof typeof en, string>>>> = { en, zh };

export type AbiError = Extract<Abi[number], { type: "error" }>;

/** `Name(type,type)`: what a selector hashes (the contracts' errors take no tuples). */
const signatureOf = (error: AbiError) => `${error.name}(${error.inputs.map((i) => i.type).join(",")})`;

/** Every custom error of every ABI, once (the same error inherited by several contracts is one entry). */
export const CONTRACT_ERRORS: readonly AbiError[] = (() => {
  const bySignature = new Map<string, AbiError>();
  for (const abi of Object.values(abis) as readonly (readonly { type: string }[])[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const error = item as AbiError;
      bySignature.set(signatureOf(error), error);
    }
  }
  return [...bySignature.values()];
})();

const byName = new Map(CONTRACT_ERRORS.map((e) => [e.name, e]));

/** Why a transaction was refused: a custom error of the ABIs with its arguments, or no reason we can name. */
export type Refusal = { error: AbiError; args: readonly unknown[] } | { error: null };

/** The custom error in revert data (`0x` and the error's selector, then its arguments). */
function fromData(data: Hex): Refusal {
  try {
    const { abiItem, args } = decodeErrorResult({ abi: CONTRACT_ERRORS, data });
    if (abiItem.type === "error" && byName.has(abiItem.name)) return { error: abiItem, args: args ?? [] };
  } catch {
    // arguments cut short: the selector alone still names the error
    if (data.length >= 10) {
      const selector = slice(data, 0, 4).toLowerCase();
      const error = CONTRACT_ERRORS.find((e) => toFunctionSelector(signatureOf(e)) === selector);
      if (error) return { error, args: [] };
    }
  }
  return { error: null };
}

/**
 * The custom error named in words, as the relayer writes it (`the registry would refuse it: InvalidNonce(0xab…,
 * 3, 2)`): the arguments by the ABI's types, the last one taking any ", " left over (a string's).
 */
function fromText(text: string): Refusal | null {
  for (const match of text.matchAll(/([A-Z][A-Za-z0-9_]*)\(/g)) {
    const error = byName.get(match[1] as string);
    const close = text.lastIndexOf(")");
    if (!error || close < match.index) continue;
    const body = text.slice(match.index + match[0].length, close);
    return { error, args: argsOfText(body, error.inputs) };
  }
  return /revert|refuse/i.test(text) ? { error: null } : null;
}

function argsOfText(body: string, inputs: readonly AbiParameter[]): unknown[] {
  if (inputs.length === 0) return [];
  const parts = body.split(", ");
  if (parts.length < inputs.length) return [];
  const values = [...parts.slice(0, inputs.length - 1), parts.slice(inputs.length - 1).join(", ")];
  return values.map((value, i) => {
    const type = (inputs[i] as AbiParameter).type;
    if (/^u?int\d*$/.test(type) && /^-?\d+$/.test(value)) return BigInt(value);
    if (type === "bool") return value === "true";
    return value;
  });
}

/**
 * The refusal in `failure`: a viem error (a reverted call or simulation, decoded or not), revert data `0x…`, or the
 * relayer's reason for a failed request (its status's `error`); null when it is no refusal (a network failure...).
 */
export function refusalOf(failure: unknown): Refusal | null {
  if (typeof failure === "string") {
    const text = failure.trim();
    return isHex(text, { strict: true }) && text.length >= 10 ? fromData(text) : fromText(text);
  }
  if (failure instanceof BaseError) {
    const revert = failure.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const error = revert.data ? byName.get(revert.data.errorName) : undefined;
      if (error && revert.data) return { error, args: revert.data.args ?? [] };
      if (revert.raw) return fromData(revert.raw);
      if (revert.signature) return fromData(revert.signature);
      return { error: null };
    }
    // A node's or a wallet's answer with the revert data but no ABI to read it with (RawContractError and kin).
    const withData = failure.walk((e) => isHex((e as { data?: unknown }).data, { strict: true }));
    const data = (withData as { data?: unknown } | null)?.data;
    if (typeof data === "string" && isHex(data) && data.length >= 10) return fromData(data);
    return fromText(`${failure.shortMessage}\n${failure.details}`);
  }
  return failure instanceof Error ? fromText(failure.message) : null;
}

/** A refusal as a sentence in `language`, its arguments formatted for a reader. */
export function describeRefusal(refusal: Refusal, language: Language): string {
  const sentences: Readonly<Record<string, string>> = CONTRACT_SENTENCES[language];
  if (refusal.error === null) return API_SENTENCES[language].Reverted;
  const text = sentences[refusal.error.name];
  return text === undefined
    ? API_SENTENCES[language].Reverted
    : interpolate(text, formatArgs(refusal.error, refusal.args, language));
}

/** The sentence for a failed transaction or relay request; null when `failure` is no refusal by a contract. */
export function describeRevert(failure: unknown, language: Language): string | null {
  const refusal = refusalOf(failure);
  return refusal && describeRefusal(refusal, language);
}

type Kind = "id" | "time" | "bps" | "number" | "address" | "country" | "hex" | "text";

/** Inputs whose name says what they hold, across the contracts. */
const ID_NAMES = new Set(["workId", "parentId", "tokenId", "grantId", "parentGrantId"]);
const TIME_NAMES = new Set([
  "timestamp",
  "deadline",
  "maturity",
  "committedAt",
  "registeredAt",
  "closedAt",
  "anchoredAt",
  "expiry",
  "start",
  "end",
  "earliest",
]);
const BPS_NAMES = new Set(["bps", "royaltyBps", "feeBps", "totalBps"]);
/** Inputs whose name alone does not say it: a cap or a total in basis points. */
const KINDS: Readonly<Record<string, Kind>> = {
  "RoyaltyTooHigh.max": "bps",
  "FeeTooHigh.max": "bps",
  "InvalidShares.total": "bps",
};

function kindOf(error: string, input: AbiParameter): Kind {
  const name = input.name ?? "";
  const kind = KINDS[`${error}.${name}`];
  if (kind) return kind;
  if (/^u?int\d*$/.test(input.type)) {
    if (ID_NAMES.has(name)) return "id";
    if (TIME_NAMES.has(name)) return "time";
    if (BPS_NAMES.has(name)) return "bps";
    return "number";
  }
  if (input.type === "address") return "address";
  if (input.type === "bytes2") return "country";
  if (input.type.startsWith("bytes")) return "hex";
  return "text";
}

const short = (hex: string, head: number) => (hex.length > head + 6 ? `${hex.slice(0, head)}…${hex.slice(-4)}` : hex);

/** One argument for a reader: works and licences by their short fingerprint, times as dates, shares as percentages. */
export function formatArg(error: string, input: AbiParameter, value: unknown, language: Language): string {
  const locale = localeOf(language);
  const kind = kindOf(error, input);
  const integer = typeof value === "bigint" ? value : typeof value === "number" ? BigInt(Math.trunc(value)) : null;
  if (integer !== null) {
    if (kind === "id") return short(`0x${integer.toString(16).padStart(64, "0")}`, 8);
    if (kind === "time") {
      const date = new Date(Number(integer) * 1000);
      if (!Number.isNaN(date.getTime())) {
        return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
      }
    }
    if (kind === "bps") {
      return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 }).format(
        Number(integer) / 10_000,
      );
    }
    return new Intl.NumberFormat(locale).format(integer);
  }
  const text = String(value);
  if (kind === "address") return short(text, 6);
  if (kind === "country" && /^0x[0-9a-f]{4}$/i.test(text)) {
    const letters = String.fromCharCode(Number.parseInt(text.slice(2, 4), 16), Number.parseInt(text.slice(4, 6), 16));
    return /^[A-Z]{2}$/.test(letters) ? letters : text;
  }
  if (kind === "hex") return short(text, 8);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** An error's arguments by their input names, formatted for `{{name}}` in its sentence. */
export function formatArgs(error: AbiError, args: readonly unknown[], language: Language): Record<string, string> {
  const values: Record<string, string> = {};
  error.inputs.forEach((input, i) => {
    if (input.name && i < args.length) values[input.name] = formatArg(error.name, input, args[i], language);
  });
  return values;
}
