// Property test of exclusivity: no two offers that reserve their scope overlap when one is sole or exclusive.
import { expect } from "chai";
import fc from "fast-check";
import { zeroHash } from "viem";
import {
  type GrantRef,
  GrantStatus,
  grantIdOf,
  LicenceKind,
  type LicenceTerms,
  OfferStatus,
  termsHashOf,
  territoryOf,
  Use,
  usesOf,
} from "../../core/licence.ts";
import { cid, DAY, increaseTime, licenceTerms, nextBlockAt, nowSeconds, sublicenceTerms } from "./fixture.ts";
import {
  aimAt,
  assertSequences,
  deployLicensing,
  dispatch,
  FOREVER_N,
  type Handlers,
  isWorldwide,
  type Licensing,
  max,
  pick,
  pickOptional,
  signerOf,
  type Territory,
  titleOf,
  WORLDWIDE,
} from "./sequences.ts";

const POOL = ["CN", "HK", "FR", "US"] as const;

/**
 * An offer's scope on a small grid, so that offers often meet: periods start `from` days after the offer is made (0:
 * at once) and either last a fixed number of days or run renewable terms, capped `until` days after `from` (0:
 * perpetual).
 */
const offerShapeArb = fc.record({
  kind: fc.constantFrom(LicenceKind.NonExclusive, LicenceKind.Sole, LicenceKind.Exclusive),
  countries: fc.option(fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  fields: fc.integer({ min: 1, max: 7 }),
  from: fc.constantFrom(0, 10, 20, 40),
  term: fc.oneof(
    fc.record({ length: fc.constantFrom(10, 20, 40) }),
    fc.record({ duration: fc.constantFrom(10, 20), until: fc.constantFrom(0, 60, 120) }),
  ),
  supply: fc.constantFrom(0, 2),
  /** With the sublicense use: its grants can issue sublicences. */
  sublicensable: fc.boolean(),
});
type OfferShape = typeof offerShapeArb extends fc.Arbitrary<infer O> ? O : never;

const exclusivityCommand = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("createOffer"), shape: offerShapeArb }), weight: 4 },
  {
    arbitrary: fc.record({ t: fc.constant("buyLicence"), aim: fc.boolean(), offer: fc.nat(), buyer: fc.nat(1) }),
    weight: 3,
  },
  { arbitrary: fc.record({ t: fc.constant("closeOffer"), aim: fc.boolean(), offer: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("terminateLicence"), aim: fc.boolean(), grant: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("surrenderLicence"), aim: fc.boolean(), grant: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      t: fc.constant("issueSublicence"),
      aim: fc.boolean(),
      grant: fc.nat(),
      licensee: fc.nat(1),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ t: fc.constant("wait"), days: fc.integer({ min: 1, max: 30 }) }), weight: 1 },
);
type ExclusivityCommand = typeof exclusivityCommand extends fc.Arbitrary<infer C> ? C : never;

type ExclusivityState = {
  f: Licensing;
  /** Each offer's terms, by offer index (undefined for a sublicence's one-grant offer). */
  terms: (LicenceTerms | undefined)[];
  /** Root grants (bought from offers). */
  grants: GrantRef[];
  /** Sublicences, with the offer index of their root grant. */
  subs: { ref: GrantRef; rootOffer: number }[];
};

function termsOfShape(shape: OfferShape, at: number): LicenceTerms {
  const exclusive = shape.kind !== LicenceKind.NonExclusive;
  const days = "length" in shape.term ? shape.term.length : shape.term.until;
  return licenceTerms({
    uses: usesOf(shape.sublicensable ? ["reproduce", "display", "sublicense"] : ["reproduce", "display"]),
    kind: shape.kind,
    supply: exclusive ? 1 : shape.supply,
    worldwide: shape.countries === undefined,
    territory: shape.countries === undefined ? WORLDWIDE : territoryOf(shape.countries),
    fields: shape.fields,
    start: shape.from === 0 ? 0 : at + shape.from * DAY,
    end: days === 0 ? 0 : at + (shape.from + days) * DAY,
    duration: "duration" in shape.term ? shape.term.duration * DAY : 0,
  });
}

