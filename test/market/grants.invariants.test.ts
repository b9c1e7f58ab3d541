// Property tests of grants: ended grants permit nothing, and sublicences stay inside their parents.
import { expect } from "chai";
import fc from "fast-check";
import {
  countryHex,
  type GrantRef,
  GrantStatus,
  grantIdOf,
  type LicenceTerms,
  termsHashOf,
  territoryOf,
  Use,
} from "../../core/licence.ts";
import {
  cid,
  createOffer,
  DAY,
  increaseTime,
  licenceTerms,
  type MarketFixture,
  networkHelpers,
  nextBlockAt,
  nowSeconds,
  sublicenceTerms,
} from "./fixture.ts";
import {
  aimAt,
  assertSequences,
  deployLicensing,
  dispatch,
  FOREVER_N,
  type Handlers,
  isWorldwide,
  type Licensing,
  lowestBit,
  max,
  min,
  pick,
  pickOptional,
  type Signer,
  signerOf,
  type Territory,
  USE_BITS,
  WORLDWIDE,
} from "./sequences.ts";

type Scoped = { uses: number; fields: number; worldwide: boolean; territory: Territory; countries: readonly string[] };

/** A grant as the test expects it to be. */
type Tracked = {
  ref: GrantRef;
  id: bigint;
  scope: Scoped;
  renewable: boolean;
  parent: Tracked | undefined;
  start: bigint;
  end: bigint;
  ended: number | undefined;
};

type LifecycleState = {
  f: Licensing;
  offers: { terms: LicenceTerms; scope: Scoped }[];
  grants: Tracked[];
  /** The grant each holder last bought for itself, or named, with the adapt right. */
  derivative: Map<string, Tracked>;
};

function holdersOf(f: MarketFixture): Signer[] {
  return [f.licensee, f.other, f.buyer];
}

function scopeOf(
  terms: Pick<LicenceTerms, "uses" | "fields" | "worldwide" | "territory">,
  countries: readonly string[],
): Scoped {
  return { uses: terms.uses, fields: terms.fields, worldwide: terms.worldwide, territory: terms.territory, countries };
}

/** The artisan offers each of `shapes` (terms and the countries they cover) for free, in order. */
async function offerFree(f: Licensing, shapes: [LicenceTerms, string[]][]): Promise<LifecycleState["offers"]> {
  const offers = [];
  for (const [terms, countries] of shapes) {
    await createOffer(f.ledger, f.artisan, f.workId, terms, 0n);
    offers.push({ terms, scope: scopeOf(terms, countries) });
  }
  return offers;
}

/**
 * A holder buys from one of the free offers made by {offerFree}. Undefined when refused with `OfferEnded` (the offer
 * has ended); else the new grant's ref and scope, the offer as it stood before the sale, the buyer and the sale's time.
 */
async function buyFreeOffer(s: Pick<LifecycleState, "f" | "offers">, c: { offer: number; buyer: number }) {
  const { f } = s;
  const { terms, scope } = pick(s.offers, c.offer);
  const offer = await f.ledger.offerOf(f.workId, c.offer);
  const buyer = pick(holdersOf(f), c.buyer);
  const at = await nextBlockAt(1n);
  const buy = f.ledger.connect(buyer).buyLicence(f.workId, c.offer, termsHashOf(terms), 0n, buyer.address);
  if (at >= offer.end) {
    await expect(buy).to.be.revertedWithCustomError(f.ledger, "OfferEnded").withArgs(f.workId, c.offer, offer.end);
    return undefined;
  }
  await buy;
  const ref = { workId: f.workId, offerIndex: c.offer, serial: Number(offer.sold) + 1 };
  return { ref, scope, offer, buyer, at };
}

/**
 * A renewable 10-day offer of every use but adapt; a fixed window from day 5 to day 25; a renewable 3-day offer until
 * day 40.
 */
async function lifecycleOffers(f: Licensing): Promise<LifecycleState["offers"]> {
  const t = await nowSeconds();
  const shapes: [LicenceTerms, string[]][] = [
    [
      licenceTerms({ uses: 63 & ~Use.adapt, fields: 0b0011, territory: territoryOf(["CN", "FR"]), duration: 10 * DAY }),
      ["CN", "FR"],
    ],
    [
      licenceTerms({
        uses: Use.reproduce | Use.adapt | Use.sublicense,
        worldwide: true,
        territory: WORLDWIDE,
        start: t + 5 * DAY,
        end: t + 25 * DAY,
        duration: 0,
      }),
      [],
    ],
    [
      licenceTerms({
        uses: Use.display | Use.adapt | Use.sublicense,
        fields: 0b0100,
        territory: territoryOf(["HK"]),
        end: t + 40 * DAY,
        duration: 3 * DAY,
      }),
      ["HK"],
    ],
  ];
  return offerFree(f, shapes);
}

