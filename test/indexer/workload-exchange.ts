/**
 * The random market workload's exchange operations: listings, purchases and bids, in the native coin or the token,
 * of derivatives too (whose sale pays a royalty into the ledger). A helper module: it registers no tests.
 */
import type { Hex } from "viem";
import {
  allows,
  bidOf,
  type Ctx,
  chance,
  findOne,
  findWork,
  GWEI,
  int,
  listingOf,
  now,
  type Outcome,
  otherThan,
  pick,
  pickCurrency,
  send,
  type Title,
  titleOf,
  valueFor,
  variant,
  ZERO,
} from "./workload-context.ts";

/**
 * Whether a sale of a work in `currency` can pay its derivative royalty: the ledger takes the royalty in the sale's
 * currency, so a work that owes royalties cannot be sold in a token the ledger no longer allows.
 */
async function royaltyPayable(c: Ctx, title: Title, currency: Hex): Promise<boolean> {
  return !title.owesRoyalties || currency === ZERO || (await allows(c, "ledger", currency));
}

/** A listing by the holder, of a derivative (whose sale pays a royalty) when one can be found, two times in five. */
export async function listWork(c: Ctx): Promise<Outcome> {
  const derivatives = chance(c, 0.4);
  const w =
    (derivatives
      ? await findWork(c, (t) => !t.pledged && !t.disputed && t.owesRoyalties, 20, [...c.known.derivatives])
      : null) ?? (await findWork(c, (t) => !t.pledged && !t.disputed));
  if (!w) return "none";
  const expiry = chance(c, 0.7) ? 0 : (await now(c)) + int(c, 100, 100_000);
  // A derivative is listed in the token more often: its sale then pays the royalty into the ledger in the token.
  const currency =
    w.owesRoyalties && chance(c, 0.5) && (await allows(c, "exchange", c.token))
      ? c.token
      : await pickCurrency(c, "exchange");
  return send(
    c,
    variant("listWork", { derivative: w.owesRoyalties, token: currency !== ZERO }),
    w.owner,
    "exchange",
    "listWork",
    [w.workId, currency, BigInt(int(c, 1, 1_000_000)) * GWEI, expiry],
  );
}

export async function cancelListing(c: Ctx): Promise<Outcome> {
  const found = await findWork(c, async (_t, workId) => (await listingOf(c, workId)).price !== 0n, 30);
  if (!found) return "none";
  const listing = await listingOf(c, found.workId);
  const isVoid = listing.moves !== found.moves || listing.pledges !== found.pledges;
  return send(
    c,
    isVoid ? "cancelListing (void)" : "cancelListing",
    isVoid ? pick(c, c.accounts) : found.owner,
    "exchange",
    "cancelListing",
    [found.workId],
  );
}

/** A live listing's work, bought at its price by someone else, who passes the work's encumbrance count as it sees it. */
export async function buyWork(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  const derivatives = chance(c, 0.5);
  const buyable = (tries: number, derivativesOnly: boolean) =>
    findWork(
      c,
      async (title, workId) => {
        if (derivativesOnly && !title.owesRoyalties) return false;
        const l = await listingOf(c, workId);
        if (l.price === 0n || l.moves !== title.moves || l.pledges !== title.pledges || title.disputed) return false;
        if (l.expiry !== 0 && t >= l.expiry) return false;
        const currency = l.currency.toLowerCase() as Hex;
        return (await allows(c, "exchange", currency)) && (await royaltyPayable(c, title, currency));
      },
      tries,
      derivativesOnly ? [...c.known.derivatives] : c.known.works,
    );
  const found = (derivatives ? await buyable(20, true) : null) ?? (await buyable(30, false));
  if (!found) return "none";
  const listing = await listingOf(c, found.workId);
  const currency = listing.currency.toLowerCase() as Hex;
  const op = variant("buyWork", { derivative: found.owesRoyalties, token: currency !== ZERO });
  return send(
    c,
    op,
    otherThan(c, found.owner),
    "exchange",
    "buyWork",
    [found.workId, currency, listing.price, found.encumbrances],
    valueFor(currency, listing.price),
  );
}

/** A bid, escrowed, bound to the work's encumbrance count now. */
export async function placeBid(c: Ctx): Promise<Outcome> {
  const bidder = pick(c, c.actors);
  const w = await findWork(
    c,
    async (t, workId) => t.owner !== bidder && (await bidOf(c, workId, bidder)).amount === 0n,
  );
  if (!w) return "none";
  const amount = BigInt(int(c, 1, 1_000_000)) * GWEI;
  const expiry = chance(c, 0.7) ? 0 : (await now(c)) + int(c, 100, 100_000);
  const currency = await pickCurrency(c, "exchange");
  const outcome = await send(
    c,
    variant("placeBid", { token: currency !== ZERO }),
    bidder,
    "exchange",
    "placeBid",
    [w.workId, currency, amount, expiry],
    valueFor(currency, amount),
  );
  if (outcome === "sent") c.known.bids.set(`${w.workId}:${bidder}`, { workId: w.workId, bidder });
  return outcome;
}

export async function withdrawBid(c: Ctx): Promise<Outcome> {
  const found = await findOne(c, [...c.known.bids.values()], async (b) =>
    (await bidOf(c, b.workId, b.bidder)).amount !== 0n ? b : null,
  );
  if (!found) return "none";
  return send(c, "withdrawBid", found.bidder, "exchange", "withdrawBid", [found.workId]);
}

/** A live bid the holder accepts: not void (no encumbrance since it was placed), in a currency the exchange takes. */
export async function acceptBid(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  const found = await findOne(c, [...c.known.bids.values()], async (b) => {
    const bid = await bidOf(c, b.workId, b.bidder);
    if (bid.amount === 0n || (bid.expiry !== 0 && t >= bid.expiry)) return null;
    const title = await titleOf(c, b.workId);
    if (title.owner === b.bidder || title.pledged || title.disputed) return null;
    // A licence, sublicence, metadata change or priority claim since the bid voids it.
    if (bid.encumbrances !== title.encumbrances) return null;
    const currency = bid.currency.toLowerCase() as Hex;
    if (!(await allows(c, "exchange", currency)) || !(await royaltyPayable(c, title, currency))) return null;
    return { ...b, owner: title.owner, amount: bid.amount, currency, derivative: title.owesRoyalties };
  });
  if (!found) return "none";
  const op = variant("acceptBid", { derivative: found.derivative, token: found.currency !== ZERO });
  return send(c, op, found.owner, "exchange", "acceptBid", [found.workId, found.bidder, found.currency, found.amount]);
}
