// The audit trail: every registration, transfer, sale, licence event, pledge and dispute, filtered, in chain order.
import { AUDIT_KINDS, type AuditKind } from "../../../core/evidence/kinds.ts";
import type { Sql } from "../../db/database.ts";
import { EVENT_COLUMNS, EVENT_ROWS, type EventLogRow, KINDS, type Proof, proofOf } from "./chain-of-title.ts";

export { AUDIT_KINDS, type AuditKind };

/** The contract events each audit kind covers. */
const EVENTS_OF = new Map<string, string[]>();
for (const [event, kind] of Object.entries(KINDS)) EVENTS_OF.set(kind, [...(EVENTS_OF.get(kind) ?? []), event]);

export type AuditFilter = {
  chainId: number;
  kinds: readonly AuditKind[];
  workId?: string | undefined;
  /** An address that appears in the entry: party, payer, holder, pledgee, arbiter... */
  account?: string | undefined;
  /** Unix seconds: from (inclusive), to (exclusive). */
  from?: number | undefined;
  to?: number | undefined;
  /** After this position ("block:logIndex"). */
  after?: { block: bigint; logIndex: number } | undefined;
  limit: number;
};

export type AuditEntry = {
  kind: string;
  event: string;
  at: string | null;
  workId: string | null;
  proof: Proof;
  details: Record<string, unknown>;
};

/**
 * One page of the audit trail, oldest first. The event log gives every event with its proof; the events it keeps
 * without arguments take them from their typed table (transfers, purchases, sales). `account` matches any top-level
 * value of the details, so it finds a party in whatever role.
 */
export async function auditPage(sql: Sql, f: AuditFilter): Promise<{ entries: AuditEntry[]; next: string | null }> {
  const names = f.kinds.flatMap((k) => EVENTS_OF.get(k) ?? []);
  const params: unknown[] = [f.chainId, names];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ["t.chain_id = $1", "t.names[e.name] = any($2::text[])"];
  if (f.workId !== undefined) {
    const w = param(f.workId);
    where.push(`t.event_works @> array[${w}::numeric]`, `e.work_id = ${w}::numeric`);
  }
  if (f.from !== undefined) where.push(`t.timestamp >= to_timestamp(${param(f.from)})`);
  if (f.to !== undefined) where.push(`t.timestamp < to_timestamp(${param(f.to)})`);
  if (f.after) {
    where.push(
      `(t.block_number, e.log_index) > (${param(f.after.block.toString())}::bigint, ${param(f.after.logIndex)})`,
    );
  }
  const details =
    "coalesce(nullif(e.args, 'null'), (select jsonb_build_object('from', x.from_address, 'to', x.to_address, " +
    "'deedHash', x.deed_hash, 'deedCid', x.deed_cid) from title_transfers x where x.chain_id = t.chain_id and " +
    "x.block_number = t.block_number and x.log_index = e.log_index), (select jsonb_build_object('grantId', " +
    "x.grant_id::text, 'payer', x.payer, 'currency', x.currency, 'price', x.price::text, 'fee', x.fee::text, " +
    "'royalty', x.royalty::text, 'payee', x.payee, 'end', x.end_at) from licence_payments x where x.chain_id = " +
    "t.chain_id and x.block_number = t.block_number and x.log_index = e.log_index), (select jsonb_build_object(" +
    "'seller', x.seller, 'buyer', x.buyer, 'byBid', x.by_bid, 'currency', x.currency, 'price', x.price::text, " +
    "'royaltyReceiver', x.royalty_receiver, 'royalty', x.royalty::text, 'fee', x.fee::text, 'parentRoyalty', " +
    "x.parent_royalty::text) from work_sales x where x.chain_id = t.chain_id and x.block_number = t.block_number " +
    "and x.log_index = e.log_index), (select jsonb_build_object('creator', x.creator, 'holderNow', x.owner) from works x " +
    "where x.chain_id = t.chain_id and x.work_id = e.work_id and t.names[e.name] = 'WorkRegistered'), '{}'::jsonb)";
  let outer = "";
  if (f.account !== undefined) {
    outer = `where jsonb_path_exists(details, '$.* ? (@ == $a)', jsonb_build_object('a', ${param(f.account.toLowerCase())}::text))`;
  }
  const rows = await sql.query<EventLogRow & { details: Record<string, unknown> }>(
    `select * from (select ${EVENT_COLUMNS}, ${details} as details ${EVENT_ROWS} where ${where.join(" and ")}) a ` +
      `${outer} order by block_number::bigint, log_index limit ${param(f.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return {
    entries: page.map((r) => ({
      kind: KINDS[r.name] ?? r.name,
      event: r.name,
      at: r.at === null ? null : new Date(Number(r.at) * 1000).toISOString(),
      workId: r.work_id,
      proof: proofOf(f.chainId, r),
      details: r.details,
    })),
    next: rows.length > f.limit && last ? `${last.block_number}:${last.log_index}` : null,
  };
}