const lifecycleCommand = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("buyLicence"), offer: fc.nat(2), buyer: fc.nat(2) }), weight: 3 },
  {
    arbitrary: fc.record({ t: fc.constant("renewLicence"), aim: fc.boolean(), grant: fc.nat(), payer: fc.nat(2) }),
    weight: 2,
  },
  { arbitrary: fc.record({ t: fc.constant("terminateLicence"), grant: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("surrenderLicence"), grant: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      t: fc.constant("issueSublicence"),
      grant: fc.nat(),
      licensee: fc.nat(2),
      uses: fc.integer({ min: 1, max: 63 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("jumpToEdge"),
      aim: fc.boolean(),
      grant: fc.nat(),
      end: fc.boolean(),
      offset: fc.integer({ min: -1, max: 1 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ t: fc.constant("useForDerivatives"), grant: fc.nat(), holder: fc.nat(2) }),
    weight: 1,
  },
  { arbitrary: fc.record({ t: fc.constant("wait"), seconds: fc.integer({ min: 1, max: 12 * DAY }) }), weight: 2 },
);
type LifecycleCommand = typeof lifecycleCommand extends fc.Arbitrary<infer C> ? C : never;

/** Records a new grant; a licensee's own purchase with the adapt right names it for derivatives, a sublicence not. */
function track(s: LifecycleState, grant: Omit<Tracked, "id" | "ended">, licensee: string): void {
  const tracked = { ...grant, id: grantIdOf(grant.ref), ended: undefined };
  s.grants.push(tracked);
  if (grant.parent === undefined && grant.scope.uses & Use.adapt) s.derivative.set(licensee, tracked);
}

/** Levels from a grant up to its root grant (a root grant is level 0). */
function depthOf(g: Tracked): number {
  let depth = 0;
  for (let p = g.parent; p !== undefined; p = p.parent) depth += 1;
  return depth;
}

const lifecycle: Handlers<LifecycleCommand, LifecycleState> = {
  async buyLicence(s, c) {
    const sale = await buyFreeOffer(s, c);
    if (sale === undefined) return;
    const { ref, scope, offer, buyer, at } = sale;
    const start = max(offer.start, at);
    const end = offer.duration === 0n ? offer.end : min(start + offer.duration, offer.end);
    track(s, { ref, scope, renewable: offer.duration !== 0n, parent: undefined, start, end }, buyer.address);
  },

  async renewLicence(s, c) {
    const { f } = s;
    const now = BigInt(await nowSeconds());
    const running = async () => s.grants.filter((g) => g.renewable && g.ended === undefined && g.end > now + 1n);
    const g = await aimAt(c.aim, c.grant, running, pickOptional(s.grants, c.grant));
    if (g === undefined) return;
    const offer = await f.ledger.offerOf(f.workId, g.ref.offerIndex);
    const at = await nextBlockAt(1n);
    const renew = f.ledger.connect(pick(holdersOf(f), c.payer)).renewLicence(g.ref, 0n);
    const end = min(g.end + offer.duration, offer.end);
    if (g.ended !== undefined) {
      await expect(renew).to.be.revertedWithCustomError(f.ledger, "GrantEnded").withArgs(g.id, g.ended);
    } else if (offer.duration === 0n) {
      await expect(renew).to.be.revertedWithCustomError(f.ledger, "NotRenewable").withArgs(g.id);
    } else if (g.end <= at) {
      await expect(renew).to.be.revertedWithCustomError(f.ledger, "GrantEnded").withArgs(g.id, GrantStatus.Expired);
    } else if (g.end > at + offer.duration) {
      await expect(renew)
        .to.be.revertedWithCustomError(f.ledger, "RenewalTooEarly")
        .withArgs(g.id, g.end, g.end - offer.duration);
    } else if (end <= g.end) {
      await expect(renew)
        .to.be.revertedWithCustomError(f.ledger, "OfferEnded")
        .withArgs(f.workId, g.ref.offerIndex, offer.end);
    } else {
      await renew;
      g.end = end;
    }
  },

  async terminateLicence(s, c) {
    const { f } = s;
    const g = pickOptional(s.grants, c.grant);
    if (g === undefined) return;
    const licensor =
      g.parent === undefined ? f.artisan : signerOf(holdersOf(f), (await f.ledger.grantOf(g.parent.id)).holder);
    const at = await nextBlockAt(1n);
    await endTracked(g, at, GrantStatus.Terminated, f.ledger.connect(licensor).terminateLicence(g.ref, cid()), f);
  },

  async surrenderLicence(s, c) {
    const { f } = s;
    const g = pickOptional(s.grants, c.grant);
    if (g === undefined) return;
    const holder = signerOf(holdersOf(f), (await f.ledger.grantOf(g.id)).holder);
    const at = await nextBlockAt(1n);
    await endTracked(g, at, GrantStatus.Surrendered, f.ledger.connect(holder).surrenderLicence(g.id), f);
  },

  /** The holder sublicenses some of its uses over its whole scope and term. */
  async issueSublicence(s, c) {
    const { f } = s;
    const parent = pickOptional(s.grants, c.grant);
    if (parent === undefined) return;
    const { holder } = await f.ledger.grantOf(parent.id);
    const uses = parent.scope.uses & c.uses || parent.scope.uses;
    const terms = sublicenceTerms({
      uses,
      fields: parent.scope.fields,
      worldwide: parent.scope.worldwide,
      territory: parent.scope.territory,
      start: Number(parent.start),
      end: parent.end === FOREVER_N ? 0 : Number(parent.end),
    });
    const licensee = pick(holdersOf(f), c.licensee);
    const offerIndex = Number(await f.ledger.offerCount(f.workId));
    const at = await nextBlockAt(1n);
    const issue = f.ledger.connect(signerOf(holdersOf(f), holder)).issueSublicence(parent.ref, licensee.address, terms);
    if (parent.ended !== undefined) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "GrantEnded").withArgs(parent.id, parent.ended);
    } else if (ancestorEnded(parent)) {
      await expect(issue)
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(parent.id, GrantStatus.ParentEnded);
    } else if (depthOf(parent) + 1 > MAX_SUBLICENCE_DEPTH) {
      await expect(issue)
        .to.be.revertedWithCustomError(f.ledger, "SublicenceTooDeep")
        .withArgs(parent.id, MAX_SUBLICENCE_DEPTH);
    } else if ((parent.scope.uses & Use.sublicense) === 0) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "NotSublicensable").withArgs(parent.id);
    } else if (parent.end <= max(parent.start, at)) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "InvalidTerm").withArgs(terms.start, terms.end, 0);
    } else {
      await issue;
      const ref = { workId: f.workId, offerIndex, serial: 1 };
      const scope = { ...parent.scope, uses };
      const start = max(parent.start, at);
      track(s, { ref, scope, renewable: false, parent, start, end: parent.end }, licensee.address);
    }
  },

  /** A holder names one of the tracked grants for its derivatives. */
  async useForDerivatives(s, c) {
    const { f } = s;
    const g = pickOptional(s.grants, c.grant);
    if (g === undefined) return;
    const holder = pick(holdersOf(f), c.holder);
    const stored = await f.ledger.grantOf(g.id);
    const use = f.ledger.connect(holder).useForDerivatives(g.ref);
    if (g.ended !== undefined) {
      await expect(use).to.be.revertedWithCustomError(f.ledger, "GrantEnded").withArgs(g.id, g.ended);
    } else if (stored.holder !== holder.address) {
      await expect(use).to.be.revertedWithCustomError(f.ledger, "NotGrantHolder").withArgs(g.id, holder.address);
    } else if ((g.scope.uses & Use.adapt) === 0) {
      await expect(use).to.be.revertedWithCustomError(f.ledger, "NotAdaptable").withArgs(g.id);
    } else {
      await use;
      s.derivative.set(holder.address, g);
    }
  },

  /** Moves the clock to one second before, at or after a grant's start or end (if still ahead). */
  async jumpToEdge(s, c) {
    const now = BigInt(await nowSeconds());
    const edgeOf = (g: Tracked) => (c.end ? g.end : g.start) + BigInt(c.offset);
    const ahead = async () => s.grants.filter((g) => edgeOf(g) > now && edgeOf(g) < FOREVER_N);
    const g = await aimAt(c.aim, c.grant, ahead, pickOptional(s.grants, c.grant));
    if (g === undefined) return;
    const target = edgeOf(g);
    if (target > now && target < FOREVER_N) await networkHelpers.time.increaseTo(target);
  },

  async wait(_s, c) {
    await increaseTime(c.seconds);
  },
};

