// A work's chain of title from the mirror's event log: every event that concerns it, oldest first, each with its proof.
import { TITLE_KINDS } from "../../../core/evidence/kinds.ts";
import type { Sql } from "../../db/database.ts";

/** Where an event is on chain: enough for a client to fetch its receipt from any node and check it. */
export type Proof = {
  chainId: number;
  contract: string;
  transactionHash: string;
  blockNumber: string;
  blockHash: string;
  logIndex: number;
};

export type TitleEntry = {
  /** The event's kind in the title: registration, assignment, pledge, licence... (see {@link KINDS}). */
  kind: string;
  /** The contract's event name. */
  event: string;
  at: string | null;
  proof: Proof;
  /** What happened, from the event's arguments or the typed table that carries them. */
  details: Record<string, unknown>;
};

/** The contracts' events as entries of a chain of title (one list with the evidence bundle's). */
export const KINDS = TITLE_KINDS;

/** At most this many entries in one answer; the rest come with `after`. */
export const MAX_TITLE_ENTRIES = 500;

/** An event of the event log as {@link EVENT_COLUMNS} selects it. */
export type EventLogRow = {
  block_number: string;
  log_index: number;
  tx_hash: string;
  block_hash: string;
  at: string | null;
  contract: string;
  name: string;
  work_id: string | null;
};
type EventRow = EventLogRow & { args: Record<string, unknown> | null };

/** The event log's events, one row each (`t` the transaction, `e` the event), with the work each concerns. */
export const EVENT_ROWS =
  "from chain_transactions t cross join lateral rows from (unnest(t.log_indexes), unnest(t.event_contracts), " +
  "unnest(t.event_names), jsonb_array_elements(t.args), unnest(t.event_works)) as e(log_index, contract, name, " +
  "args, work_id)";

/**
 * The events of the event log that concern work `$2`, one row each, as {@link EVENT_ROWS} names them: only the
 * positions of the transaction's events whose work is `$2`, not every event of it (a batch transaction has hundreds).
 * A busy transaction's arrays are stored compressed out of line, and Postgres takes an array out of that storage again
 * for every element read from it; `d` takes each out once per transaction (`offset 0` keeps the planner from folding
 * it into every read).
 */
const WORK_EVENT_ROWS =
  "from chain_transactions t cross join lateral (select array_cat(t.event_works, '{}') as works, " +
  "array_cat(t.log_indexes, '{}') as log_indexes, array_cat(t.event_contracts, '{}') as contracts, " +
  "array_cat(t.event_names, '{}') as names, t.args || '[]'::jsonb as args offset 0) d " +
  "cross join lateral unnest(array_positions(d.works, $2::numeric)) as p(i) " +
  "cross join lateral (select d.log_indexes[p.i] as log_index, d.contracts[p.i] as contract, " +
  "d.names[p.i] as name, d.args -> (p.i - 1) as args, d.works[p.i] as work_id) e";

/** The columns of an {@link EventLogRow}. */
export const EVENT_COLUMNS =
  "t.block_number::text as block_number, e.log_index, t.tx_hash, t.block_hash, " +
  "extract(epoch from t.timestamp)::bigint::text as at, t.contracts[e.contract] as contract, " +
  "t.names[e.name] as name, e.work_id::text as work_id";

/** Where an event is on chain, from its row. */
export function proofOf(chainId: number, r: EventLogRow): Proof {
  return {
    chainId,
    contract: r.contract,
    transactionHash: r.tx_hash,
    blockNumber: r.block_number,
    blockHash: r.block_hash,
    logIndex: r.log_index,
  };
}

/**
 * The work's events, oldest first, from `after` (a "block:logIndex" position, exclusive) on: the transactions that
 * concern it come from the event log's index by work, their events filtered to the work. Events the event log keeps
 * without arguments (their typed table carries them) take their details from that table.
 */