type Scope = {
  exclusive: boolean;
  /** A sublicence's one-grant offer. */
  sublicence: boolean;
  /** Whether the offer still holds its scope at the time asked, as the contract defines it. */
  reserves: boolean;
  fields: bigint;
  territory: readonly bigint[];
  start: bigint;
  /** The offer's end as stored. */
  offerEnd: bigint;
  /** The latest end of the offer and of every grant it sold: how far licences under it really reach. */
  reach: bigint;
  grants: { start: bigint; end: bigint; live: boolean }[];
};

/**
 * Every offer's scope, and whether it reserves it at time `at`: never a sublicence's (its root offer reserves for it);
 * otherwise an offer not yet past its end that is unsold but can still sell (not closed, made by the current holder),
 * or sold non-exclusively, or sole or exclusive with its one grant neither ended nor lapsed.
 */
async function scopesOf(f: Licensing, at: bigint): Promise<Scope[]> {
  const count = Number(await f.ledger.offerCount(f.workId));
  const { moves } = await titleOf(f, f.workId);
  const scopes: Scope[] = [];
  for (let offerIndex = 0; offerIndex < count; offerIndex += 1) {
    const offer = await f.ledger.offerOf(f.workId, offerIndex);
    const grants = [];
    for (let serial = 1; serial <= Number(offer.sold); serial += 1) {
      grants.push(await f.ledger.grantOf(grantIdOf({ workId: f.workId, offerIndex, serial })));
    }
    const exclusive = Number(offer.kind) !== LicenceKind.NonExclusive;
    const sublicence = grants[0] !== undefined && grants[0].parentGrantId !== 0n;
    const reserves =
      !sublicence &&
      at < offer.end &&
      (grants.length === 0
        ? offer.status !== BigInt(OfferStatus.Closed) && offer.moves === moves
        : !exclusive || grants.every((g) => !isEnded(g.status) && at < g.end));
    scopes.push({
      exclusive,
      sublicence,
      reserves,
      fields: offer.fields,
      territory: [...offer.territory],
      start: offer.start,
      offerEnd: offer.end,
      reach: grants.reduce((end, g) => max(end, g.end), offer.end),
      grants: grants.map((g) => ({ start: g.start, end: g.end, live: !isEnded(g.status) })),
    });
  }
  return scopes;
}

function scopesOverlap(a: Scope, aEnd: bigint, b: Scope, bEnd: bigint): boolean {
  if (a.start >= bEnd || b.start >= aEnd) return false;
  if ((a.fields & b.fields) === 0n) return false;
  if (isWorldwide(a.territory) || isWorldwide(b.territory)) return true;
  return a.territory.some((word, i) => (word & (b.territory[i] ?? 0n)) !== 0n);
}