async function endTracked(
  g: Tracked,
  at: bigint,
  status: number,
  end: Promise<unknown>,
  f: MarketFixture,
): Promise<void> {
  if (g.ended !== undefined) {
    await expect(end).to.be.revertedWithCustomError(f.ledger, "GrantEnded").withArgs(g.id, g.ended);
    return;
  }
  await end;
  g.ended = status;
  if (g.end > at) g.end = at;
}

/** Whether a grant above this one was terminated or surrendered. */
function ancestorEnded(g: Tracked): boolean {
  for (let p = g.parent; p !== undefined; p = p.parent) {
    if (p.ended !== undefined) return true;
  }
  return false;
}

/** The status the ledger should report: ended by a party, expired, under an ended parent, not yet started, or live. */
function expectedStatus(g: Tracked, now: bigint): number {
  if (g.ended !== undefined) return g.ended;
  if (now >= g.end) return GrantStatus.Expired;
  if (ancestorEnded(g)) return GrantStatus.ParentEnded;
  if (now < g.start) return GrantStatus.Scheduled;
  return GrantStatus.Active;
}

/**
 * Every grant's status, stored interval and permissions now; and the derivative authority's answer for each holder.
 * A grant that is not Active permits no use at all; an Active one permits exactly its offer's uses.
 */
