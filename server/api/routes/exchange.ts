// The exchange's reads the web needs beside a work's listing: the bids escrowed on a work, and an account's earnings.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ApiDeps } from "../deps.ts";
import { balancesOf, bidsOf, MAX_BIDS_LISTED } from "../queries/exchange.ts";
import { Address, Amount, errors, Time, WorkIdParam, workIdOf } from "../schemas.ts";

const Bid = Type.Object({
  bidder: Address,
  currency: Address,
  amount: Amount,
  expiry: Type.Union([Time, Type.Null()], { description: "null: until withdrawn" }),
  placedAt: Time,
  state: Type.Union([Type.Literal("open"), Type.Literal("expired"), Type.Literal("void")], {
    description: "void: the work's encumbrances changed since (acceptBid refuses it); the bidder can still withdraw",
  }),
});

const Balance = Type.Object({
  contract: Address,
  source: Type.Union([Type.Literal("exchange"), Type.Literal("ledger")], {
    description: "exchange: sales and their royalties; ledger: licence sales, renewals and royalties",
  }),
  currency: Address,
  owed: Amount,
});

export const exchangeRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/works/:workId/bids",
    {
      schema: {
        tags: ["exchange"],
        summary: `The bids escrowed on a work, highest first (at most ${MAX_BIDS_LISTED}), with their standing now`,
        params: Type.Object({ workId: WorkIdParam }),
        response: { 200: Type.Object({ bids: Type.Array(Bid) }), ...errors(400, 429) },
      },
    },
    async (request) => ({ bids: await bidsOf(deps.db, deps.chain.chainId, workIdOf(request.params.workId)) }),
  );

  app.get(
    "/accounts/:account/balances",
    {
      schema: {
        tags: ["exchange"],
        summary:
          "What the exchange and the ledger owe an account, per currency: call withdraw(currency) on the contract",
        params: Type.Object({ account: Address }),
        response: { 200: Type.Object({ balances: Type.Array(Balance) }), ...errors(400, 429) },
      },
    },
    async (request) => {
      const exchange = deps.chain.exchange.toLowerCase();
      const ledger = deps.chain.ledger.toLowerCase();
      const rows = await balancesOf(deps.db, deps.chain.chainId, request.params.account);
      return {
        balances: rows.flatMap((b) => {
          const source =
            b.contract === exchange ? ("exchange" as const) : b.contract === ledger ? ("ledger" as const) : null;
          return source === null ? [] : [{ contract: b.contract, source, currency: b.currency, owed: b.owed }];
        }),
      };
    },
  );
};
