/** How the exchange's events change the mirror: listings, bids and sales of works. */
import { balanceKey, feeKeys, type Key, type OnChain, type Projectors } from "./projector.ts";
import { facts, things } from "./schema.ts";

const listingKey = (k: OnChain, workId: unknown): Key => [
  things.listings,
  { chain_id: k.chain, work_id: String(workId) },
];
const bidKey = (k: OnChain, workId: unknown, bidder: unknown): Key => [
  things.bids,
  { chain_id: k.chain, work_id: String(workId), bidder: String(bidder) },
];

export const exchangeProjectors: Projectors = {
  WorkListed: {
    keys: (e, k) => [listingKey(k, e.args["workId"])],
    apply(e, page) {
      const a = e.args;
      page.set(things.listings, {
        ...listingKey(page, a["workId"])[1],
        seller: a["seller"],
        currency: a["currency"],
        price: String(a["price"]),
        expiry: Number(a["expiry"]),
        moves: Number(a["moves"]),
        pledges: Number(a["pledges"]),
        listed_at: page.time(e),
      });
    },
  },
  ListingCancelled: {
    keys: (e, k) => [listingKey(k, e.args["workId"])],
    apply: (e, page) => page.set(things.listings, null, listingKey(page, e.args["workId"])[1]),
  },
  // A bid binds the work's encumbrance count: it can be accepted only while the work's is the same.
  BidPlaced: {
    keys: (e, k) => [bidKey(k, e.args["workId"], e.args["bidder"])],
    apply(e, page) {
      const a = e.args;
      page.set(things.bids, {
        ...bidKey(page, a["workId"], a["bidder"])[1],
        currency: a["currency"],
        amount: String(a["amount"]),
        expiry: Number(a["expiry"]),
        encumbrances: Number(a["encumbrances"]),
        placed_at: page.time(e),
      });
    },
  },
  BidWithdrawn: {
    keys: (e, k) => [bidKey(k, e.args["workId"], e.args["bidder"])],
    apply: (e, page) => page.set(things.bids, null, bidKey(page, e.args["workId"], e.args["bidder"])[1]),
  },
  // The seller gets the price less the fee, the ERC-2981 royalty (unless the seller receives it) and the derivative
  // royalty, which the exchange pays into the ledger (the ledger's RoyaltiesPaidIn and RoyaltyCredited follow).
  WorkSold: {
    keys: (e, k) => [
      listingKey(k, e.args["workId"]),
      bidKey(k, e.args["workId"], e.args["buyer"]),
      balanceKey(k, e.contract, e.args["seller"], e.args["currency"]),
      balanceKey(k, e.contract, e.args["royaltyReceiver"], e.args["currency"]),
      ...feeKeys(k, e.contract, e.args["currency"]),
    ],
    apply(e, page) {
      const a = e.args;
      page.set(things.listings, null, listingKey(page, a["workId"])[1]);
      if (a["bid"]) page.set(things.bids, null, bidKey(page, a["workId"], a["buyer"])[1]);
      const currency = String(a["currency"]);
      const price = a["price"] as bigint;
      const fee = a["fee"] as bigint;
      const royalty = a["royalty"] as bigint;
      const parentRoyalty = a["parentRoyalty"] as bigint;
      const receiver = String(a["royaltyReceiver"]);
      const seller = String(a["seller"]);
      const paysRoyalty = receiver !== seller && royalty !== 0n;
      page.credit(e, 0, page.treasury(e.contract), currency, fee, "fee");
      if (paysRoyalty) page.credit(e, 1, receiver, currency, royalty, "royalty");
      page.credit(e, 2, seller, currency, price - fee - (paysRoyalty ? royalty : 0n) - parentRoyalty, "sale");
      page.fact(facts.workSales, {
        chain_id: page.chain,
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
        parent_royalty: parentRoyalty,
        timestamp: page.time(e),
      });
    },
  },
};
