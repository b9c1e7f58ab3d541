/** How a page of the ledger's events becomes rows: loaded, applied in memory, written in one statement per table. */
import type { Sql, Statement } from "../db/database.ts";
import { argsJson, type ChainEvent, type Source } from "./decode.ts";
import { exchangeProjectors } from "./exchange-projector.ts";
import { ledgerProjectors } from "./ledger-projector.ts";
import { paymentsProjectors } from "./payments-projector.ts";
import { type KeyContext, type PageState, type Projectors, type Registrations, ZERO } from "./projector.ts";
import { registryProjectors } from "./registry-projector.ts";
import { facts, factTables, type ThingTable, things, undoTable } from "./schema.ts";
import type { Row, Table } from "./tables.ts";

/**
 * Tables of things (works, offers, grants, listings, balances...) hold the current state: a page loads the rows its
 * events touch in one statement per table, applies the events in memory, and writes the changed rows back in one
 * statement per table, recording their pre-images when the page is not final yet. Tables of facts (transfers,
 * payments, sales, balance movements, priority claims, the event log) are appended. What each event does is in its
 * contract's projectors (`registry-projector.ts`, `ledger-projector.ts`, `exchange-projector.ts`,
 * `payments-projector.ts`).
 */

/** The whole of the small tables (fee settings, currencies), carried from page to page. */
export type SmallTables = Map<ThingTable, Row[]>;

/**
 * What a page leaves for the next one: the small tables whole, and every row it read or changed (null: no such row),
 * as it left them. Rows are never changed in place (a change makes a new row), so the next page can share them.
 */
export type Carried = { small: SmallTables; rows: ReadonlyMap<ThingTable, ReadonlyMap<string, Row | null>> };

const SMALL: readonly ThingTable[] = [things.settings, things.currencies];

/** Each contract's projectors by event name. */
const PROJECTORS: Record<Source, Projectors> = {
  registry: registryProjectors,
  ledger: { ...ledgerProjectors, ...paymentsProjectors("ledger") },
  exchange: { ...exchangeProjectors, ...paymentsProjectors("exchange") },
};

/**
 * Events whose every field is in a typed table (works, transfers, offers, purchases, sales, balance movements):
 * the event log keeps only their position and name, not a second copy of their arguments. They are the bulk of the
 * ledger, and writing their arguments twice cost more than everything else the indexer does. Every other event keeps
 * its decoded arguments in the log.
 */
export const CARRIED: ReadonlySet<string> = new Set([
  "Transfer",
  "WorkRegistered",
  "TitleTransferred",
  "OfferCreated",
  "LicencePurchased",
  "Withdrawn",
  "WorkSold",
]);

/**
 * The tables whose row (the event's own key in that table) an event creates: a new work, offer, grant, split or
 * royalty edge.
 */
const CREATES: Readonly<Record<string, readonly string[]>> = {
  WorkRegistered: ["works"],
  OfferCreated: ["licence_offers"],
  LicencePurchased: ["licence_grants"],
  SublicenceIssued: ["licence_grants", "licence_offers"],
  SplitsSet: ["revenue_splits"],
  DerivativeLicensed: ["royalty_edges"],
};

/**
 * Applies one page of events to the state tables in memory: create it, {@link plan} (and {@link load} what memory does
 * not know), {@link apply}, then write its {@link statements}.
 */
export class PageProjection {
  readonly #chain: number;
  readonly #events: readonly ChainEvent[];
  /** Current rows by table and key; null: no such row. */
  readonly #rows = new Map<ThingTable, Map<string, Row | null>>();
  /** Rows as they were before the page, for the tables and keys the page changed. */
  readonly #before = new Map<ThingTable, Map<string, Row | null>>();
  readonly #facts = new Map<Table, Row[]>();
  readonly #times = new Map<string, number>();
  /** Each DerivativeLicensed's position among its work's. */
  readonly #edgeIndexes = new Map<ChainEvent, number>();
  /** The rows {@link plan} could not take from memory, by table and key. */
  readonly #missing = new Map<ThingTable, Map<string, Row>>();
  #smallMissing = true;
  /** What the projectors read and change (see {@link PageState}). */
  readonly #state: PageState;