const exclusivity: Handlers<ExclusivityCommand, ExclusivityState> = {
  /** Predicts the contract's refusal: ExclusivityConflict naming one of the reserving offers the new one meets. */
  async createOffer(s, c) {
    const { f } = s;
    const at = await nextBlockAt(1n);
    const scopes = await scopesOf(f, at);
    const terms = termsOfShape(c.shape, Number(at));
    const candidate: Scope = {
      exclusive: terms.kind !== LicenceKind.NonExclusive,
      sublicence: false,
      reserves: true,
      fields: BigInt(terms.fields),
      territory: terms.territory,
      start: max(BigInt(terms.start), at),
      offerEnd: terms.end === 0 ? FOREVER_N : BigInt(terms.end),
      reach: 0n,
      grants: [],
    };
    const conflicts = scopes.flatMap((other, index) =>
      (candidate.exclusive || other.exclusive) &&
      other.reserves &&
      scopesOverlap(candidate, candidate.offerEnd, other, other.offerEnd)
        ? [BigInt(index)]
        : [],
    );
    const create = f.ledger.connect(f.artisan).createOffer(f.workId, terms, 0n);
    if (conflicts.length > 0) {
      // The book is checked in its own order (dead offers are swapped out), so any conflicting offer may be named.
      await expect(create)
        .to.be.revertedWithCustomError(f.ledger, "ExclusivityConflict")
        .withArgs(f.workId, (index: bigint) => conflicts.includes(index));
    } else {
      await create;
      s.terms.push(terms);
    }
  },

  async buyLicence(s, c) {
    const { f } = s;
    if (s.terms.length === 0) return;
    const offerIndex = await aimAt(c.aim, c.offer, () => onSale(f, s.terms.length), c.offer % s.terms.length);
    const offer = await f.ledger.offerOf(f.workId, offerIndex);
    const buyer = pick([f.licensee, f.other], c.buyer);
    const at = await nextBlockAt(1n);
    const terms = s.terms[offerIndex];
    const buy = f.ledger
      .connect(buyer)
      .buyLicence(f.workId, offerIndex, terms === undefined ? zeroHash : termsHashOf(terms), 0n, buyer.address);
    if (offer.status !== BigInt(OfferStatus.Open)) {
      await expect(buy)
        .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
        .withArgs(f.workId, offerIndex, offer.status);
    } else if (offer.supply !== 0n && offer.sold === offer.supply) {
      await expect(buy).to.be.revertedWithCustomError(f.ledger, "SoldOut").withArgs(f.workId, offerIndex, offer.supply);
    } else if (at >= offer.end) {
      await expect(buy).to.be.revertedWithCustomError(f.ledger, "OfferEnded").withArgs(f.workId, offerIndex, offer.end);
    } else {
      await buy;
      s.grants.push({ workId: f.workId, offerIndex, serial: Number(offer.sold) + 1 });
    }
  },

  async closeOffer(s, c) {
    const { f } = s;
    if (s.terms.length === 0) return;
    const offerIndex = await aimAt(c.aim, c.offer, () => soldAndOpen(f, s.terms.length), c.offer % s.terms.length);
    const offer = await f.ledger.offerOf(f.workId, offerIndex);
    const close = f.ledger.connect(f.artisan).closeOffer(f.workId, offerIndex);
    if (s.terms[offerIndex] === undefined) {
      await expect(close).to.be.revertedWithCustomError(f.ledger, "SublicenceOffer").withArgs(f.workId, offerIndex);
    } else if (offer.status === BigInt(OfferStatus.Closed)) {
      await expect(close)
        .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
        .withArgs(f.workId, offerIndex, OfferStatus.Closed);
    } else {
      await close;
    }
  },

  async terminateLicence(s, c) {
    await endGrant(s, c.aim, c.grant, "terminate");
  },

  async surrenderLicence(s, c) {
    await endGrant(s, c.aim, c.grant, "surrender");
  },

  /** The holder of a root grant sublicenses reproduction over its grant's whole scope and term. */
  async issueSublicence(s, c) {
    const { f } = s;
    const ref = await aimAt(c.aim, c.grant, () => liveRefs(f, s.grants), pickOptional(s.grants, c.grant));
    if (ref === undefined) return;
    const grantId = grantIdOf(ref);
    const grant = await f.ledger.grantOf(grantId);
    const offer = await f.ledger.offerOf(f.workId, ref.offerIndex);
    const at = await nextBlockAt(1n);
    const terms = sublicenceTerms({
      uses: Use.reproduce,
      fields: Number(offer.fields),
      worldwide: isWorldwide(offer.territory),
      territory: [...offer.territory] as Territory,
      start: grant.start > at ? Number(grant.start) : 0,
      end: grant.end === FOREVER_N ? 0 : Number(grant.end),
    });
    const licensee = pick([f.licensee, f.other], c.licensee);
    const offerIndex = s.terms.length;
    const issue = f.ledger
      .connect(signerOf([f.licensee, f.other], grant.holder))
      .issueSublicence(ref, licensee.address, terms);
    if (isEnded(grant.status)) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "GrantEnded").withArgs(grantId, grant.status);
    } else if ((Number(offer.uses) & Use.sublicense) === 0) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "NotSublicensable").withArgs(grantId);
    } else if (grant.end <= max(grant.start, at)) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "InvalidTerm").withArgs(terms.start, terms.end, 0);
    } else {
      await issue;
      s.terms.push(undefined);
      s.subs.push({ ref: { workId: f.workId, offerIndex, serial: 1 }, rootOffer: ref.offerIndex });
    }
  },

  async wait(_s, c) {
    await increaseTime(c.days * DAY);
  },
};

