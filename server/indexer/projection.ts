import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { hexToBytes } from "viem";
import type { Sql, Statement } from "../db/database.ts";
import { argsJson, type ChainEvent } from "./decode.ts";
import { type Row, Table } from "./tables.ts";

/**
 * How the ledger's events become rows. Tables of things (works, offers, grants, listings, balances...) hold the current
 * state: a page loads the rows its events touch in one statement per table, applies the events in memory, and writes
 * the changed rows back in one statement per table, recording their pre-images when the page is not final yet.
 * Tables of facts (transfers, payments, sales, balance movements, the event log) are appended.
 */

export const ZERO = "0x0000000000000000000000000000000000000000";
/** `type(uint40).max`: the contracts' "perpetual". */
export const FOREVER = 2 ** 40 - 1;

export const things = {
  works: new Table(
    "works",
    ["chain_id", "work_id"],
    [
      ["chain_id", "bigint"],
      ["work_id", "numeric"],
      ["content_hash", "text"],
      ["creator", "text"],
      ["owner", "text"],
      ["registered_at", "time"],
      ["royalty_receiver", "text"],
      ["royalty_bps", "int"],
      ["parents", "jsonb"],
      ["metadata_cid", "text"],
      ["registered_metadata_cid", "text"],
      ["pledged", "bool"],
      ["pledgee", "text"],
      ["pledge_maturity", "time"],
      ["licence_consent", "text"],
      ["disputed", "bool"],
      ["moves", "int"],
      ["pledges", "int"],
      ["block_number", "bigint"],
      ["metadata_status", "text"],
      ["metadata_error", "text"],
      ["metadata_attempts", "int"],
      ["metadata_retry_at", "time"],
    ],
  ),
  offers: new Table(
    "licence_offers",
    ["chain_id", "work_id", "offer_index"],
    [
      ["chain_id", "bigint"],
      ["work_id", "numeric"],
      ["offer_index", "int"],
      ["licensor", "text"],
      ["kind", "int"],
      ["status", "int"],
      ["uses", "int"],
      ["fields", "int"],
      ["transferable", "bool"],
      ["territory", "jsonb"],
      ["supply", "int"],
      ["sold", "int"],
      ["start_at", "bigint"],
      ["terms_start", "bigint"],
      ["end_at", "bigint"],
      ["duration", "bigint"],
      ["currency", "text"],
      ["price", "numeric"],
      ["moves", "int"],
      ["terms_hash", "text"],
      ["derivative_royalty_bps", "int"],
      ["text_hash", "text"],
      ["text_cid", "text"],
      ["parent_grant_id", "numeric"],
      ["created_at", "time"],
    ],
  ),
  grants: new Table(
    "licence_grants",
    ["chain_id", "grant_id"],
    [
      ["chain_id", "bigint"],
      ["grant_id", "numeric"],
      ["work_id", "numeric"],
      ["offer_index", "int"],
      ["serial", "int"],
      ["holder", "text"],
      ["start_at", "bigint"],
      ["end_at", "bigint"],
      ["state", "int"],
      ["transferable", "bool"],
      ["parent_grant_id", "numeric"],
      ["granted_at", "time"],
    ],
  ),
  splits: new Table(
    "revenue_splits",
    ["chain_id", "work_id", "version"],
    [
      ["chain_id", "bigint"],
      ["work_id", "numeric"],
      ["version", "int"],
      ["owner", "text"],
      ["payees", "jsonb"],
      ["set_at", "time"],
    ],
  ),
  pots: new Table(
    "revenue_pots",
    ["chain_id", "work_id", "version", "currency"],
    [
      ["chain_id", "bigint"],
      ["work_id", "numeric"],
      ["version", "int"],
      ["currency", "text"],
      ["received", "numeric"],
      ["released", "numeric"],
    ],
  ),
  listings: new Table(
    "listings",
    ["chain_id", "work_id"],
    [
      ["chain_id", "bigint"],
      ["work_id", "numeric"],
      ["seller", "text"],
      ["currency", "text"],
      ["price", "numeric"],
      ["expiry", "bigint"],
      ["moves", "int"],
      ["pledges", "int"],
      ["listed_at", "time"],
    ],
  ),
  bids: new Table(
    "bids",
    ["chain_id", "work_id", "bidder"],
    [
      ["chain_id", "bigint"],
      ["work_id", "numeric"],
      ["bidder", "text"],
      ["currency", "text"],
      ["amount", "numeric"],
      ["expiry", "bigint"],
      ["placed_at", "time"],
    ],
  ),
  balances: new Table(
    "balances",
    ["chain_id", "contract", "account", "currency"],
    [
      ["chain_id", "bigint"],
      ["contract", "text"],
      ["account", "text"],
      ["currency", "text"],
      ["owed", "numeric"],
    ],
    "account",
  ),
  settings: new Table(
    "payment_settings",
    ["chain_id", "contract"],
    [
      ["chain_id", "bigint"],
      ["contract", "text"],
      ["treasury", "text"],
      ["fee_bps", "int"],
    ],
  ),
  currencies: new Table(
    "currencies",
    ["chain_id", "contract", "currency_id"],
    [
      ["chain_id", "bigint"],
      ["contract", "text"],
      ["currency_id", "int"],
      ["token", "text"],
      ["allowed", "bool"],
    ],
  ),
} as const;

