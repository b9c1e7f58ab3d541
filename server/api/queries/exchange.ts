// The exchange's open questions from the mirror: a work's escrowed bids, and what the paying contracts owe an account.
import type { Sql } from "../../db/database.ts";
import { iso } from "../schemas.ts";

/** At most this many bids are listed per work (highest first). */
export const MAX_BIDS_LISTED = 500;

/** A bid's standing: open (acceptable now), expired, or void (the work's encumbrances changed since it was placed). */
export type BidState = "open" | "expired" | "void";

type BidRow = {
  bidder: string;
  currency: string;
  amount: string;
  expiry: string;
  encumbrances: number;
  placed_at: string;
  work_encumbrances: number;
};

/** The bids escrowed on a work, highest first, with their standing now (as acceptBid would judge it). */
export async function bidsOf(sql: Sql, chainId: number, workId: string) {
  const rows = await sql.query<BidRow>(
    "select b.bidder, b.currency, b.amount::text as amount, b.expiry::text as expiry, b.encumbrances, " +
      "extract(epoch from b.placed_at)::bigint::text as placed_at, w.encumbrances as work_encumbrances " +
      "from bids b join works w on w.chain_id = b.chain_id and w.work_id = b.work_id " +
      "where b.chain_id = $1 and b.work_id = $2::numeric order by b.amount desc, b.placed_at, b.bidder " +
      `limit ${MAX_BIDS_LISTED}`,
    [chainId, workId],
  );
  const now = Math.floor(Date.now() / 1000);
  return rows.map((b) => {
    const expiry = Number(b.expiry);
    const state: BidState =
      Number(b.encumbrances) !== Number(b.work_encumbrances)
        ? "void"
        : expiry !== 0 && expiry <= now
          ? "expired"
          : "open";
    return {
      bidder: b.bidder,
      currency: b.currency,
      amount: b.amount,
      expiry: expiry === 0 ? null : iso(expiry),
      placedAt: iso(b.placed_at) as string,
      state,
    };
  });
}

/** What the ledger and the exchange owe `account` (pull payments), per contract and currency; nothing owed is left out. */
export async function balancesOf(sql: Sql, chainId: number, account: string) {
  return sql.query<{ contract: string; currency: string; owed: string }>(
    "select contract, currency, owed::text as owed from balances where chain_id = $1 and account = $2 and owed > 0 " +
      "order by contract, currency",
    [chainId, account.toLowerCase()],
  );
}