/** The licensor terminates, or the holder surrenders, a grant; refused with `GrantEnded` once it has ended. */
async function endGrant(s: ExclusivityState, aim: boolean, n: number, how: "terminate" | "surrender"): Promise<void> {
  const { f } = s;
  const ref = await aimAt(aim, n, () => liveRefs(f, s.grants), pickOptional(s.grants, n));
  if (ref === undefined) return;
  const grantId = grantIdOf(ref);
  const grant = await f.ledger.grantOf(grantId);
  const end =
    how === "terminate"
      ? f.ledger.connect(f.artisan).terminateLicence(ref, cid())
      : f.ledger.connect(signerOf([f.licensee, f.other], grant.holder)).surrenderLicence(grantId);
  if (isEnded(grant.status)) {
    await expect(end).to.be.revertedWithCustomError(f.ledger, "GrantEnded").withArgs(grantId, grant.status);
  } else {
    await end;
  }
}

/** Offers open, not sold out and not ended. */
async function onSale(f: Licensing, count: number): Promise<number[]> {
  const now = BigInt(await nowSeconds());
  const found = [];
  for (let index = 0; index < count; index += 1) {
    const offer = await f.ledger.offerOf(f.workId, index);
    const soldOut = offer.supply !== 0n && offer.sold === offer.supply;
    if (offer.status === BigInt(OfferStatus.Open) && !soldOut && offer.end > now + 1n) found.push(index);
  }
  return found;
}

/** Offers not yet closed that have sold a grant (closing one cuts its reach while the grants run). */
async function soldAndOpen(f: Licensing, count: number): Promise<number[]> {
  const found = [];
  for (let index = 0; index < count; index += 1) {
    const offer = await f.ledger.offerOf(f.workId, index);
    if (offer.status !== BigInt(OfferStatus.Closed) && offer.sold > 0n) found.push(index);
  }
  return found;
}

function isEnded(status: bigint): boolean {
  return status === BigInt(GrantStatus.Terminated) || status === BigInt(GrantStatus.Surrendered);
}

/** The grants neither terminated nor surrendered. */
async function liveRefs(f: Licensing, refs: readonly GrantRef[]): Promise<GrantRef[]> {
  const live = [];
  for (const ref of refs) if (!isEnded(await f.ledger.grantStatus(grantIdOf(ref)))) live.push(ref);
  return live;
}

/**
 * No two offers that still reserve their scope, one of them sole or exclusive, meet in territory, field and time
 * (counting the time of the grants they sold). The contract checks offers' stored periods only, which is sound because
 * every grant lies within its offer's period: closing an offer brings its end down no lower than its grants' ends.
 * And every sublicence that still permits anything is covered: its root offer reserves its scope.
 */