export type ThingTable = (typeof things)[keyof typeof things];

export const facts = {
  transactions: new Table(
    "chain_transactions",
    ["chain_id", "block_number", "tx_index"],
    [
      ["chain_id", "bigint"],
      ["block_number", "bigint"],
      ["tx_index", "int"],
      ["tx_hash", "text"],
      ["block_hash", "text"],
      ["timestamp", "time"],
      // The event log: the transaction's events in log order (the view chain_events has one row for each), each
      // event's contract and name as its position (from 1) in the transaction's lists of distinct contracts and names,
      // their arguments one JSON array.
      ["log_indexes", "int[]"],
      ["contracts", "text[]"],
      ["event_contracts", "int[]"],
      ["names", "text[]"],
      ["event_names", "int[]"],
      ["args", "jsonText"],
    ],
  ),
  titleTransfers: new Table(
    "title_transfers",
    ["chain_id", "block_number", "log_index"],
    [
      ["chain_id", "bigint"],
      ["block_number", "bigint"],
      ["log_index", "int"],
      ["tx_hash", "text"],
      ["work_id", "numeric"],
      ["from_address", "text"],
      ["to_address", "text"],
      ["deed_hash", "text"],
      ["deed_cid", "text"],
      ["timestamp", "time"],
    ],
  ),
  licencePayments: new Table(
    "licence_payments",
    ["chain_id", "block_number", "log_index"],
    [
      ["chain_id", "bigint"],
      ["block_number", "bigint"],
      ["log_index", "int"],
      ["grant_id", "numeric"],
      ["work_id", "numeric"],
      ["kind", "text"],
      ["payer", "text"],
      ["currency", "text"],
      ["price", "numeric"],
      ["fee", "numeric"],
      ["split_version", "int"],
      ["payee", "text"],
      ["end_at", "bigint"],
      ["timestamp", "time"],
    ],
  ),
  workSales: new Table(
    "work_sales",
    ["chain_id", "block_number", "log_index"],
    [
      ["chain_id", "bigint"],
      ["block_number", "bigint"],
      ["log_index", "int"],
      ["work_id", "numeric"],
      ["seller", "text"],
      ["buyer", "text"],
      ["by_bid", "bool"],
      ["currency", "text"],
      ["price", "numeric"],
      ["royalty_receiver", "text"],
      ["royalty", "numeric"],
      ["fee", "numeric"],
      ["timestamp", "time"],
    ],
  ),
  movements: new Table(
    "balance_movements",
    ["chain_id", "block_number", "log_index", "seq"],
    [
      ["chain_id", "bigint"],
      ["block_number", "bigint"],
      ["log_index", "int"],
      ["seq", "int"],
      ["contract", "text"],
      ["account", "text"],
      ["currency", "text"],
      ["amount", "numeric"],
      ["reason", "text"],
      ["work_id", "numeric"],
      ["timestamp", "time"],
    ],
  ),
} as const;

/** Every table a rollback deletes facts from by block number. */
export const factTables = Object.values(facts);

type Key = [ThingTable, Row];

/** The whole of the small tables (fee settings, currencies), carried from page to page. */
export type SmallTables = Map<ThingTable, Row[]>;

/**
 * What a page leaves for the next one: the small tables whole, and every row it read or changed (null: no such row),
 * as it left them. Rows are never changed in place (a change makes a new row), so the next page can share them.
 */