async function expectLifecycleConsistent(s: LifecycleState): Promise<void> {
  const { f } = s;
  const now = BigInt(await nowSeconds());
  const statuses = new Map<Tracked, number>();
  for (const g of s.grants) {
    const stored = await f.ledger.grantOf(g.id);
    const status = expectedStatus(g, now);
    statuses.set(g, status);
    expect([stored.start, stored.end], "grant interval").to.deep.equal([g.start, g.end]);
    expect(stored.status, "grantOf status").to.equal(BigInt(status));
    expect(await f.ledger.grantStatus(g.id), "grantStatus").to.equal(BigInt(status));
    if (status === GrantStatus.Active) expect(now >= stored.start && now < stored.end).to.equal(true);
    const country = countryHex(g.scope.countries[0] ?? "JP");
    for (const use of USE_BITS) {
      const allowed = await f.ledger.permits(g.ref, stored.holder, use, country, lowestBit(g.scope.fields), now);
      expect(allowed, `grant ${g.ref.offerIndex}/${g.ref.serial} use ${use}`).to.equal(
        status === GrantStatus.Active && (g.scope.uses & use) !== 0,
      );
    }
  }
  for (const holder of holdersOf(f)) {
    const selected = s.derivative.get(holder.address);
    const expected = selected !== undefined && statuses.get(selected) === GrantStatus.Active ? selected.id : 0n;
    expect(await f.ledger.derivativeGrantOf(holder.address, f.workId)).to.equal(expected);
  }
}

const SUB_POOL = ["CN", "HK", "FR", "US", "JP"] as const;

/**
 * Three sublicensable parents: worldwide renewable; China and Hong Kong for days 5-50; France and the US from day 10.
 */
async function sublicensingOffers(f: Licensing): Promise<LifecycleState["offers"]> {
  const t = await nowSeconds();
  const shapes: [LicenceTerms, string[]][] = [
    [licenceTerms({ uses: 63, fields: 0b1111, worldwide: true, territory: WORLDWIDE, duration: 60 * DAY }), []],
    [
      licenceTerms({
        uses: Use.reproduce | Use.display | Use.sublicense,
        fields: 0b0101,
        territory: territoryOf(["CN", "HK"]),
        start: t + 5 * DAY,
        end: t + 50 * DAY,
        duration: 0,
      }),
      ["CN", "HK"],
    ],
    [
      licenceTerms({
        uses: 63 & ~Use.adapt,
        fields: 0b1110,
        territory: territoryOf(["FR", "US"]),
        start: t + 10 * DAY,
        end: t + 200 * DAY,
        duration: 30 * DAY,
      }),
      ["FR", "US"],
    ],
  ];
  return offerFree(f, shapes);
}

