/**
 * The random market workload's licence ledger operations: offers, purchases and renewals (of derivatives too, which
 * pay royalties up their lineage), ends and transfers of grants, sublicences, splits, releases and pledgee consent.
 * A helper module: it registers no tests.
 */
import { type Hex, keccak256, toHex } from "viem";
import { territoryOf } from "../../core/licence.ts";
import { licenceLedgerAbi } from "../../types/abi/index.js";
import {
  allows,
  type Ctx,
  chance,
  cidOf,
  consented,
  coords,
  currencyOf,
  FOREVER,
  findGrant,
  findOffer,
  findOne,
  findWork,
  GWEI,
  grantOf,
  hasLiveBid,
  int,
  isLive,
  now,
  type OfferRef,
  type Outcome,
  offerOf,
  otherThan,
  pick,
  pickCurrency,
  pledgeOf,
  send,
  shuffled,
  titleOf,
  valueFor,
  variant,
  ZERO,
} from "./workload-context.ts";

const COUNTRIES = ["CN", "US", "FR", "JP", "DE", "BR", "NZ", "ZW"];
/** `LicenceStorage.MAX_SUBLICENCE_DEPTH`. */
const MAX_SUBLICENCE_DEPTH = 8;

/** An offer by a work's holder; two times in five of a derivative's (so that derivatives of derivatives arise). */
export async function createOffer(c: Ctx): Promise<Outcome> {
  const derivative = chance(c, 0.4);
  const w =
    (derivative ? await findWork(c, (t) => !t.disputed, 20, [...c.known.derivatives]) : null) ??
    (await findWork(c, (t) => !t.disputed));
  if (!w) return "none";
  const t = await now(c);
  const kindRoll = c.rng();
  const kind = kindRoll < 0.6 ? 0 : kindRoll < 0.8 ? 1 : 2;
  const exclusive = kind !== 0;
  let uses = int(c, 1, 63);
  if (chance(c, 0.5)) uses |= 32;
  if (chance(c, w.owesRoyalties ? 0.7 : 0.4)) uses |= 8;
  const worldwide = exclusive ? chance(c, 0.2) : chance(c, 0.6);
  const countries = shuffled(c, COUNTRIES).slice(0, exclusive ? 1 : int(c, 1, 3));
  const end = chance(c, exclusive ? 0.2 : 0.5) ? 0 : t + int(c, 5_000, 200_000);
  const terms = {
    kind,
    uses,
    fields: chance(c, exclusive ? 0.2 : 0.5) ? 0xffff : 1 << int(c, 0, 15),
    transferable: chance(c, 0.5),
    worldwide,
    territory: worldwide ? [0n, 0n, 0n] : territoryOf(countries),
    start: chance(c, 0.7) ? 0 : t + int(c, 10, 3_000),
    end,
    duration: chance(c, 0.5) ? 0 : int(c, 300, 5_000),
    supply: exclusive ? 1 : chance(c, 0.4) ? 0 : int(c, 1, 4),
    // The share a derivative registered under the licence owes the work on everything it earns.
    derivativeRoyaltyBps: chance(c, 0.3) ? 0 : int(c, 1, 4_000),
    currency: await pickCurrency(c, "ledger"),
    textHash: keccak256(toHex(`licence text ${c.seed} ${c.step}`)),
    textCid: cidOf(c, `licence text ${c.seed} ${c.step}`),
  };
  const price = chance(c, 0.2) ? 0n : BigInt(int(c, 1, 1_000_000)) * GWEI;
  const index = await c.pub.readContract({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    functionName: "offerCount",
    args: [w.workId],
  });
  const op = ["createOffer (non-exclusive)", "createOffer (sole)", "createOffer (exclusive)"][kind] as string;
  const outcome = await send(c, op, w.owner, "ledger", "createOffer", [w.workId, terms, price]);
  if (outcome === "sent") {
    const logs = await c.pub.getContractEvents({
      address: c.d.ledger,
      abi: licenceLedgerAbi,
      eventName: "OfferCreated",
      args: { workId: w.workId, offerIndex: index },
      fromBlock: "latest",
    });
    const termsHash = logs[0]?.args.termsHash;
    if (!termsHash) throw new Error("OfferCreated not found after createOffer");
    c.known.offers.push({ workId: w.workId, index, termsHash, sub: false });
  }
  return outcome;
}

