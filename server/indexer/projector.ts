/** What projecting one event means: the rows it touches, and what it does to them on a page (see PageProjection). */
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { hexToBytes } from "viem";
import type { ChainEvent } from "./decode.ts";
import { type ThingTable, things } from "./schema.ts";
import type { Row, Table } from "./tables.ts";

export const ZERO = "0x0000000000000000000000000000000000000000";
/** `type(uint40).max`: the contracts' "perpetual". */
export const FOREVER = 2 ** 40 - 1;

/** A row of a table of things, by its key columns. */
export type Key = [ThingTable, Row];

/** The chain of a page, its id as the key columns hold it. */
export type OnChain = { readonly chain: string };

/** What an event's keys may depend on besides the event: the page's chain, and what the page knows. */
export type KeyContext = OnChain & {
  /** Every treasury of a paying contract the page knows (their balances take fees). */
  readonly treasuries: ReadonlySet<string>;
  /** The position of a `DerivativeLicensed` among its work's (they all come in the transaction that registers it). */
  edgeIndex(e: ChainEvent): number;
};

/**
 * What a registration picks up from the events before it in its transaction: the mint (`Transfer` from zero) names the
 * holder, `WorkDerived` the parents, `DerivativeLicensed` whether the work owes royalties. By work id.
 */
export type Registrations = {
  readonly mints: Map<string, string>;
  readonly parents: Map<string, string[]>;
  readonly owingRoyalties: Set<string>;
};

/** A page's rows and facts in memory, as an event's projection reads and changes them. */
export interface PageState extends OnChain {
  /** See {@link KeyContext}. */
  edgeIndex(e: ChainEvent): number;
  /** The time of the event's block (every event of a transaction shares it). */
  time(e: ChainEvent): number | null;
  /** The row with `key` as the page has it now (null: none); it must be among the rows the page loaded. */
  get(table: ThingTable, key: Row): Row | null;
  /** The row, which must exist: the chain never changes what it has not created. */
  must(table: ThingTable, key: Row): Row;
  /** Replaces (null: deletes) the row with the key of `row` (or `key`). */
  set(table: ThingTable, row: Row | null, key?: Row): void;
  /** The row with `changes` made. */
  update(table: ThingTable, key: Row, changes: Row): void;
  /** Appends a fact. */
  fact(table: Table, row: Row): void;
  /** The facts of `table` the page has appended so far. */
  facts(table: Table): Row[];
  /**
   * Credits `amount` (negative: a withdrawal) to what the event's contract owes `account`, and records the movement;
   * `movement` sets its other columns (the work, who withdrew). Nothing for zero.
   */
  credit(
    e: ChainEvent,
    seq: number,
    account: string,
    currency: string,
    amount: bigint,
    reason: string,
    movement?: Row,
  ): void;
  /** The treasury a paying contract credits fees to (zero when it has none). */
  treasury(contract: string): string;
  readonly registrations: Registrations;
}

/** The projection of one kind of event: the rows it touches (loaded before the page is applied), and its effect. */
export type Projector = {
  keys(e: ChainEvent, k: KeyContext): Key[];
  apply(e: ChainEvent, page: PageState): void;
};

/** Projectors by event name. An event without one is kept in the event log only. */
export type Projectors = Readonly<Record<string, Projector>>;

/** The works row of `workId`. */
export function workKey(k: OnChain, workId: unknown): Key {
  return [things.works, { chain_id: k.chain, work_id: String(workId) }];
}

/** `ProvenanceRegistry.MAX_PARENTS`: a derivative is licensed from at most this many parents. */
export const MAX_PARENTS = 16;

/** A derivative's `index`-th royalty edge (the parents it was licensed from, in order). */
export function edgeKey(k: OnChain, workId: unknown, index: number): Key {
  return [things.royaltyEdges, { chain_id: k.chain, work_id: String(workId), edge_index: index }];
}

/** The balance `contract` owes `account` in `currency`. */
export function balanceKey(k: OnChain, contract: string, account: unknown, currency: unknown): Key {
  return [things.balances, { chain_id: k.chain, contract, account: String(account), currency: String(currency) }];
}

/** The balances of every treasury the page knows at `contract` (a fee may go to any of them). */
export function feeKeys(k: KeyContext, contract: string, currency: unknown): Key[] {
  return [...k.treasuries].map((t) => balanceKey(k, contract, t, currency));
}

/** The revenue pot of a work's split version in a currency. */
export function potKey(k: OnChain, workId: unknown, version: unknown, currency: unknown): Key {
  return [
    things.pots,
    { chain_id: k.chain, work_id: String(workId), version: Number(version), currency: String(currency) },
  ];
}

/** Adds `amount` to what a revenue pot received (`released` stays). Nothing for zero. */
export function creditPot(page: PageState, workId: unknown, version: unknown, currency: string, amount: bigint): void {
  if (amount === 0n) return;
  const key = potKey(page, workId, version, currency)[1];
  const pot = page.get(things.pots, key);
  page.set(things.pots, {
    ...key,
    received: (BigInt(String(pot?.["received"] ?? 0)) + amount).toString(),
    released: String(pot?.["released"] ?? 0),
  });
}

/**
 * Credits a work's revenue as the ledger does (`LicenceStorage.credit`): to `payee`, or to the split pot of
 * `version` when `payee` is zero.
 */
export function creditRevenue(
  page: PageState,
  e: ChainEvent,
  seq: number,
  revenue: { workId: unknown; payee: unknown; version: unknown; currency: string; amount: bigint; reason: string },
): void {
  if (revenue.payee !== ZERO) {
    page.credit(e, seq, String(revenue.payee), revenue.currency, revenue.amount, revenue.reason, {
      work_id: revenue.workId,
    });
  } else {
    creditPot(page, revenue.workId, revenue.version, revenue.currency, revenue.amount);
  }
}

/** The registry's encumbrance count after one more (a uint24 that wraps). */
export function encumbered(work: Row): number {
  return (Number(work["encumbrances"]) + 1) % 2 ** 24;
}

/** The base32 CIDv1 of the (codec, sha2-256 digest) pair the registry's events carry. */
export function cidOf(codec: number, digest: string): string {
  return CID.create(1, codec, createDigest(0x12, hexToBytes(digest as `0x${string}`))).toString();
}