const sublicensingCommand = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("buyLicence"), offer: fc.nat(2), buyer: fc.nat(2) }), weight: 2 },
  {
    arbitrary: fc.record({
      t: fc.constant("issueSublicence"),
      /** Half the time: a running sublicensable parent, and terms cut down to fit inside it. */
      narrow: fc.boolean(),
      parent: fc.nat(),
      licensee: fc.nat(2),
      uses: fc.integer({ min: 1, max: 63 }),
      fields: fc.integer({ min: 1, max: 15 }),
      countries: fc.option(fc.uniqueArray(fc.constantFrom(...SUB_POOL), { minLength: 1, maxLength: 3 }), {
        nil: undefined,
      }),
      /** Days from the parent's start (none: from now). */
      start: fc.option(fc.integer({ min: -5, max: 20 }), { nil: undefined }),
      /** Days from the parent's end (none: perpetual). */
      end: fc.option(fc.integer({ min: -30, max: 10 }), { nil: undefined }),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ t: fc.constant("wait"), days: fc.integer({ min: 1, max: 20 }) }), weight: 1 },
);
type SublicensingCommand = typeof sublicensingCommand extends fc.Arbitrary<infer C> ? C : never;

type Sublicence = Tracked & { parent: Tracked; parentStart: bigint; parentEnd: bigint };
type SublicensingState = Omit<LifecycleState, "derivative"> & { subs: Sublicence[] };

/** The drawn part of a sublicence: days from the parent's start (none: now) and end (none: perpetual). */
type SublicenceDraw = {
  uses: number;
  fields: number;
  countries: readonly string[] | undefined;
  start: number | undefined;
  end: number | undefined;
};

/** A drawn sublicence cut down to its parent's uses, fields, countries and term. */
function narrowed(draw: SublicenceDraw, parent: Scoped): SublicenceDraw {
  const inside = (draw.countries ?? []).filter((code) => parent.countries.includes(code));
  return {
    uses: draw.uses & parent.uses || parent.uses,
    fields: draw.fields & parent.fields || parent.fields,
    countries: parent.worldwide ? draw.countries : inside.length > 0 ? inside : parent.countries,
    start: Math.max(draw.start ?? 0, 0),
    end: Math.min(draw.end ?? 0, 0),
  };
}

/** The term of the parent's scope a sublicence would exceed first, in the contract's order; undefined if it fits. */
function exceeded(parent: Tracked, sub: Scoped, start: bigint, end: bigint): string | undefined {
  if (sub.uses & ~parent.scope.uses) return "uses";
  if (sub.fields & ~parent.scope.fields) return "fields";
  if (!parent.scope.worldwide && (sub.worldwide || sub.countries.some((c) => !parent.scope.countries.includes(c)))) {
    return "territory";
  }
  if (start < parent.start) return "start";
  if (end > parent.end) return "end";
  return undefined;
}

const sublicensing: Handlers<SublicensingCommand, SublicensingState> = {
  async buyLicence(s, c) {
    const sale = await buyFreeOffer(s, c);
    if (sale === undefined) return;
    const { ref, scope, offer } = sale;
    const { start, end } = await s.f.ledger.grantOf(grantIdOf(ref));
    const renewable = offer.duration !== 0n;
    s.grants.push({ ref, id: grantIdOf(ref), scope, renewable, parent: undefined, start, end, ended: undefined });
  },

  async issueSublicence(s, c) {
    const { f } = s;
    const now = BigInt(await nowSeconds());
    const running = async () => s.grants.filter((g) => g.scope.uses & Use.sublicense && g.end > now + 1n);
    const parent = await aimAt(c.narrow, c.parent, running, pickOptional(s.grants, c.parent));
    if (parent === undefined) return;
    const { holder } = await f.ledger.grantOf(parent.id);
    const draw = c.narrow ? narrowed(c, parent.scope) : c;
    const countries = draw.countries ?? [];
    const terms = sublicenceTerms({
      uses: draw.uses,
      fields: draw.fields,
      worldwide: draw.countries === undefined,
      territory: draw.countries === undefined ? WORLDWIDE : territoryOf(draw.countries),
      start: draw.start === undefined ? 0 : Number(parent.start) + draw.start * DAY,
      end: draw.end === undefined ? 0 : Number(parent.end) + draw.end * DAY,
    });
    const scope = scopeOf(terms, countries);
    const licensee = pick(holdersOf(f), c.licensee);
    const offerIndex = Number(await f.ledger.offerCount(f.workId));
    const at = await nextBlockAt(1n);
    const start = max(BigInt(terms.start), at);
    const end = terms.end === 0 ? FOREVER_N : BigInt(terms.end);
    const what = exceeded(parent, scope, start, end);
    const issue = f.ledger.connect(signerOf(holdersOf(f), holder)).issueSublicence(parent.ref, licensee.address, terms);
    if ((parent.scope.uses & Use.sublicense) === 0) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "NotSublicensable").withArgs(parent.id);
    } else if (end <= start) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "InvalidTerm").withArgs(terms.start, terms.end, 0);
    } else if (what !== undefined) {
      await expect(issue).to.be.revertedWithCustomError(f.ledger, "ScopeExceedsParent").withArgs(parent.id, what);
    } else {
      await issue;
      const ref = { workId: f.workId, offerIndex, serial: 1 };
      const sub = {
        ref,
        id: grantIdOf(ref),
        scope,
        renewable: false,
        parent,
        start,
        end,
        ended: undefined,
        parentStart: parent.start,
        parentEnd: parent.end,
      };
      s.grants.push(sub);
      s.subs.push(sub);
    }
  },

  async wait(_s, c) {
    await increaseTime(c.days * DAY);
  },
};