export async function chainOfTitle(
  sql: Sql,
  chainId: number,
  workId: string,
  after?: { block: bigint; logIndex: number },
): Promise<{ entries: TitleEntry[]; next: string | null }> {
  const params: unknown[] = [chainId, workId, Object.keys(KINDS)];
  let from = "";
  if (after) {
    params.push(after.block.toString(), after.logIndex);
    from = "and (t.block_number, e.log_index) > ($4::bigint, $5::integer)";
  }
  // One statement: the work's events as a JSON array, with its typed tables' rows beside them.
  const [row] = await sql.query<Typed & { events: EventRow[] }>(
    "select (select coalesce(json_agg(ev order by ev.bn, ev.log_index), '[]') from (select t.block_number as bn, " +
      `${EVENT_COLUMNS}, nullif(e.args, 'null') as args ${WORK_EVENT_ROWS} where t.chain_id = $1 and ` +
      "t.event_works @> array[$2::numeric] and t.names[e.name] = any($3::text[]) " +
      `${from} order by t.block_number, e.log_index limit ${MAX_TITLE_ENTRIES + 1}) ev) as events, ${TYPED_LISTS}`,
    params,
  );
  const rows = (row as NonNullable<typeof row>).events;
  const page = rows.slice(0, MAX_TITLE_ENTRIES);
  const details = typedDetails(row as Typed, page);
  const entries = page.map((r) => ({
    kind: KINDS[r.name] ?? r.name,
    event: r.name,
    at: r.at === null ? null : new Date(Number(r.at) * 1000).toISOString(),
    proof: proofOf(chainId, r),
    details: r.args ?? details.get(`${r.block_number}:${r.log_index}`) ?? {},
  }));
  const last = page.at(-1);
  return { entries, next: rows.length > MAX_TITLE_ENTRIES && last ? `${last.block_number}:${last.log_index}` : null };
}

type Keyed = { block_number: string; log_index: number } & Record<string, unknown>;
/** The work's rows of the typed tables, as {@link TYPED_LISTS} selects them. */
type Typed = { transfers: Keyed[]; payments: Keyed[]; sales: Keyed[]; work: Keyed[]; claims: Keyed[] };

/** SQL ($1 chain, $2 work): each typed table's rows of the work, a JSON array each, named as in {@link Typed}. */
const list = (columns: string, table: string, order = "") =>
  `(select coalesce(json_agg(x${order}), '[]') from (select ${columns} from ${table} where chain_id = $1 and ` +
  "work_id = $2::numeric) x)";
/** A registration's record in the names `typedDetails` reads: the work's own, or the one a priority claim displaced. */
const registration = (prefix: string, metadataCid: string) =>
  `${prefix}creator as creator, extract(epoch from ${prefix}registered_at)::bigint as registered_at, ` +
  `${prefix}royalty_receiver as royalty_receiver, ${prefix}royalty_bps as royalty_bps, ${prefix}parents as parents, ` +
  `${metadataCid} as metadata_cid`;
const TYPED_LISTS = `${list(
  'block_number::text as block_number, log_index, from_address as "from", to_address as "to", deed_hash, deed_cid',
  "title_transfers",
)} as transfers, ${list(
  "block_number::text as block_number, log_index, grant_id::text as grant_id, kind, payer, currency, price::text " +
    "as price, fee::text as fee, royalty::text as royalty, payee, end_at",
  "licence_payments",
)} as payments, ${list(
  "block_number::text as block_number, log_index, seller, buyer, by_bid, currency, price::text as price, " +
    "royalty_receiver, royalty::text as royalty, fee::text as fee, parent_royalty::text as parent_royalty",
  "work_sales",
)} as sales, ${list(registration("", "registered_metadata_cid"), "works")} as work, ${list(
  `block_number, log_index, ${registration("displaced_", "displaced_metadata_cid")}`,
  "priority_claims",
  " order by x.block_number, x.log_index",
)} as claims`;

/** The details of the events kept without arguments, from their typed tables' rows, by "block:logIndex". */
function typedDetails(typedRows: Typed, rows: readonly EventRow[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const typed = rows.filter((r) => r.args === null);
  if (typed.length === 0) return out;
  const key = (r: { block_number: string; log_index: number }) => `${r.block_number}:${r.log_index}`;
  const { transfers, payments, sales, work, claims } = typedRows;
  for (const t of transfers) {
    const { block_number, log_index, deed_hash, deed_cid, ...rest } = t;
    out.set(key(t), { ...rest, ...(deed_hash ? { deed: { hash: deed_hash, cid: deed_cid } } : {}) });
  }
  for (const { block_number, log_index, ...rest } of payments) out.set(`${block_number}:${log_index}`, rest);
  for (const { block_number, log_index, ...rest } of sales) out.set(`${block_number}:${log_index}`, rest);
  // Registrations: the first was displaced by the first priority claim, if any; the last is the work's record.
  const registrations = typed.filter((r) => r.name === "WorkRegistered");
  for (const [i, r] of registrations.entries()) {
    const record = claims[i] ?? work[0];
    if (record) {
      out.set(key(r), {
        creator: record["creator"],
        registeredAt: new Date(Number(record["registered_at"]) * 1000).toISOString(),
        metadataCid: record["metadata_cid"],
        royaltyReceiver: record["royalty_receiver"],
        royaltyBps: record["royalty_bps"],
        parents: record["parents"],
      });
    }
  }
  return out;
}
