// What a person asks the exchange to do, as plain data, and how to tell the server's mirror shows it done.
import type { Address } from "viem";
import { api, call } from "../api/client.ts";

export type Intent =
  | { kind: "list"; workId: string; price: bigint; expiry: number }
  | { kind: "cancel"; workId: string }
  | { kind: "buy"; workId: string; currency: string; price: bigint; encumbrances: number }
  | { kind: "bid"; workId: string; amount: bigint; expiry: number }
  | { kind: "withdrawBid"; workId: string; amount: bigint }
  | { kind: "accept"; workId: string; bidder: Address; currency: string; amount: bigint }
  | { kind: "withdraw"; source: "exchange" | "ledger"; contract: Address; currency: string; amount: bigint };

export type IntentKind = Intent["kind"];

/** Whether the intents that sell the work need the exchange to be allowed to move it first. */
export const MOVES_THE_WORK = new Set<IntentKind>(["list", "accept"]);

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

async function work(workId: string) {
  return (await call(api.GET("/api/works/{workId}", { params: { path: { workId } } }))).data ?? null;
}

async function bids(workId: string) {
  return (await call(api.GET("/api/works/{workId}/bids", { params: { path: { workId } } }))).data?.bids ?? null;
}

/** Whether the mirror shows what `intent`, sent by `account`, changed (asked again until it does). */
export async function shown(intent: Intent, account: Address): Promise<boolean> {
  switch (intent.kind) {
    case "list": {
      const listing = (await work(intent.workId))?.listing;
      return !!listing && same(listing.seller, account) && listing.price === intent.price.toString();
    }
    case "cancel":
      return (await work(intent.workId))?.listing === null;
    case "buy":
      return same((await work(intent.workId))?.owner ?? "", account);
    case "accept":
      return same((await work(intent.workId))?.owner ?? "", intent.bidder);
    case "bid":
      return (await bids(intent.workId))?.some((b) => same(b.bidder, account)) ?? false;
    case "withdrawBid":
      return (await bids(intent.workId))?.every((b) => !same(b.bidder, account)) ?? false;
    case "withdraw": {
      const r = await call(api.GET("/api/accounts/{account}/balances", { params: { path: { account } } }));
      return (
        r.data?.balances.every((b) => !(same(b.contract, intent.contract) && same(b.currency, intent.currency))) ??
        false
      );
    }
  }
}