async function expectNoExclusiveOverlap(s: ExclusivityState): Promise<void> {
  const { f } = s;
  const now = BigInt(await nowSeconds());
  const scopes = await scopesOf(f, now);
  for (const sub of s.subs) {
    const status = Number(await f.ledger.grantStatus(grantIdOf(sub.ref)));
    if (status !== GrantStatus.Active && status !== GrantStatus.Scheduled) continue;
    expect(
      scopes[sub.rootOffer]?.reserves,
      `live sublicence ${sub.ref.offerIndex}: root offer ${sub.rootOffer}`,
    ).to.equal(true);
  }
  scopes.forEach((scope, i) => {
    scope.grants.forEach((g, k) => {
      expect(g.end <= scope.offerEnd, `grant ${k + 1} of offer ${i} ends after its offer`).to.equal(true);
      if (g.live) expect(g.start >= scope.start, `grant ${k + 1} of offer ${i} starts before its offer`).to.equal(true);
    });
  });
  scopes.forEach((a, i) => {
    scopes.slice(i + 1).forEach((b, k) => {
      if (!a.reserves || !b.reserves || !(a.exclusive || b.exclusive)) return;
      expect(scopesOverlap(a, a.reach, b, b.reach), `offers ${i} and ${i + 1 + k} overlap`).to.equal(false);
    });
  });
}

/**
 * A regression example, always run: an exclusive renewable offer starting in 40 days is bought (its grant runs days
 * 40-50) and closed. Closing once cut the offer's reach to "now + 2 terms" (day 20), below the live grant's start, and
 * an exclusive offer for days 20-60 was then accepted over it; the reach now counts from the offer's start.
 */
const closedFutureExclusive: ExclusivityCommand[] = [
  {
    t: "createOffer",
    shape: {
      kind: LicenceKind.Exclusive,
      countries: undefined,
      fields: 1,
      from: 40,
      term: { duration: 10, until: 0 },
      supply: 0,
      sublicensable: false,
    },
  },
  { t: "buyLicence", aim: false, offer: 0, buyer: 0 },
  { t: "closeOffer", aim: false, offer: 0 },
  {
    t: "createOffer",
    shape: {
      kind: LicenceKind.Exclusive,
      countries: undefined,
      fields: 1,
      from: 20,
      term: { length: 40 },
      supply: 0,
      sublicensable: false,
    },
  },
];

/**
 * A regression example, always run: an exclusive renewable perpetual offer is bought, its grant lapses unrenewed (it can
 * no longer be renewed), and an exclusive offer over the same scope is then accepted; a live sublicence under another
 * exclusive grant keeps that scope reserved.
 */
const lapsedExclusive: ExclusivityCommand[] = [
  {
    t: "createOffer",
    shape: {
      kind: LicenceKind.Exclusive,
      countries: ["CN"],
      fields: 1,
      from: 0,
      term: { duration: 10, until: 0 },
      supply: 0,
      sublicensable: true,
    },
  },
  { t: "buyLicence", aim: false, offer: 0, buyer: 0 },
  { t: "issueSublicence", aim: false, grant: 0, licensee: 1 },
  { t: "wait", days: 11 },
  {
    t: "createOffer",
    shape: {
      kind: LicenceKind.Exclusive,
      countries: ["CN"],
      fields: 1,
      from: 0,
      term: { length: 40 },
      supply: 0,
      sublicensable: true,
    },
  },
  { t: "buyLicence", aim: false, offer: 2, buyer: 0 },
  { t: "issueSublicence", aim: false, grant: 1, licensee: 1 },
  {
    t: "createOffer",
    shape: {
      kind: LicenceKind.Sole,
      countries: ["CN", "HK"],
      fields: 3,
      from: 0,
      term: { length: 10 },
      supply: 0,
      sublicensable: false,
    },
  },
];

describe("LicenceLedger: exclusivity", () => {
  it("never lets two offers that reserve their scope overlap when one is sole or exclusive, nor a live sublicence go unreserved", async () => {
    await assertSequences(
      exclusivityCommand,
      [6, 16],
      deployLicensing,
      { numRuns: 60, examples: [[closedFutureExclusive], [lapsedExclusive]] },
      async (f, commands) => {
        const s: ExclusivityState = { f, terms: [], grants: [], subs: [] };
        for (const c of commands) await dispatch(exclusivity, s, c);
        await expectNoExclusiveOverlap(s);
      },
    );
  });
});