export async function repriceOffer(c: Ctx): Promise<Outcome> {
  const found = await findOffer(c, (o) => o.status !== 3);
  if (!found) return "none";
  const price = chance(c, 0.2) ? 0n : BigInt(int(c, 1, 1_000_000)) * GWEI;
  return send(c, "repriceOffer", found.title.owner, "ledger", "repriceOffer", [
    found.ref.workId,
    found.ref.index,
    price,
  ]);
}

export async function pauseOrResume(c: Ctx): Promise<Outcome> {
  // Paused offers are the rarer: looked for first half of the time.
  const found =
    (chance(c, 0.5) ? await findOffer(c, (o) => o.status === 2) : null) ??
    (await findOffer(c, (o) => o.status === 1 || o.status === 2));
  if (!found) return "none";
  const pause = found.offer.status === 1;
  return send(c, pause ? "pauseOffer" : "resumeOffer", found.title.owner, "ledger", "setOfferPaused", [
    found.ref.workId,
    found.ref.index,
    pause,
  ]);
}

export async function closeOffer(c: Ctx): Promise<Outcome> {
  const found = await findOffer(c, (o) => o.status !== 3);
  if (!found) return "none";
  return send(c, "closeOffer", found.title.owner, "ledger", "closeOffer", [found.ref.workId, found.ref.index]);
}

/**
 * A licence of an open offer by the work's holder, in a currency the ledger takes now, of a work neither disputed nor
 * pledged without this pledge's consent. A purchase counts an encumbrance: a bid placed on the work before is void.
 */
export async function buyLicence(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  const buyable = (offers: readonly OfferRef[]) =>
    findOffer(
      c,
      (o, title) =>
        o.status === 1 &&
        (o.supply === 0 || o.sold < o.supply) &&
        t < o.end &&
        o.moves === title.moves &&
        !title.disputed,
      false,
      offers,
    );
  // Offers of derivatives (whose sales pay royalties) and of works with bids (which a sale voids) are sought first
  // three times in five.
  const roll = c.rng();
  const bidOn = new Set([...c.known.bids.values()].map((b) => b.workId));
  const preferred =
    roll < 0.3
      ? c.known.offers.filter((o) => c.known.derivatives.has(o.workId))
      : roll < 0.6
        ? c.known.offers.filter((o) => bidOn.has(o.workId))
        : [];
  const found = (preferred.length ? await buyable(preferred) : null) ?? (await buyable(c.known.offers));
  if (!found) return "none";
  if (found.title.pledged && !(await consented(c, found.ref.workId))) return "none";
  const currency = await currencyOf(c, found.offer.currencyId);
  if (!(await allows(c, "ledger", currency))) return "none";
  const payer = pick(c, c.actors);
  const licensee = chance(c, 0.7) ? payer : pick(c, c.accounts);
  const op = variant("buyLicence", {
    derivative: found.title.owesRoyalties,
    token: currency !== ZERO,
    "voids a bid": await hasLiveBid(c, found.ref.workId, found.title.encumbrances),
  });
  const outcome = await send(
    c,
    op,
    payer,
    "ledger",
    "buyLicence",
    [found.ref.workId, found.ref.index, found.ref.termsHash, found.offer.price, licensee],
    valueFor(currency, found.offer.price),
  );
  if (outcome === "sent") {
    const serial = found.offer.sold + 1;
    const id = await c.pub.readContract({
      address: c.d.ledger,
      abi: licenceLedgerAbi,
      functionName: "grantIdOf",
      args: [{ workId: found.ref.workId, offerIndex: found.ref.index, serial }],
    });
    c.known.grants.push({ workId: found.ref.workId, offerIndex: found.ref.index, serial, id });
  }
  return outcome;
}

/**
 * One more term of a running grant of a renewable open offer, in a currency the ledger takes now; half the time of a
 * derivative's grant first (its renewal pays royalties up the lineage).
 */
export async function renewLicence(c: Ctx): Promise<Outcome> {
  const outcome = chance(c, 0.5) ? await renew(c, true) : "none";
  return outcome === "none" ? renew(c, false) : outcome;
}