  constructor(chainId: number, events: readonly ChainEvent[]) {
    this.#chain = chainId;
    this.#events = events;
    for (const table of Object.values(things)) this.#rows.set(table, new Map());
    for (const table of factTables) this.#facts.set(table, []);
    // Every event of a transaction shares its block's time: events without one (ERC standard events) take it from
    // a Titlechain event of the same transaction; a direct registration carries it as `registeredAt`.
    const edges = new Map<string, number>();
    for (const e of events) {
      const t = e.args["timestamp"];
      if (t !== undefined && !this.#times.has(e.txHash)) this.#times.set(e.txHash, Number(t));
      if (e.name === "DerivativeLicensed") {
        // A derivative's edges all come in the transaction that registers it, so in one page.
        const work = String(e.args["workId"]);
        const index = edges.get(work) ?? 0;
        edges.set(work, index + 1);
        this.#edgeIndexes.set(e, index);
      }
    }
    for (const e of events) {
      if (e.name === "WorkRegistered" && !this.#times.has(e.txHash)) {
        this.#times.set(e.txHash, Number(e.args["registeredAt"]));
      }
    }
    this.#state = this.#pageState();
  }

  /**
   * Takes every row the page's events read or change that memory knows: the fee settings and currencies and the rows
   * the page before left (`carried`, what {@link carried} returned for it), and the rows this page creates. Returns
   * whether some must still be read from the database ({@link load}).
   */
  plan(carried?: Carried | null): boolean {
    const rowsOf = (table: ThingTable) => this.#rows.get(table) as Map<string, Row | null>;
    const smallKnown = carried?.small !== undefined;
    for (const table of SMALL) if (carried) this.#keep(table, carried.small.get(table) ?? []);
    const treasuries = new Set<string>();
    for (const row of rowsOf(things.settings).values()) if (row) treasuries.add(String(row["treasury"]));
    for (const e of this.#events) if (e.name === "PlatformFeeChanged") treasuries.add(String(e.args["treasury"]));
    const context: KeyContext = { chain: String(this.#chain), treasuries, edgeIndex: (e) => this.#edgeIndex(e) };
    // A row that an event of this page creates, before any other event of the page asks for it, cannot be in the
    // database (its id is new on chain, and every page commits whole): it is not looked up.
    this.#missing.clear();
    for (const e of this.#events) {
      const creates = CREATES[e.name];
      const keys = PROJECTORS[e.source][e.name]?.keys(e, context) ?? [];
      for (const [table, key] of keys) {
        const rows = rowsOf(table);
        const k = table.keyOf(key);
        if (rows.has(k) || SMALL.includes(table)) continue;
        const before = carried?.rows.get(table)?.get(k);
        if (before !== undefined) rows.set(k, before);
        else if (creates?.includes(table.name)) rows.set(k, null);
        else {
          const missing = this.#missing.get(table) ?? new Map<string, Row>();
          this.#missing.set(table, missing);
          missing.set(k, key);
        }
      }
    }
    this.#smallMissing = !smallKnown;
    return this.#smallMissing || this.#missing.size > 0;
  }

  /** Reads what {@link plan} found missing: one statement per table. */
  async load(sql: Sql): Promise<void> {
    if (this.#smallMissing) {
      for (const table of SMALL) this.#keep(table, await table.loadChain(sql, this.#chain));
      this.#smallMissing = false;
      // The treasuries come with the fee settings: plan again for their balances.
      this.plan({ small: this.small(), rows: new Map() });
    }
    for (const [table, keys] of this.#missing) {
      this.#keep(table, await table.load(sql, [...keys.values()]));
      const rows = this.#rows.get(table) as Map<string, Row | null>;
      for (const k of keys.keys()) if (!rows.has(k)) rows.set(k, null);
    }
    this.#missing.clear();
  }

  /** The fee settings and currencies after the page. */
  small(): SmallTables {
    const small: SmallTables = new Map();
    for (const table of SMALL) {
      const rows = this.#rows.get(table) as Map<string, Row | null>;
      small.set(
        table,
        [...rows.values()].filter((r): r is Row => r !== null),
      );
    }
    return small;
  }

  /**
   * Every row the page read or changed, as the page left it, for the next page's {@link plan}; but not the works,
   * whose metadata columns the metadata fetcher also writes: the next page reads those again.
   */
  carried(): Carried {
    const rows = new Map(this.#rows);
    for (const table of [...SMALL, things.works]) rows.delete(table);
    return { small: this.small(), rows };
  }

  /**
   * The work an event concerns: its `workId`, the registry token's id, or the work of the licence grant it names (a
   * grant the page created or loaded; every ledger event naming a grant loads it, and the ERC-1155 events come in the
   * same transaction as one). Null for events of no work (currencies, fees, commitments, batches, withdrawals).
   */
  #workOf(e: ChainEvent): string | null {
    const a = e.args;
    if (a["workId"] !== undefined) return String(a["workId"]);
    if (e.source === "registry") return a["tokenId"] !== undefined ? String(a["tokenId"]) : null;
    const grant = a["grantId"] ?? (e.source === "ledger" ? a["id"] : undefined);
    if (grant === undefined) return null;
    const key = things.grants.keyOf({ chain_id: String(this.#chain), grant_id: String(grant) });
    const row = this.#rows.get(things.grants)?.get(key);
    return row ? String(row["work_id"]) : null;
  }

  #keep(table: ThingTable, rows: readonly Row[]): void {
    const map = this.#rows.get(table) as Map<string, Row | null>;
    for (const row of rows) map.set(table.keyOf(row), row);
  }

  /** Applies every event in chain order. */
  apply(): void {
    for (const e of this.#events) PROJECTORS[e.source][e.name]?.apply(e, this.#state);
  }

  /**
   * The statements that write the page: facts appended, changed rows inserted, replaced or deleted, and (for a page
   * that is not final) their pre-images recorded under `undoPage`. Built apart from running them, so that the next
   * page can be projected while the database writes this one.
   */
  statements(undoPage: bigint | null): Statement[] {
    // Each transaction with its events, which come in log order.
    const txs: Row[] = [];
    const args: string[][] = [];
    let tx: Row | undefined;
    let last: ChainEvent | undefined;
    for (const e of this.#events) {
      if (!tx || e.block !== last?.block || e.txIndex !== last.txIndex) {
        args.push([]);
        tx = {
          chain_id: this.#chain,
          block_number: e.block,
          tx_index: e.txIndex,
          tx_hash: e.txHash,
          block_hash: e.blockHash,
          timestamp: this.#times.get(e.txHash) ?? null,
          log_indexes: [],
          contracts: [],
          event_contracts: [],
          names: [],
          event_names: [],
          event_works: [],
        };
        txs.push(tx);
      }
      (tx["log_indexes"] as number[]).push(e.logIndex);
      (tx["event_contracts"] as number[]).push(positionIn(tx["contracts"] as string[], e.contract));
      (tx["event_names"] as number[]).push(positionIn(tx["names"] as string[], e.name));
      (tx["event_works"] as (string | null)[]).push(this.#workOf(e));
      (args.at(-1) as string[]).push(CARRIED.has(e.name) ? "null" : argsJson(e.args));
      last = e;
    }
    for (const [i, row] of txs.entries()) row["args"] = `[${(args[i] as string[]).join(",")}]`;
    const statements = [facts.transactions.insert(txs)];
    for (const [table, rows] of this.#facts) statements.push(table.insert(rows));
    const undo: Row[] = [];
    for (const [table, before] of this.#before) {
      const rows = this.#rows.get(table) as Map<string, Row | null>;
      // A row that was not there before the page is inserted; one that was, replaced (or deleted).
      const inserts: Row[] = [];
      const upserts: Row[] = [];
      const deletes: Row[] = [];
      // What undoes the page: the keys of the rows it created, and the rows it changed or deleted as they were.
      const created: Row[] = [];
      const prior: Row[] = [];
      for (const [k, old] of before) {
        const now = rows.get(k) ?? null;
        if (now) (old ? upserts : inserts).push(now);
        else if (old) deletes.push(old);
        if (undoPage === null) continue;
        if (old) prior.push(old);
        else if (now) created.push(Object.fromEntries(table.key.map((c) => [c, now[c]])));
      }
      if (created.length > 0 || prior.length > 0) {
        undo.push({ chain_id: this.#chain, page_to: undoPage, tbl: table.name, created, prior });
      }
      statements.push(table.insert(inserts), table.insert(upserts, true), table.delete(deletes));
    }
    statements.push(undoTable.insert(undo));
    return statements.filter((s): s is Statement => s !== null);
  }

  #edgeIndex(e: ChainEvent): number {
    const index = this.#edgeIndexes.get(e);
    if (index === undefined) throw new Error(`${e.name} at block ${e.block} is not a DerivativeLicensed of this page`);
    return index;
  }

  #get(table: ThingTable, key: Row): Row | null {
    const k = table.keyOf(key);
    const rows = this.#rows.get(table) as Map<string, Row | null>;
    const row = rows.get(k);
    if (row === undefined) {
      // The fee settings and currencies are loaded whole: a row not there does not exist.
      if (table === things.settings || table === things.currencies) return null;
      throw new Error(`${table.name} ${k} was not loaded for this page`);
    }
    return row;
  }

  #must(table: ThingTable, key: Row): Row {
    const row = this.#get(table, key);
    if (!row) throw new Error(`${table.name} ${table.keyOf(key)} is not in the mirror`);
    return row;
  }

  #set(table: ThingTable, row: Row | null, key: Row = row as Row): void {
    const k = table.keyOf(key);
    const rows = this.#rows.get(table) as Map<string, Row | null>;
    const before = this.#before.get(table) ?? new Map<string, Row | null>();
    this.#before.set(table, before);
    if (!before.has(k)) before.set(k, rows.get(k) ?? null);
    rows.set(k, row);
  }

  /** The page as its events' projectors see it. */
  #pageState(): PageState {
    const chain = String(this.#chain);
    const registrations: Registrations = { mints: new Map(), parents: new Map(), owingRoyalties: new Set() };
    return {
      chain,
      registrations,
      edgeIndex: (e) => this.#edgeIndex(e),
      time: (e) => this.#times.get(e.txHash) ?? null,
      get: (table, key) => this.#get(table, key),
      must: (table, key) => this.#must(table, key),
      set: (table, row, key) => this.#set(table, row, key),
      update: (table, key, changes) => this.#set(table, { ...this.#must(table, key), ...changes }),
      fact: (table, row) => (this.#facts.get(table) as Row[]).push(row),
      facts: (table) => this.#facts.get(table) as Row[],
      credit: (e, seq, account, currency, amount, reason, movement) => {
        if (amount === 0n) return;
        const key = { chain_id: chain, contract: e.contract, account, currency };
        const row = this.#get(things.balances, key);
        this.#set(things.balances, { ...key, owed: (BigInt(String(row?.["owed"] ?? 0)) + amount).toString() });
        (this.#facts.get(facts.movements) as Row[]).push({
          chain_id: this.#chain,
          block_number: e.block,
          log_index: e.logIndex,
          seq,
          contract: e.contract,
          account,
          currency,
          amount,
          reason,
          work_id: e.args["workId"] ?? null,
          withdrawn_by: null,
          timestamp: this.#times.get(e.txHash),
          ...movement,
        });
      },
      treasury: (contract) => {
        const row = this.#get(things.settings, { chain_id: chain, contract });
        return row ? String(row["treasury"]) : ZERO;
      },
    };
  }
}

/** The position (from 1) of `value` in a transaction's short list of distinct values, added at its end if new. */
function positionIn(list: string[], value: string): number {
  const at = list.indexOf(value);
  return at >= 0 ? at + 1 : list.push(value);
}