export type Carried = { small: SmallTables; rows: ReadonlyMap<ThingTable, ReadonlyMap<string, Row | null>> };

const SMALL: readonly ThingTable[] = [things.settings, things.currencies];

/**
 * Events whose every field is in a typed table (works, transfers, offers, grants, payments, sales, balance movements):
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
  "SublicenceIssued",
  "Withdrawn",
  "WorkSold",
]);

/** The tables whose row (the event's own key in that table) an event creates: a new work, offer, grant or split. */
const CREATES: Readonly<Record<string, readonly string[]>> = {
  WorkDerived: ["works"],
  WorkRegistered: ["works"],
  OfferCreated: ["licence_offers"],
  LicencePurchased: ["licence_grants"],
  SublicenceIssued: ["licence_grants", "licence_offers"],
  SplitsSet: ["revenue_splits"],
};

/**
 * Applies one page of events to the state tables in memory. Create it, `prepare()` (loads every row the events touch),
 * `apply()`, then `write()`.
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
  /** The rows {@link plan} could not take from memory, by table and key. */
  readonly #missing = new Map<ThingTable, Map<string, Row>>();
  #smallMissing = true;

  constructor(chainId: number, events: readonly ChainEvent[]) {
    this.#chain = chainId;
    this.#events = events;
    for (const table of Object.values(things)) this.#rows.set(table, new Map());
    for (const table of factTables) this.#facts.set(table, []);
    // Every event of a transaction shares its block's time: events without one (ERC standard events) take it from
    // a Titlechain event of the same transaction; a direct registration carries it as `registeredAt`.
    for (const e of events) {
      const t = e.args["timestamp"];
      if (t !== undefined && !this.#times.has(e.txHash)) this.#times.set(e.txHash, Number(t));
    }
    for (const e of events) {
      if (e.name === "WorkRegistered" && !this.#times.has(e.txHash)) {
        this.#times.set(e.txHash, Number(e.args["registeredAt"]));
      }
    }
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
    // A row that an event of this page creates, before any other event of the page asks for it, cannot be in the
    // database (its id is new on chain, and every page commits whole): it is not looked up.
    this.#missing.clear();
    for (const e of this.#events) {
      const creates = CREATES[e.name];
      for (const [table, key] of this.#keysOf(e, treasuries)) {
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

  #keep(table: ThingTable, rows: readonly Row[]): void {
    const map = this.#rows.get(table) as Map<string, Row | null>;
    for (const row of rows) map.set(table.keyOf(row), row);
  }

  /** The rows an event reads or changes (besides fee settings and currencies, always loaded). */
  #keysOf(e: ChainEvent, treasuries: ReadonlySet<string>): Key[] {
    const a = e.args;
    const chain = String(this.#chain);
    const work = (id = a["workId"]): Key => [things.works, { chain_id: chain, work_id: String(id) }];
    const grant = (id = a["grantId"]): Key => [things.grants, { chain_id: chain, grant_id: String(id) }];
    const offer = (index = a["offerIndex"]): Key => [
      things.offers,
      { chain_id: chain, work_id: String(a["workId"]), offer_index: Number(index) },
    ];
    const balance = (account: unknown, currency = a["currency"]): Key => [
      things.balances,
      { chain_id: chain, contract: e.contract, account: String(account), currency: String(currency) },
    ];
    const fees = () => [...treasuries].map((t) => balance(t));
    switch (e.name) {
      case "WorkRegistered":
      case "WorkDerived":
      case "TitleTransferred":
      case "MetadataChanged":
      case "WorkPledged":
      case "PledgeReleased":
      case "PledgeForeclosed":
      case "DisputeFlagged":
      case "DisputeCleared":
      case "PledgeeConsentSet":
        return [work()];
      case "OfferCreated":
        return [work(), offer()];
      case "OfferRepriced":
      case "OfferStatusChanged":
        return [offer()];
      case "LicencePurchased":
      case "LicenceRenewed": {
        const keys: Key[] = [grant(), ...fees()];
        if (e.name === "LicencePurchased") keys.push(offer());
        if (a["payee"] !== ZERO) keys.push(balance(a["payee"]));
        else keys.push(this.#potKey(a["workId"], a["splitVersion"], a["currency"]));
        return keys;
      }
      case "LicenceTerminated":
      case "LicenceSurrendered":
      case "LicenceTransferred":
        return [grant()];
      case "SublicenceIssued":
        return [grant(), offer()];
      case "SplitsSet":
        return [[things.splits, { chain_id: chain, work_id: String(a["workId"]), version: Number(a["version"]) }]];
      case "RevenueReleased":
        return [balance(a["payee"]), this.#potKey(a["workId"], a["version"], a["currency"])];
      case "Withdrawn":
        return [balance(a["account"])];
      case "WorkListed":
      case "ListingCancelled":
        return [[things.listings, { chain_id: chain, work_id: String(a["workId"]) }]];
      case "BidPlaced":
      case "BidWithdrawn":
        return [[things.bids, { chain_id: chain, work_id: String(a["workId"]), bidder: String(a["bidder"]) }]];
      case "WorkSold":
        return [
          [things.listings, { chain_id: chain, work_id: String(a["workId"]) }],
          [things.bids, { chain_id: chain, work_id: String(a["workId"]), bidder: String(a["buyer"]) }],
          balance(a["seller"]),
          balance(a["royaltyReceiver"]),
          ...fees(),
        ];
      default:
        return [];
    }
  }

  #potKey(workId: unknown, version: unknown, currency: unknown): Key {
    return [
      things.pots,
      { chain_id: String(this.#chain), work_id: String(workId), version: Number(version), currency: String(currency) },
    ];
  }

  /** Applies every event in chain order. */
  apply(): void {
    const mints = new Map<string, string>();
    const parents = new Map<string, string[]>();
    for (const e of this.#events) this.#apply(e, mints, parents);
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

  /** The row, which must exist: the chain never changes what it has not created. */
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

  #update(table: ThingTable, key: Row, changes: Row): void {
    this.#set(table, { ...this.#must(table, key), ...changes });
  }

  #fact(table: Table, row: Row): void {
    (this.#facts.get(table) as Row[]).push(row);
  }

  #credit(e: ChainEvent, seq: number, account: string, currency: string, amount: bigint, reason: string): void {
    if (amount === 0n) return;
    const key = { chain_id: String(this.#chain), contract: e.contract, account, currency };
    const row = this.#get(things.balances, key);
    this.#set(things.balances, { ...key, owed: (BigInt(String(row?.["owed"] ?? 0)) + amount).toString() });
    this.#fact(facts.movements, {
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
      timestamp: this.#times.get(e.txHash),
    });
  }

  #treasury(contract: string): string {
    const row = this.#get(things.settings, { chain_id: String(this.#chain), contract });
    return row ? String(row["treasury"]) : ZERO;
  }

  #apply(e: ChainEvent, mints: Map<string, string>, parents: Map<string, string[]>): void {
    const a = e.args;
    const chain = String(this.#chain);
    const time = this.#times.get(e.txHash) ?? null;
    const workKey = { chain_id: chain, work_id: String(a["workId"]) };
    const grantKey = { chain_id: chain, grant_id: String(a["grantId"]) };
    const offerKey = { chain_id: chain, work_id: String(a["workId"]), offer_index: Number(a["offerIndex"]) };
    switch (e.name) {
      case "Transfer":
        if (a["from"] === ZERO) mints.set(String(a["tokenId"]), String(a["to"]));
        return;
      case "WorkRegistered": {
        const owner = mints.get(String(a["workId"]));
        if (!owner) throw new Error(`WorkRegistered ${a["workId"]} without its mint in block ${e.block}`);
        const metadataCid = cidOf(Number(a["metadataCodec"]), String(a["metadataDigest"]));
        this.#set(things.works, {
          ...workKey,
          content_hash: `0x${(a["workId"] as bigint).toString(16).padStart(64, "0")}`,
          creator: a["creator"],
          owner,
          registered_at: Number(a["registeredAt"]),
          royalty_receiver: a["royaltyReceiver"],
          royalty_bps: Number(a["royaltyBps"]),
          parents: parents.get(String(a["workId"])) ?? [],
          metadata_cid: metadataCid,
          registered_metadata_cid: metadataCid,
          pledged: false,
          pledgee: null,
          pledge_maturity: null,
          licence_consent: null,
          disputed: false,
          moves: 0,
          pledges: 0,
          block_number: e.block.toString(),
          metadata_status: "pending",
          metadata_error: null,
          metadata_attempts: 0,
          metadata_retry_at: null,
        });
        return;
      }
      case "WorkDerived":
        // Emitted before the mint of the work it describes: the registration picks the parents up.
        parents.set(String(a["workId"]), (a["parents"] as bigint[]).map(String));
        return;
      case "TitleTransferred": {
        const work = this.#must(things.works, workKey);
        this.#update(things.works, workKey, { owner: a["to"], moves: Number(work["moves"]) + 1 });
        this.#fact(facts.titleTransfers, {
          chain_id: chain,
          block_number: e.block,
          log_index: e.logIndex,
          tx_hash: e.txHash,
          work_id: a["workId"],
          from_address: a["from"],
          to_address: a["to"],
          deed_hash: null,
          deed_cid: null,
          timestamp: time,
        });
        return;
      }
      case "AssignmentRecorded": {
        // The deed belongs to the transfer of the same work in the same transaction, just applied.
        const transfers = this.#facts.get(facts.titleTransfers) as Row[];
        const transfer = transfers.findLast((t) => t["tx_hash"] === e.txHash && t["work_id"] === a["workId"]);
        if (!transfer) throw new Error(`AssignmentRecorded ${a["workId"]} without its transfer in block ${e.block}`);
        transfer["deed_hash"] = a["deedHash"];
        transfer["deed_cid"] = a["deedCid"];
        return;
      }
      case "MetadataChanged":
        this.#update(things.works, workKey, {
          metadata_cid: cidOf(Number(a["metadataCodec"]), String(a["metadataDigest"])),
          metadata_status: "pending",
          metadata_error: null,
          metadata_attempts: 0,
          metadata_retry_at: null,
        });
        return;
      case "WorkPledged": {
        const work = this.#must(things.works, workKey);
        this.#update(things.works, workKey, {
          pledged: true,
          pledgee: a["pledgee"],
          pledge_maturity: Number(a["maturity"]),
          pledges: Number(work["pledges"]) + 1,
        });
        return;
      }
      case "PledgeReleased":
      case "PledgeForeclosed":
        this.#update(things.works, workKey, { pledged: false, pledgee: null, pledge_maturity: null });
        return;
      case "DisputeFlagged":
      case "DisputeCleared":
        this.#update(things.works, workKey, { disputed: e.name === "DisputeFlagged" });
        return;
      case "PledgeeConsentSet":
        this.#update(things.works, workKey, { licence_consent: a["allowed"] ? a["pledgee"] : null });
        return;

      // The licence ledger
      case "OfferCreated": {
        const terms = a["terms"] as Record<string, unknown>;
        const work = this.#must(things.works, workKey);
        const start = Number(terms["start"]);
        const end = Number(terms["end"]);
        this.#set(things.offers, {
          ...offerKey,
          licensor: a["licensor"],
          kind: Number(terms["kind"]),
          status: 1,
          uses: Number(terms["uses"]),
          fields: Number(terms["fields"]),
          transferable: terms["transferable"],
          territory: (terms["territory"] as bigint[]).map(String),
          supply: Number(terms["supply"]),
          sold: 0,
          start_at: Math.max(start, Number(a["timestamp"])),
          terms_start: start,
          end_at: end === 0 ? FOREVER : end,
          duration: Number(terms["duration"]),
          currency: terms["currency"],
          price: String(a["price"]),
          moves: Number(work["moves"]),
          terms_hash: a["termsHash"],
          derivative_royalty_bps: Number(terms["derivativeRoyaltyBps"]),
          text_hash: terms["textHash"],
          text_cid: terms["textCid"],
          parent_grant_id: null,
          created_at: time,
        });
        return;
      }
      case "OfferRepriced":
        this.#update(things.offers, offerKey, { price: String(a["price"]) });
        return;
      case "OfferStatusChanged":
        this.#update(things.offers, offerKey, { status: Number(a["status"]), end_at: Number(a["end"]) });
        return;
      case "LicencePurchased":
      case "LicenceRenewed": {
        const purchase = e.name === "LicencePurchased";
        if (purchase) {
          const offer = this.#must(things.offers, offerKey);
          this.#update(things.offers, offerKey, { sold: Number(offer["sold"]) + 1 });
          this.#set(things.grants, {
            ...grantKey,
            work_id: String(a["workId"]),
            offer_index: Number(a["offerIndex"]),
            serial: Number(a["serial"]),
            holder: a["licensee"],
            start_at: Number(a["start"]),
            end_at: Number(a["end"]),
            state: 1,
            transferable: offer["transferable"],
            parent_grant_id: "0",
            granted_at: time,
          });
        } else {
          this.#update(things.grants, grantKey, { end_at: Number(a["end"]) });
        }
        const price = a["price"] as bigint;
        const fee = a["fee"] as bigint;
        const currency = String(a["currency"]);
        this.#credit(e, 0, this.#treasury(e.contract), currency, fee, "fee");
        if (a["payee"] !== ZERO) {
          this.#credit(e, 1, String(a["payee"]), currency, price - fee, purchase ? "licence" : "renewal");
        } else if (price - fee > 0n) {
          const key = this.#potKey(a["workId"], a["splitVersion"], currency)[1];
          const pot = this.#get(things.pots, key);
          this.#set(things.pots, {
            ...key,
            received: (BigInt(String(pot?.["received"] ?? 0)) + price - fee).toString(),
            released: String(pot?.["released"] ?? 0),
          });
        }
        this.#fact(facts.licencePayments, {
          chain_id: chain,
          block_number: e.block,
          log_index: e.logIndex,
          grant_id: a["grantId"],
          work_id: a["workId"],
          kind: purchase ? "purchase" : "renewal",
          payer: purchase ? a["licensee"] : a["payer"],
          currency,
          price,
          fee,
          split_version: Number(a["splitVersion"]),
          payee: a["payee"],
          end_at: Number(a["end"]),
          timestamp: time,
        });
        return;
      }
      case "LicenceTerminated":
      case "LicenceSurrendered": {
        // Ending a grant stops its term now; a term that already ran out stays as it was.
        const grant = this.#must(things.grants, grantKey);
        this.#update(things.grants, grantKey, {
          state: e.name === "LicenceTerminated" ? 2 : 3,
          end_at: Math.min(Number(grant["end_at"]), Number(a["timestamp"])),
        });
        return;
      }
      case "LicenceTransferred":
        this.#update(things.grants, grantKey, { holder: a["to"] });
        return;
      case "SublicenceIssued": {
        const terms = a["terms"] as Record<string, unknown>;
        this.#set(things.offers, {
          ...offerKey,
          licensor: a["licensor"],
          kind: 0,
          status: 3,
          uses: Number(terms["uses"]),
          fields: Number(terms["fields"]),
          transferable: terms["transferable"],
          territory: (terms["territory"] as bigint[]).map(String),
          supply: 1,
          sold: 1,
          start_at: Number(a["start"]),
          terms_start: Number(terms["start"]),
          end_at: Number(a["end"]),
          duration: 0,
          currency: ZERO,
          price: "0",
          moves: 0,
          terms_hash: a["termsHash"],
          derivative_royalty_bps: 0,
          text_hash: terms["textHash"],
          text_cid: terms["textCid"],
          parent_grant_id: String(a["parentGrantId"]),
          created_at: time,
        });
        this.#set(things.grants, {
          ...grantKey,
          work_id: String(a["workId"]),
          offer_index: Number(a["offerIndex"]),
          serial: 1,
          holder: a["licensee"],
          start_at: Number(a["start"]),
          end_at: Number(a["end"]),
          state: 1,
          transferable: terms["transferable"],
          parent_grant_id: String(a["parentGrantId"]),
          granted_at: time,
        });
        return;
      }
      case "SplitsSet":
        this.#set(things.splits, {
          chain_id: chain,
          work_id: String(a["workId"]),
          version: Number(a["version"]),
          owner: a["owner"],
          payees: (a["payees"] as { account: string; shareBps: number }[]).map((p) => ({
            account: p.account,
            shareBps: Number(p.shareBps),
          })),
          set_at: time,
        });
        return;
      case "RevenueReleased": {
        const amount = a["amount"] as bigint;
        this.#credit(e, 0, String(a["payee"]), String(a["currency"]), amount, "split");
        const key = this.#potKey(a["workId"], a["version"], a["currency"])[1];
        const pot = this.#get(things.pots, key);
        this.#set(things.pots, {
          ...key,
          received: String(pot?.["received"] ?? 0),
          released: (BigInt(String(pot?.["released"] ?? 0)) + amount).toString(),
        });
        return;
      }

      // Payments (ledger and exchange)
      case "CurrencyAllowed":
        this.#set(things.currencies, {
          chain_id: chain,
          contract: e.contract,
          currency_id: Number(a["id"]),
          token: a["token"],
          allowed: a["allowed"],
        });
        return;
      case "PlatformFeeChanged":
        this.#set(things.settings, {
          chain_id: chain,
          contract: e.contract,
          treasury: a["treasury"],
          fee_bps: Number(a["feeBps"]),
        });
        return;
      case "Withdrawn": {
        const amount = a["amount"] as bigint;
        this.#credit(e, 0, String(a["account"]), String(a["currency"]), -amount, "withdrawal");
        return;
      }

      // The exchange
      case "WorkListed":
        this.#set(things.listings, {
          chain_id: chain,
          work_id: String(a["workId"]),
          seller: a["seller"],
          currency: a["currency"],
          price: String(a["price"]),
          expiry: Number(a["expiry"]),
          moves: Number(a["moves"]),
          pledges: Number(a["pledges"]),
          listed_at: time,
        });
        return;
      case "ListingCancelled":
        this.#set(things.listings, null, workKey);
        return;
      case "BidPlaced":
        this.#set(things.bids, {
          chain_id: chain,
          work_id: String(a["workId"]),
          bidder: a["bidder"],
          currency: a["currency"],
          amount: String(a["amount"]),
          expiry: Number(a["expiry"]),
          placed_at: time,
        });
        return;
      case "BidWithdrawn":
        this.#set(things.bids, null, { chain_id: chain, work_id: String(a["workId"]), bidder: String(a["bidder"]) });
        return;
      case "WorkSold": {
        this.#set(things.listings, null, workKey);
        if (a["bid"]) {
          this.#set(things.bids, null, { chain_id: chain, work_id: String(a["workId"]), bidder: String(a["buyer"]) });
        }
        const currency = String(a["currency"]);
        const price = a["price"] as bigint;
        const fee = a["fee"] as bigint;
        const royalty = a["royalty"] as bigint;
        const receiver = String(a["royaltyReceiver"]);
        const seller = String(a["seller"]);
        const paysRoyalty = receiver !== seller && royalty !== 0n;
        this.#credit(e, 0, this.#treasury(e.contract), currency, fee, "fee");
        if (paysRoyalty) this.#credit(e, 1, receiver, currency, royalty, "royalty");
        this.#credit(e, 2, seller, currency, price - fee - (paysRoyalty ? royalty : 0n), "sale");
        this.#fact(facts.workSales, {
          chain_id: chain,
          block_number: e.block,
          log_index: e.logIndex,
          work_id: a["workId"],
          seller,
          buyer: a["buyer"],
          by_bid: a["bid"],
          currency,
          price,
          royalty_receiver: receiver,
          royalty,
          fee,
          timestamp: time,
        });
        return;
      }
      default:
        // Kept in the event log only: commitments, batches, roles, approvals, URIs and the rest.
        return;
    }
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
        };
        txs.push(tx);
      }
      (tx["log_indexes"] as number[]).push(e.logIndex);
      (tx["event_contracts"] as number[]).push(positionIn(tx["contracts"] as string[], e.contract));
      (tx["event_names"] as number[]).push(positionIn(tx["names"] as string[], e.name));
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
}

/**
 * What undoes the unfinal pages (migration 0007): one entry per page and table, with the keys of the rows the page
 * created (`created`) and the rows it changed or deleted as they were (`prior`).
 */
export const undoTable = new Table(
  "indexer_undo",
  ["chain_id", "page_to", "tbl"],
  [
    ["chain_id", "bigint"],
    ["page_to", "bigint"],
    ["tbl", "text"],
    ["created", "jsonb"],
    ["prior", "jsonb"],
  ],
);

/** The base32 CIDv1 of the (codec, sha2-256 digest) pair the registry's events carry. */
export function cidOf(codec: number, digest: string): string {
  return CID.create(1, codec, createDigest(0x12, hexToBytes(digest as `0x${string}`))).toString();
}

/** The position (from 1) of `value` in a transaction's short list of distinct values, added at its end if new. */
function positionIn(list: string[], value: string): number {
  const at = list.indexOf(value);
  return at >= 0 ? at + 1 : list.push(value);
}