async function renew(c: Ctx, derivativesOnly: boolean): Promise<Outcome> {
  const t = (await now(c)) + 1;
  let price = 0n;
  let currency: Hex = ZERO;
  let derivative = false;
  // Running grants are recent ones (terms run minutes to hours, and time jumps by days): the last 40 are tried.
  const grants = (
    derivativesOnly ? c.known.grants.filter((g) => c.known.derivatives.has(g.workId)) : c.known.grants
  ).slice(-40);
  const found = await findGrant(
    c,
    async (g, ref) => {
      if (!isLive(g.status) || g.end <= t) return false;
      const offer = await offerOf(c, { workId: ref.workId, index: ref.offerIndex });
      if (offer.duration === 0 || offer.status !== 1 || g.end > t + offer.duration) return false;
      if (Math.min(g.end + offer.duration, offer.end) <= g.end) return false;
      // A dispute or a pledge stops new sales, not renewals.
      const title = await titleOf(c, ref.workId);
      if (title.moves !== offer.moves || (derivativesOnly && !title.owesRoyalties)) return false;
      currency = await currencyOf(c, offer.currencyId);
      if (!(await allows(c, "ledger", currency))) return false;
      price = offer.price;
      derivative = title.owesRoyalties;
      return true;
    },
    grants,
    30,
  );
  if (!found) return "none";
  const op = variant("renewLicence", { derivative, token: currency !== ZERO });
  return send(
    c,
    op,
    pick(c, c.actors),
    "ledger",
    "renewLicence",
    [coords(found.ref), price],
    valueFor(currency, price),
  );
}

/**
 * A live grant that may be ended now: one still running, or (with `endExpiredGrants`) one that ran out already, whose
 * end the contract then keeps.
 */
async function findEndable(c: Ctx) {
  const t = (await now(c)) + 1;
  // With `endExpiredGrants`, grants that ran out are looked for first (they are the rarer case).
  const found =
    (c.endExpiredGrants ? await findGrant(c, async (g) => isLive(g.status) && g.end <= t) : null) ??
    (await findGrant(c, async (g) => isLive(g.status) && g.end > t));
  return found ? { ...found, expired: found.grant.end <= t } : null;
}

export async function terminateLicence(c: Ctx): Promise<Outcome> {
  const found = await findEndable(c);
  if (!found) return "none";
  const licensor =
    found.grant.parentGrantId === 0n
      ? (await titleOf(c, found.ref.workId)).owner
      : ((await grantOf(c, found.grant.parentGrantId)).holder.toLowerCase() as Hex);
  const op = found.expired ? "terminateLicence (expired)" : "terminateLicence";
  return send(c, op, licensor, "ledger", "terminateLicence", [coords(found.ref), cidOf(c, `breach ${c.step}`)]);
}

export async function surrenderLicence(c: Ctx): Promise<Outcome> {
  const found = await findEndable(c);
  if (!found) return "none";
  const op = found.expired ? "surrenderLicence (expired)" : "surrenderLicence";
  return send(c, op, found.grant.holder.toLowerCase() as Hex, "ledger", "surrenderLicence", [found.ref.id]);
}

export async function transferLicence(c: Ctx): Promise<Outcome> {
  const found = await findGrant(c, async (g) => isLive(g.status) && g.transferable);
  if (!found) return "none";
  const from = found.grant.holder.toLowerCase() as Hex;
  return send(c, "transferLicence", from, "ledger", "safeTransferFrom", [
    from,
    otherThan(c, from),
    found.ref.id,
    1n,
    "0x",
  ]);
}

/**
 * A sublicence under a live sublicensable grant whose ancestors are live, at most `MAX_SUBLICENCE_DEPTH` levels below
 * its root, inside the parent's scope (transferable only under a transferable grant), of a work that may be licensed
 * now (not disputed, not pledged without this pledge's consent).
 */
