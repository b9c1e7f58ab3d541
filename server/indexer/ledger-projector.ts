/** How the licence ledger's events change the mirror: offers, grants, splits, revenue and derivative royalties. */
import type { ChainEvent } from "./decode.ts";
import {
  balanceKey,
  creditRevenue,
  edgeKey,
  encumbered,
  FOREVER,
  feeKeys,
  type Key,
  type OnChain,
  type PageState,
  type Projectors,
  potKey,
  workKey,
  ZERO,
} from "./projector.ts";
import { facts, things } from "./schema.ts";
import type { Row } from "./tables.ts";

const offerKey = (k: OnChain, e: ChainEvent): Key => [
  things.offers,
  { chain_id: k.chain, work_id: String(e.args["workId"]), offer_index: Number(e.args["offerIndex"]) },
];
const grantKey = (k: OnChain, e: ChainEvent): Key => [
  things.grants,
  { chain_id: k.chain, grant_id: String(e.args["grantId"]) },
];

/** Where a payment's net revenue goes: the payee's balance, or the split pot when the payee is zero. */
function revenueKey(k: OnChain, e: ChainEvent, workId: unknown): Key {
  const a = e.args;
  return a["payee"] !== ZERO
    ? balanceKey(k, e.contract, a["payee"], a["currency"])
    : potKey(k, workId, a["splitVersion"], a["currency"]);
}