/**
 * Read back from the chain: each sublicence's offer and grant fit inside its parent's, and its permissions imply the
 * parent's.
 */
async function expectSublicencesWithinParents(s: SublicensingState): Promise<void> {
  const { f } = s;
  for (const sub of s.subs) {
    const offer = await f.ledger.offerOf(f.workId, sub.ref.offerIndex);
    const parentOffer = await f.ledger.offerOf(f.workId, sub.parent.ref.offerIndex);
    const grant = await f.ledger.grantOf(sub.id);
    const parentHolder = (await f.ledger.grantOf(sub.parent.id)).holder;
    expect(offer.uses & ~parentOffer.uses, "uses").to.equal(0n);
    expect(offer.fields & ~parentOffer.fields, "fields").to.equal(0n);
    if (!isWorldwide(parentOffer.territory)) {
      expect(isWorldwide(offer.territory), "worldwide under a territory").to.equal(false);
      offer.territory.forEach((word, i) => {
        expect(word & ~(parentOffer.territory[i] ?? 0n), `territory word ${i}`).to.equal(0n);
      });
    }
    expect(grant.parentGrantId).to.equal(sub.parent.id);
    expect(grant.start >= sub.parentStart, "start").to.equal(true);
    expect(grant.end <= sub.parentEnd, "end").to.equal(true);

    const country = countryHex(sub.scope.countries[0] ?? "JP");
    const field = lowestBit(sub.scope.fields);
    for (const use of USE_BITS.filter((u) => sub.scope.uses & u)) {
      for (const time of [grant.start, grant.end - 1n]) {
        expect(await f.ledger.permits(sub.ref, grant.holder, use, country, field, time), "sublicence").to.equal(true);
        expect(await f.ledger.permits(sub.parent.ref, parentHolder, use, country, field, time), "parent").to.equal(
          true,
        );
      }
    }
    const outside = SUB_POOL.find((code) => !sub.scope.countries.includes(code));
    if (!sub.scope.worldwide && outside !== undefined) {
      const use = lowestBit(sub.scope.uses);
      expect(await f.ledger.permits(sub.ref, grant.holder, use, countryHex(outside), field, grant.start)).to.equal(
        false,
      );
    }
  }
}

/** The ledger's bound on sublicence chains. */
const MAX_SUBLICENCE_DEPTH = 8;

describe("LicenceLedger: grant lifecycle and sublicence scope", () => {
  it("never lets a terminated, surrendered, expired or orphaned grant permit anything", async () => {
    await assertSequences(lifecycleCommand, [6, 16], deployLicensing, { numRuns: 20 }, async (f, commands) => {
      const s: LifecycleState = { f, offers: await lifecycleOffers(f), grants: [], derivative: new Map() };
      for (const c of commands) {
        await dispatch(lifecycle, s, c);
        await expectLifecycleConsistent(s);
      }
    });
  });

  it("never lets a sublicence exceed its parent's scope", async () => {
    await assertSequences(sublicensingCommand, [6, 16], deployLicensing, { numRuns: 25 }, async (f, commands) => {
      const s: SublicensingState = { f, offers: await sublicensingOffers(f), grants: [], subs: [] };
      for (const c of commands) await dispatch(sublicensing, s, c);
      await expectSublicencesWithinParents(s);
    });
  });
});