export async function issueSublicence(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  const found = await findGrant(c, async (g, ref) => {
    if (!isLive(g.status) || g.end <= t + 2) return false;
    const offer = await offerOf(c, { workId: ref.workId, index: ref.offerIndex });
    if ((offer.uses & 32) === 0) return false;
    let depth = 1;
    for (let id = g.parentGrantId; id !== 0n; depth++) {
      const parent = await grantOf(c, id);
      if (!isLive(parent.status)) return false;
      id = parent.parentGrantId;
    }
    if (depth > MAX_SUBLICENCE_DEPTH) return false;
    const title = await titleOf(c, ref.workId);
    if (title.disputed || (title.pledged && !(await consented(c, ref.workId)))) return false;
    return true;
  });
  if (!found) return "none";
  const parentOffer = await offerOf(c, { workId: found.ref.workId, index: found.ref.offerIndex });
  const g = found.grant;
  const uses = parentOffer.uses & int(c, 1, 63) || parentOffer.uses;
  const fields = parentOffer.fields & int(c, 1, 0xffff) || parentOffer.fields;
  const parentWorldwide = parentOffer.territory.every((w) => w === 0n);
  const worldwide = parentWorldwide && chance(c, 0.7);
  const territory: readonly [bigint, bigint, bigint] = parentWorldwide
    ? worldwide
      ? [0n, 0n, 0n]
      : territoryOf([pick(c, COUNTRIES)])
    : [parentOffer.territory[0], parentOffer.territory[1], parentOffer.territory[2]];
  const start = g.start > t ? g.start : chance(c, 0.8) ? 0 : t + int(c, 1, 100);
  const from = Math.max(start, t);
  let end: number;
  if (g.end === FOREVER) end = chance(c, 0.5) ? 0 : from + int(c, 1_000, 100_000);
  else end = chance(c, 0.5) ? g.end : from + Math.max(1, Math.floor((g.end - from) * c.rng()));
  if (end !== 0 && end <= from) return "none";
  const licensee = otherThan(c, g.holder, c.accounts);
  const outcome = await send(c, "issueSublicence", g.holder.toLowerCase() as Hex, "ledger", "issueSublicence", [
    coords(found.ref),
    licensee,
    {
      uses,
      fields,
      transferable: g.transferable && chance(c, 0.5),
      worldwide,
      territory,
      start,
      end,
      textHash: keccak256(toHex(`sublicence text ${c.seed} ${c.step}`)),
      textCid: cidOf(c, `sublicence text ${c.seed} ${c.step}`),
    },
  ]);
  if (outcome === "sent") {
    const logs = await c.pub.getContractEvents({
      address: c.d.ledger,
      abi: licenceLedgerAbi,
      eventName: "SublicenceIssued",
      fromBlock: "latest",
    });
    const log = logs[0];
    if (!log) throw new Error("SublicenceIssued not found after issueSublicence");
    const { workId, offerIndex, termsHash, grantId } = log.args;
    if (workId === undefined || offerIndex === undefined || termsHash === undefined || grantId === undefined) {
      throw new Error("SublicenceIssued without its arguments");
    }
    c.known.offers.push({ workId, index: offerIndex, termsHash, sub: true });
    c.known.grants.push({ workId, offerIndex, serial: 1, id: grantId });
  }
  return outcome;
}

export async function setSplits(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, () => true, 1);
  if (!w) return "none";
  const payees: { account: Hex; shareBps: number }[] = [];
  if (chance(c, 0.8)) {
    const accounts = shuffled(c, c.accounts).slice(0, int(c, 1, 3));
    let left = 10_000;
    for (const [i, account] of accounts.entries()) {
      const share = i === accounts.length - 1 ? left : int(c, 1, left - (accounts.length - 1 - i));
      payees.push({ account, shareBps: share });
      left -= share;
    }
  }
  const version = await c.pub.readContract({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    functionName: "currentSplit",
    args: [w.workId],
  });
  const outcome = await send(
    c,
    payees.length ? "setSplits" : "setSplits (owner alone)",
    w.owner,
    "ledger",
    "setSplits",
    [w.workId, payees],
  );
  if (outcome === "sent") c.known.splits.push({ workId: w.workId, version: version[0] + 1 });
  return outcome;
}

/** Divides what a split's pot holds in the native coin or the token (licence revenue and derivative royalties). */
export async function release(c: Ctx): Promise<Outcome> {
  const currency = chance(c, 0.3) ? c.token : ZERO;
  const found = await findOne(
    c,
    c.known.splits,
    async (s) => {
      const [, unreleased] = await c.pub.readContract({
        address: c.d.ledger,
        abi: licenceLedgerAbi,
        functionName: "revenueOf",
        args: [s.workId, s.version, currency],
      });
      if (unreleased === 0n) return null;
      const [, payees] = await c.pub.readContract({
        address: c.d.ledger,
        abi: licenceLedgerAbi,
        functionName: "splitOf",
        args: [s.workId, s.version],
      });
      return payees.length > 0 ? s : null;
    },
    20,
  );
  if (!found) return "none";
  const op = variant("release", { token: currency !== ZERO });
  return send(c, op, pick(c, c.accounts), "ledger", "release", [found.workId, found.version, currency]);
}

export async function pledgeeConsent(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => t.pledged);
  if (!w) return "none";
  const p = await pledgeOf(c, w.workId);
  return send(c, "setPledgeeConsent", p.pledgee, "ledger", "setPledgeeConsent", [w.workId, chance(c, 0.75)]);
}