export const ledgerProjectors: Projectors = {
  OfferCreated: {
    keys: (e, k) => [workKey(k, e.args["workId"]), offerKey(k, e)],
    apply(e, page) {
      const a = e.args;
      const terms = a["terms"] as Record<string, unknown>;
      const work = page.must(things.works, workKey(page, a["workId"])[1]);
      const start = Number(terms["start"]);
      const end = Number(terms["end"]);
      page.set(things.offers, {
        ...offerKey(page, e)[1],
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
        created_at: page.time(e),
      });
    },
  },
  OfferRepriced: {
    keys: (e, k) => [offerKey(k, e)],
    apply: (e, page) => page.update(things.offers, offerKey(page, e)[1], { price: String(e.args["price"]) }),
  },
  OfferStatusChanged: {
    keys: (e, k) => [offerKey(k, e)],
    apply: (e, page) =>
      page.update(things.offers, offerKey(page, e)[1], {
        status: Number(e.args["status"]),
        end_at: Number(e.args["end"]),
      }),
  },
  // A new grant is an encumbrance the registry counts.
  LicencePurchased: {
    keys: (e, k) => [
      grantKey(k, e),
      ...feeKeys(k, e.contract, e.args["currency"]),
      offerKey(k, e),
      workKey(k, e.args["workId"]),
      revenueKey(k, e, e.args["workId"]),
    ],
    apply(e, page) {
      const a = e.args;
      const key = offerKey(page, e)[1];
      const offer = page.must(things.offers, key);
      page.update(things.offers, key, { sold: Number(offer["sold"]) + 1 });
      page.set(things.grants, {
        ...grantKey(page, e)[1],
        work_id: String(a["workId"]),
        offer_index: Number(a["offerIndex"]),
        serial: Number(a["serial"]),
        holder: a["licensee"],
        start_at: Number(a["start"]),
        end_at: Number(a["end"]),
        state: 1,
        transferable: offer["transferable"],
        parent_grant_id: "0",
        granted_at: page.time(e),
      });
      encumber(page, a["workId"]);
      payForLicence(e, page, true);
    },
  },
  LicenceRenewed: {
    keys: (e, k) => [grantKey(k, e), ...feeKeys(k, e.contract, e.args["currency"]), revenueKey(k, e, e.args["workId"])],
    apply(e, page) {
      page.update(things.grants, grantKey(page, e)[1], { end_at: Number(e.args["end"]) });
      payForLicence(e, page, false);
    },
  },
  LicenceTerminated: { keys: (e, k) => [grantKey(k, e)], apply: (e, page) => endGrant(e, page, 2) },
  LicenceSurrendered: { keys: (e, k) => [grantKey(k, e)], apply: (e, page) => endGrant(e, page, 3) },
  LicenceTransferred: {
    keys: (e, k) => [grantKey(k, e)],
    apply: (e, page) => page.update(things.grants, grantKey(page, e)[1], { holder: e.args["to"] }),
  },
  // A sublicence is a closed one-grant offer of the work, and an encumbrance like any grant.
  SublicenceIssued: {
    keys: (e, k) => [grantKey(k, e), offerKey(k, e), workKey(k, e.args["workId"])],
    apply(e, page) {
      const a = e.args;
      const terms = a["terms"] as Record<string, unknown>;
      const time = page.time(e);
      page.set(things.offers, {
        ...offerKey(page, e)[1],
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
      page.set(things.grants, {
        ...grantKey(page, e)[1],
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
      encumber(page, a["workId"]);
    },
  },
  SplitsSet: {
    keys: (e, k) => [splitKey(k, e)],
    apply(e, page) {
      page.set(things.splits, {
        ...splitKey(page, e)[1],
        owner: e.args["owner"],
        payees: (e.args["payees"] as { account: string; shareBps: number }[]).map((p) => ({
          account: p.account,
          shareBps: Number(p.shareBps),
        })),
        set_at: page.time(e),
      });
    },
  },
  RevenueReleased: {
    keys: (e, k) => [
      balanceKey(k, e.contract, e.args["payee"], e.args["currency"]),
      potKey(k, e.args["workId"], e.args["version"], e.args["currency"]),
    ],
    apply(e, page) {
      const a = e.args;
      const amount = a["amount"] as bigint;
      page.credit(e, 0, String(a["payee"]), String(a["currency"]), amount, "split");
      const key = potKey(page, a["workId"], a["version"], a["currency"])[1];
      const pot = page.get(things.pots, key);
      page.set(things.pots, {
        ...key,
        received: String(pot?.["received"] ?? 0),
        released: (BigInt(String(pot?.["released"] ?? 0)) + amount).toString(),
      });
    },
  },
  // Consent belongs to one pledge, by its number: a later pledge, even to the same pledgee, starts without it.
  PledgeeConsentSet: {
    keys: (e, k) => [workKey(k, e.args["workId"])],
    apply(e, page) {
      page.update(things.works, workKey(page, e.args["workId"])[1], {
        licence_consent_pledge: e.args["allowed"] ? Number(e.args["pledge"]) : 0,
      });
    },
  },
  // Emitted while the registry registers the derivative, before its WorkRegistered: the registration reads whether it
  // owes royalties. (DerivativeRoyaltiesCleared, when a priority claim displaces it, changes nothing the claim itself
  // has not: the event log keeps it.)
  DerivativeLicensed: {
    keys: (e, k) => [edgeKey(k, e.args["workId"], k.edgeIndex(e))],
    apply(e, page) {
      const a = e.args;
      const bps = Number(a["royaltyBps"]);
      page.set(things.royaltyEdges, {
        ...edgeKey(page, a["workId"], page.edgeIndex(e))[1],
        parent_id: String(a["parentId"]),
        grant_id: String(a["grantId"]),
        royalty_bps: bps,
        licensed_at: page.time(e),
      });
      if (bps > 0) page.registrations.owingRoyalties.add(String(a["workId"]));
    },
  },
  // What a parent keeps of a derivative's royalty (`amount` less the `upstream` it passes to its own parents, which
  // their own RoyaltyCredited events credit) is its revenue, credited as licence revenue is.
  RoyaltyCredited: {
    keys: (e, k) => [revenueKey(k, e, e.args["parentId"])],
    apply(e, page) {
      const a = e.args;
      creditRevenue(page, e, 0, {
        workId: a["parentId"],
        payee: a["payee"],
        version: a["splitVersion"],
        currency: String(a["currency"]),
        amount: (a["amount"] as bigint) - (a["upstream"] as bigint),
        reason: "derivative_royalty",
      });
    },
  },
};

function splitKey(k: OnChain, e: ChainEvent): Key {
  return [things.splits, { chain_id: k.chain, work_id: String(e.args["workId"]), version: Number(e.args["version"]) }];
}

function encumber(page: PageState, workId: unknown): void {
  const key = workKey(page, workId)[1];
  page.update(things.works, key, { encumbrances: encumbered(page.must(things.works, key)) });
}

/**
 * A licence purchase or renewal: the fee to the treasury, the derivative royalty to the work's parents (their own
 * RoyaltyCredited events, earlier in the transaction), the rest to the payee or the split pot; and its payment fact.
 */
function payForLicence(e: ChainEvent, page: PageState, purchase: boolean): void {
  const a = e.args;
  const price = a["price"] as bigint;
  const fee = a["fee"] as bigint;
  const royalty = a["royalty"] as bigint;
  const currency = String(a["currency"]);
  page.credit(e, 0, page.treasury(e.contract), currency, fee, "fee");
  creditRevenue(page, e, 1, {
    workId: a["workId"],
    payee: a["payee"],
    version: a["splitVersion"],
    currency,
    amount: price - fee - royalty,
    reason: purchase ? "licence" : "renewal",
  });
  page.fact(facts.licencePayments, {
    chain_id: page.chain,
    block_number: e.block,
    log_index: e.logIndex,
    grant_id: a["grantId"],
    work_id: a["workId"],
    kind: purchase ? "purchase" : "renewal",
    payer: purchase ? a["licensee"] : a["payer"],
    currency,
    price,
    fee,
    royalty,
    split_version: Number(a["splitVersion"]),
    payee: a["payee"],
    end_at: Number(a["end"]),
    timestamp: page.time(e),
  });
}

/** Ending a grant stops its term now; a term that already ran out stays as it was. */
function endGrant(e: ChainEvent, page: PageState, state: number): void {
  const key = grantKey(page, e)[1];
  const grant: Row = page.must(things.grants, key);
  page.update(things.grants, key, {
    state,
    end_at: Math.min(Number(grant["end_at"]), Number(e.args["timestamp"])),
  });
}
