// Licence offers: publication, exclusivity and the offer book, repricing, pausing and closing.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { type Address, type Hex, zeroAddress, zeroHash } from "viem";
import {
  ALL_FIELDS,
  FOREVER,
  fieldsOf,
  GrantStatus,
  grantIdOf,
  LicenceKind,
  type LicenceTerms,
  OfferStatus,
  termsHashOf,
  territoryOf,
  usesOf,
} from "../../core/licence.ts";
import type { ILicenceLedger, TestToken } from "../../types/ethers-contracts/index.ts";
import {
  buyLicence,
  cid,
  createOffer,
  DAY,
  deployMarket,
  ethers,
  feeOf,
  increaseTime,
  licenceTerms,
  type MarketFixture,
  networkHelpers,
  nextBlockAt,
  nowSeconds,
  registerWork,
  sublicenceTerms,
  unique,
  YEAR,
} from "./fixture.ts";

const PRICE = 1_000n;
const MAX_PRICE = 2n ** 96n - 1n;

type Fixture = MarketFixture & { workId: bigint };

/** The market with one work, held by its creator `artisan`. */
async function deployWithWork(): Promise<Fixture> {
  const f = await deployMarket();
  const workId = await registerWork(f.registry, f.artisan);
  return { ...f, workId };
}

/** `LicenceTerms` as the positional tuple an event carries. */
function termsTuple(t: LicenceTerms): unknown[] {
  return [
    t.kind,
    t.uses,
    t.fields,
    t.transferable,
    t.worldwide,
    t.territory,
    t.start,
    t.end,
    t.duration,
    t.supply,
    t.derivativeRoyaltyBps,
    t.currency,
    t.textHash,
    t.textCid,
  ];
}

/** An offer read back from `offerOf`, as a plain object for deep comparison. */
function offerView(o: ILicenceLedger.OfferStructOutput) {
  return {
    kind: Number(o.kind),
    status: Number(o.status),
    uses: Number(o.uses),
    fields: Number(o.fields),
    transferable: o.transferable,
    supply: Number(o.supply),
    sold: Number(o.sold),
    start: Number(o.start),
    end: Number(o.end),
    duration: Number(o.duration),
    currencyId: Number(o.currencyId),
    moves: Number(o.moves),
    derivativeRoyaltyBps: Number(o.derivativeRoyaltyBps),
    termsHash: o.termsHash,
    price: o.price,
    territory: [o.territory[0], o.territory[1], o.territory[2]],
  };
}

async function readOffer(f: Fixture, index: number, workId: bigint = f.workId) {
  return offerView(await f.ledger.offerOf(workId, index));
}

/** The first 20 bytes of the terms hash, as `offerOf` stores it. */
function shortHash(terms: LicenceTerms): string {
  return termsHashOf(terms).slice(0, 42);
}

/** Terms of a sole or exclusive offer (supply 1), with overrides. */
function exclusiveTerms(overrides: Partial<LicenceTerms> = {}, kind: LicenceKind = LicenceKind.Exclusive) {
  return licenceTerms({ kind, supply: 1, ...overrides });
}

/** A fixed-term offer: every grant runs from `start` (or purchase) to `end`; not renewable. */
function fixedTerm(start: number, end: number): Partial<LicenceTerms> {
  return { start, end, duration: 0 };
}

/** `licensee` buys one licence of a native-coin offer for itself (the raw transaction, for revert checks). */
function buy(f: Fixture, index: number, terms: LicenceTerms, price: bigint, workId: bigint = f.workId) {
  return f.ledger
    .connect(f.licensee)
    .buyLicence(workId, index, termsHashOf(terms), price, f.licensee.address, { value: price });
}

/** Publishes an offer and checks that it got the next index. */
async function expectAccepted(f: Fixture, terms: LicenceTerms, holder: HardhatEthersSigner = f.artisan) {
  const count = Number(await f.ledger.offerCount(f.workId));
  const t = await nextBlockAt();
  await expect(f.ledger.connect(holder).createOffer(f.workId, terms, PRICE))
    .to.emit(f.ledger, "OfferCreated")
    .withArgs(f.workId, count, holder.address, termsHashOf(terms), termsTuple(terms), PRICE, t);
  expect(await f.ledger.offerCount(f.workId)).to.equal(BigInt(count + 1));
  return count;
}

/** Checks that `createOffer` is refused with `error(...args)` and that no offer was added. */
async function expectRefused(
  f: Fixture,
  terms: LicenceTerms,
  error: string,
  args: unknown[],
  {
    price = PRICE,
    holder = f.artisan,
    workId = f.workId,
  }: { price?: bigint; holder?: HardhatEthersSigner; workId?: bigint } = {},
) {
  const count = await f.ledger.offerCount(workId);
  await expect(f.ledger.connect(holder).createOffer(workId, terms, price))
    .to.be.revertedWithCustomError(f.ledger, error)
    .withArgs(...args);
  expect(await f.ledger.offerCount(workId)).to.equal(count);
}

/** Checks that `createOffer` is refused because of an overlap with offer `existing`. */
async function expectConflict(
  f: Fixture,
  terms: LicenceTerms,
  existing: number,
  holder: HardhatEthersSigner = f.artisan,
) {
  await expectRefused(f, terms, "ExclusivityConflict", [f.workId, existing], { holder });
}

/**
 * A sublicence: `licensee` buys a perpetual sublicensable licence (offer 0) and sublicenses `other`, which creates the
 * one-grant offer 1. Returns the sublicence's offer index.
 */
async function withSublicence(f: Fixture): Promise<number> {
  const parentTerms = licenceTerms({ uses: usesOf(["reproduce", "display", "sublicense"]), duration: 0 });
  const index = await createOffer(f.ledger, f.artisan, f.workId, parentTerms, PRICE);
  const parent = await buyLicence(f.ledger, f.licensee, f.workId, index, parentTerms, PRICE);
  const ref = { workId: parent.workId, offerIndex: parent.offerIndex, serial: parent.serial };
  const sub = Number(await f.ledger.offerCount(f.workId));
  await f.ledger.connect(f.licensee).issueSublicence(ref, f.other.address, sublicenceTerms());
  return sub;
}

describe("LicenceLedger: offers", () => {
  describe("createOffer", () => {
    it("emits OfferCreated with the full terms hash, the terms, the price and the block time", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms();
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).createOffer(f.workId, terms, PRICE))
        .to.emit(f.ledger, "OfferCreated")
        .withArgs(f.workId, 0, f.artisan.address, termsHashOf(terms), termsTuple(terms), PRICE, t);
    });

    it("returns the new offer index from a static call", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      expect(await f.ledger.connect(f.artisan).createOffer.staticCall(f.workId, licenceTerms(), PRICE)).to.equal(1n);
    });

    it("stores a perpetual native-coin offer starting at creation", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms();
      const t = await nextBlockAt();
      await f.ledger.connect(f.artisan).createOffer(f.workId, terms, PRICE);
      const { moves } = await f.registry.titleOf(f.workId);
      expect(moves).to.equal(0n);
      expect(await readOffer(f, 0)).to.deep.equal({
        kind: LicenceKind.NonExclusive,
        status: OfferStatus.Open,
        uses: terms.uses,
        fields: ALL_FIELDS,
        transferable: false,
        supply: 0,
        sold: 0,
        start: Number(t),
        end: FOREVER,
        duration: YEAR,
        currencyId: 0,
        moves: 0,
        derivativeRoyaltyBps: 0,
        termsHash: shortHash(terms),
        price: PRICE,
        territory: territoryOf(["CN"]),
      });
      expect(territoryOf(["CN"])).to.deep.equal([1n << 65n, 0n, 0n]);
    });

    it("stores a sole fixed-term ERC-20 offer with a later start and a territory in all three words", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const t = await nowSeconds();
      const terms = licenceTerms({
        kind: LicenceKind.Sole,
        uses: usesOf(["reproduce", "adapt"]),
        fields: fieldsOf(["apparel", "publishing"]),
        transferable: true,
        territory: territoryOf(["CN", "KR", "ZZ"]),
        ...fixedTerm(t + DAY, t + YEAR),
        supply: 1,
        derivativeRoyaltyBps: 1_500,
        currency: f.tokenAddress,
      });
      await f.ledger.connect(f.artisan).createOffer(f.workId, terms, 5n * 10n ** 18n);
      const offer = await readOffer(f, 0);
      expect(offer).to.deep.equal({
        kind: LicenceKind.Sole,
        status: OfferStatus.Open,
        uses: usesOf(["reproduce", "adapt"]),
        fields: 0b101,
        transferable: true,
        supply: 1,
        sold: 0,
        start: t + DAY,
        end: t + YEAR,
        duration: 0,
        currencyId: 1,
        moves: 0,
        derivativeRoyaltyBps: 1_500,
        termsHash: shortHash(terms),
        price: 5n * 10n ** 18n,
        // CN is bit 65, KR bit 277 (word 1, bit 21), ZZ bit 675 (word 2, bit 163).
        territory: [1n << 65n, 1n << 21n, 1n << 163n],
      });
      expect(await f.ledger.currencyOf(offer.currencyId)).to.equal(f.tokenAddress);
    });

    it("stores a worldwide offer with an empty territory", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms({ worldwide: true, territory: [0n, 0n, 0n] }), 0n);
      const offer = await readOffer(f, 0);
      expect(offer.territory).to.deep.equal([0n, 0n, 0n]);
      expect(offer.price).to.equal(0n);
    });

    it("starts an offer whose terms start in the past at its creation", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const past = (await nowSeconds()) - DAY;
      const terms = licenceTerms(fixedTerm(past, past + YEAR));
      const t = await nextBlockAt();
      await f.ledger.connect(f.artisan).createOffer(f.workId, terms, PRICE);
      const offer = await readOffer(f, 0);
      expect(offer.start).to.equal(Number(t));
      expect(offer.end).to.equal(past + YEAR);
      expect(offer.termsHash).to.equal(shortHash(terms));
    });

    it("accepts the boundary values: every use, a 100% derivative royalty, the largest price, the country ZZ", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms({
        uses: 63,
        derivativeRoyaltyBps: 10_000,
        territory: territoryOf(["ZZ"]),
      });
      const index = await createOffer(f.ledger, f.artisan, f.workId, terms, MAX_PRICE);
      const offer = await readOffer(f, index);
      expect(offer.uses).to.equal(63);
      expect(offer.price).to.equal(MAX_PRICE);
      expect(offer.territory).to.deep.equal([0n, 0n, 1n << 163n]);
    });

    it("counts offers from 0 and increments offerCount with each", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      expect(await f.ledger.offerCount(f.workId)).to.equal(0n);
      for (const expected of [0, 1, 2]) {
        const terms = licenceTerms({ territory: territoryOf(["CN", "FR"]) });
        expect(await expectAccepted(f, terms)).to.equal(expected);
        expect((await readOffer(f, expected)).termsHash).to.equal(shortHash(terms));
      }
      expect(await f.ledger.offerCount(f.workId)).to.equal(3n);
    });

    it("numbers offers per work: each work's first offer is index 0", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const second = await registerWork(f.registry, f.coop);
      const artisanTerms = licenceTerms();
      const coopTerms = licenceTerms({ territory: territoryOf(["FR"]) });
      await createOffer(f.ledger, f.artisan, f.workId, artisanTerms, PRICE);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.coop).createOffer(second, coopTerms, 7n))
        .to.emit(f.ledger, "OfferCreated")
        .withArgs(second, 0, f.coop.address, termsHashOf(coopTerms), termsTuple(coopTerms), 7n, t);
      expect(await f.ledger.offerCount(f.workId)).to.equal(2n);
      expect(await f.ledger.offerCount(second)).to.equal(1n);
      expect((await readOffer(f, 0, second)).termsHash).to.equal(shortHash(coopTerms));
      expect((await readOffer(f, 0)).termsHash).to.equal(shortHash(artisanTerms));
    });

    it("offerOf refuses an index past the count with UnknownOffer", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await expect(f.ledger.offerOf(f.workId, 1))
        .to.be.revertedWithCustomError(f.ledger, "UnknownOffer")
        .withArgs(f.workId, 1);
    });

    describe("refusals", () => {
      it("refuses a caller that does not hold the work with NotWorkOwner", async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        await expectRefused(f, licenceTerms(), "NotWorkOwner", [f.workId, f.other.address], { holder: f.other });
      });

      it("refuses an unregistered work id with UnknownWork", async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        await expectRefused(f, licenceTerms(), "UnknownWork", [12_345n], { workId: 12_345n });
      });

      it("refuses a disputed work with WorkDisputed", async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        await f.registry.connect(f.arbiter).flagDispute(f.workId, cid());
        await expectRefused(f, licenceTerms(), "WorkDisputed", [f.workId]);
      });

      it("accepts offers of a work again once its dispute is cleared", async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        await f.registry.connect(f.arbiter).flagDispute(f.workId, cid());
        await f.registry.connect(f.arbiter).clearDispute(f.workId, cid());
        expect(await expectAccepted(f, licenceTerms())).to.equal(0);
      });

      const badCid: Hex = "0x1234";
      // A CIDv1 whose multihash is sha1 (0x11, 20 bytes), not sha2-256.
      const sha1Cid: Hex = `0x01551114${"ab".repeat(20)}`;
      const cases: {
        title: string;
        error: string;
        build: (f: Fixture) => Promise<{ terms: LicenceTerms; args: unknown[]; price?: bigint }>;
      }[] = [
        {
          title: "no uses",
          error: "InvalidUses",
          build: async () => ({ terms: licenceTerms({ uses: 0 }), args: [0] }),
        },
        {
          title: "a use bit above 63",
          error: "InvalidUses",
          build: async () => ({ terms: licenceTerms({ uses: 64 | 1 }), args: [65] }),
        },
        {
          title: "no fields",
          error: "InvalidFields",
          build: async () => ({ terms: licenceTerms({ fields: 0 }), args: [0] }),
        },
        {
          title: "worldwide with countries",
          error: "InvalidTerritory",
          build: async () => ({ terms: licenceTerms({ worldwide: true }), args: [true] }),
        },
        {
          title: "neither worldwide nor any country",
          error: "InvalidTerritory",
          build: async () => ({ terms: licenceTerms({ territory: [0n, 0n, 0n] }), args: [false] }),
        },
        {
          title: "a territory bit past ZZ (bit 164 of the third word)",
          error: "InvalidTerritory",
          build: async () => ({ terms: licenceTerms({ territory: [1n << 65n, 0n, 1n << 164n] }), args: [false] }),
        },
        {
          title: "a territory's highest bit",
          error: "InvalidTerritory",
          build: async () => ({ terms: licenceTerms({ territory: [0n, 0n, 1n << 255n] }), args: [false] }),
        },
        {
          title: "a zero legal text hash",
          error: "InvalidLegalText",
          build: async () => {
            const textCid = cid();
            return { terms: licenceTerms({ textHash: zeroHash, textCid }), args: [zeroHash, textCid] };
          },
        },
        {
          title: "a legal text CID that is not a binary CIDv1",
          error: "InvalidLegalText",
          build: async () => {
            const textHash = unique("text");
            return { terms: licenceTerms({ textHash, textCid: badCid }), args: [textHash, badCid] };
          },
        },
        {
          title: "a legal text CID with a sha1 multihash",
          error: "InvalidLegalText",
          build: async () => {
            const textHash = unique("text");
            return { terms: licenceTerms({ textHash, textCid: sha1Cid }), args: [textHash, sha1Cid] };
          },
        },
        {
          title: "an empty legal text CID",
          error: "InvalidLegalText",
          build: async () => {
            const textHash = unique("text");
            return { terms: licenceTerms({ textHash, textCid: "0x" }), args: [textHash, "0x"] };
          },
        },
        {
          title: "a derivative royalty above 100%",
          error: "DerivativeRoyaltyTooHigh",
          build: async () => ({ terms: licenceTerms({ derivativeRoyaltyBps: 10_001 }), args: [10_001] }),
        },
        ...[LicenceKind.Sole, LicenceKind.Exclusive].flatMap((kind) =>
          [0, 2].map((supply) => ({
            title: `a ${kind === LicenceKind.Sole ? "sole" : "exclusive"} offer with supply ${supply}`,
            error: "InvalidSupply",
            build: async () => ({ terms: licenceTerms({ kind, supply }), args: [kind, supply] }),
          })),
        ),
        {
          title: "an end in the past",
          error: "InvalidTerm",
          build: async () => {
            const end = (await nowSeconds()) - 1;
            return { terms: licenceTerms({ end }), args: [0, end, YEAR] };
          },
        },
        {
          title: "an end at the block time of a purchase-start offer",
          error: "InvalidTerm",
          build: async () => {
            const end = Number(await nextBlockAt());
            return { terms: licenceTerms({ end }), args: [0, end, YEAR] };
          },
        },
        {
          title: "an end equal to the start",
          error: "InvalidTerm",
          build: async () => {
            const start = (await nowSeconds()) + DAY;
            return { terms: licenceTerms(fixedTerm(start, start)), args: [start, start, 0] };
          },
        },
        {
          title: "an end before the start",
          error: "InvalidTerm",
          build: async () => {
            const start = (await nowSeconds()) + 2 * DAY;
            return { terms: licenceTerms(fixedTerm(start, start - DAY)), args: [start, start - DAY, 0] };
          },
        },
        {
          title: "an ERC-20 currency never allowed",
          error: "CurrencyNotAllowed",
          build: async (f) => {
            const other = (await ethers.deployContract(
              "TestToken",
              ["Other", "OTH", 18],
              f.admin,
            )) as unknown as TestToken;
            const currency = (await other.getAddress()) as Address;
            return { terms: licenceTerms({ currency }), args: [currency] };
          },
        },
        {
          title: "an ERC-20 currency allowed and then disallowed",
          error: "CurrencyNotAllowed",
          build: async (f) => {
            await f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, false);
            return { terms: licenceTerms({ currency: f.tokenAddress }), args: [f.tokenAddress] };
          },
        },
        {
          title: "a price of 2^96",
          error: "AmountTooLarge",
          build: async () => ({ terms: licenceTerms(), args: [2n ** 96n], price: 2n ** 96n }),
        },
      ];
      for (const c of cases) {
        it(`refuses ${c.title} with ${c.error}`, async () => {
          const f = await networkHelpers.loadFixture(deployWithWork);
          const { terms, args, price } = await c.build(f);
          await expectRefused(f, terms, c.error, args, price === undefined ? {} : { price });
        });
      }
    });
  });

  describe("exclusivity", () => {
    it("refuses an exclusive offer overlapping an open non-exclusive offer", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await expectConflict(f, exclusiveTerms(), 0);
    });

    it("refuses a sole offer overlapping an open non-exclusive offer", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await expectConflict(f, exclusiveTerms({}, LicenceKind.Sole), 0);
    });

    it("refuses a non-exclusive offer overlapping an exclusive offer", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms(), PRICE);
      await expectConflict(f, licenceTerms(), 0);
    });

    it("refuses a non-exclusive offer overlapping a sole offer", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms({}, LicenceKind.Sole), PRICE);
      await expectConflict(f, licenceTerms(), 0);
    });

    it("refuses two overlapping exclusive offers", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms(), PRICE);
      await expectConflict(f, exclusiveTerms(), 0);
    });

    it("names the offer it overlaps, not the first offer of the work", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms({ territory: territoryOf(["FR"]) }), PRICE);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms({ fields: fieldsOf(["film"]) }), PRICE);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms({ territory: territoryOf(["JP", "CN"]) }), PRICE);
      await expectConflict(f, exclusiveTerms({ fields: fieldsOf(["apparel"]) }), 2);
    });

    it("finds an overlap in any territory word (KR is in the second, US in the third)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms({ territory: territoryOf(["KR"]) }), PRICE);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms({ territory: territoryOf(["US"]) }), PRICE);
      await expectConflict(f, licenceTerms({ territory: territoryOf(["FR", "KR"]) }), 0);
      await expectConflict(f, licenceTerms({ territory: territoryOf(["FR", "US"]) }), 1);
      expect(await expectAccepted(f, licenceTerms({ territory: territoryOf(["FR", "JP", "ZZ"]) }))).to.equal(2);
    });

    it("lets two non-exclusive offers overlap freely", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      expect(await expectAccepted(f, licenceTerms())).to.equal(1);
    });

    it("accepts exclusive offers in disjoint territories (CN and FR)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms(), PRICE);
      expect(await expectAccepted(f, exclusiveTerms({ territory: territoryOf(["FR"]) }))).to.equal(1);
      expect(await expectAccepted(f, licenceTerms({ territory: territoryOf(["DE"]) }))).to.equal(2);
    });

    it("accepts exclusive offers in disjoint fields (apparel and publishing)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms({ fields: fieldsOf(["apparel"]) }), PRICE);
      expect(await expectAccepted(f, exclusiveTerms({ fields: fieldsOf(["publishing"]) }))).to.equal(1);
      await expectConflict(f, licenceTerms({ fields: fieldsOf(["publishing", "film"]) }), 1);
    });

    it("accepts back-to-back fixed-term exclusive offers and refuses one straddling them", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const t = await nowSeconds();
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms(fixedTerm(t + 10 * DAY, t + 20 * DAY)), PRICE);
      expect(await expectAccepted(f, exclusiveTerms(fixedTerm(t + 20 * DAY, t + 30 * DAY)))).to.equal(1);
      expect(await expectAccepted(f, licenceTerms(fixedTerm(0, t + 10 * DAY)))).to.equal(2);
      await expectConflict(f, exclusiveTerms(fixedTerm(t + 19 * DAY, t + 21 * DAY)), 0);
      await expectConflict(f, exclusiveTerms(fixedTerm(t + 20 * DAY - 1, t + 20 * DAY)), 0);
      await expectConflict(f, licenceTerms(fixedTerm(t + 25 * DAY, 0)), 1);
    });

    it("treats worldwide as overlapping every territory, both ways", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const worldwide = { worldwide: true, territory: [0n, 0n, 0n] as [bigint, bigint, bigint] };
      const apparelInZz = licenceTerms({ territory: territoryOf(["ZZ"]), fields: fieldsOf(["apparel"]) });
      await createOffer(f.ledger, f.artisan, f.workId, apparelInZz, PRICE);
      await expectConflict(f, exclusiveTerms(worldwide), 0);
      await createOffer(
        f.ledger,
        f.artisan,
        f.workId,
        exclusiveTerms({ ...worldwide, fields: fieldsOf(["food"]) }),
        PRICE,
      );
      await expectConflict(f, licenceTerms({ territory: territoryOf(["FR"]), fields: fieldsOf(["food"]) }), 1);
      await expectConflict(f, licenceTerms({ ...worldwide, fields: ALL_FIELDS }), 1);
    });

    it("keeps a paused offer's scope reserved", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, true);
      await expectConflict(f, exclusiveTerms(), 0);
    });

    it("frees the scope of a closed non-exclusive offer that sold nothing", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
      expect(await expectAccepted(f, exclusiveTerms())).to.equal(1);
    });

    it("frees the scope of a closed exclusive offer that sold nothing", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms(), PRICE);
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
      expect(await expectAccepted(f, licenceTerms())).to.equal(1);
    });

    it("keeps reserving the scope of a closed non-exclusive offer that sold a perpetual licence", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms({ duration: 0 });
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
      expect((await readOffer(f, 0)).end).to.equal(FOREVER);
      await expectConflict(f, exclusiveTerms(), 0);
    });

    it("keeps blocking with an exclusive offer whose live grant sold it out", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = exclusiveTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await expect(buy(f, 0, terms, PRICE))
        .to.be.revertedWithCustomError(f.ledger, "SoldOut")
        .withArgs(f.workId, 0, 1);
      await expectConflict(f, exclusiveTerms(), 0);
      await expectConflict(f, licenceTerms({ territory: territoryOf(["CN", "FR"]) }), 0);
    });

    it("keeps blocking with a sold-out exclusive offer that was closed while its grant lives", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = exclusiveTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
      await expectConflict(f, licenceTerms(), 0);
    });

    it("frees an exclusive offer's scope once the work owner terminates its grant", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = exclusiveTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      const grant = await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await f.ledger.connect(f.artisan).terminateLicence({ workId: f.workId, offerIndex: 0, serial: 1 }, cid());
      expect(await f.ledger.grantStatus(grant.grantId)).to.equal(BigInt(GrantStatus.Terminated));
      expect(await expectAccepted(f, exclusiveTerms())).to.equal(1);
    });

    it("frees a sole offer's scope once its licensee surrenders the grant", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = exclusiveTerms({}, LicenceKind.Sole);
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      const grant = await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
      expect(await f.ledger.grantStatus(grant.grantId)).to.equal(BigInt(GrantStatus.Surrendered));
      expect(await expectAccepted(f, licenceTerms())).to.equal(1);
    });

    it("frees an exclusive offer's scope once its licensee surrenders the grant", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = exclusiveTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      const grant = await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
      expect(await expectAccepted(f, exclusiveTerms())).to.equal(1);
    });

    it("does not free a non-exclusive offer's scope when one of its grants is terminated", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms({ supply: 1 });
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await f.ledger.connect(f.artisan).terminateLicence({ workId: f.workId, offerIndex: 0, serial: 1 }, cid());
      await expectConflict(f, exclusiveTerms(), 0);
    });

    it("closing a renewable offer that sold shrinks its reach to two terms: exclusivity is free after it", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      const t = Number(await nextBlockAt());
      const reach = t + 2 * YEAR;
      await expect(f.ledger.connect(f.artisan).closeOffer(f.workId, 0))
        .to.emit(f.ledger, "OfferStatusChanged")
        .withArgs(f.workId, 0, OfferStatus.Closed, reach, t);
      expect((await readOffer(f, 0)).end).to.equal(reach);
      await expectConflict(f, exclusiveTerms({ start: reach - 1 }), 0);
      await expectConflict(f, exclusiveTerms(fixedTerm(0, reach - YEAR)), 0);
      expect(await expectAccepted(f, exclusiveTerms({ start: reach }))).to.equal(1);
    });

    it("closing a renewable offer keeps reserving the period of a grant it sold for a later start", async () => {
      // A renewable offer starting in 100 days sells a 30-day grant [t + 100d, t + 130d); closed today, its reach
      // (two terms from the later of its start and now) still covers that grant, so an exclusive offer for the same
      // period is refused.
      const f = await networkHelpers.loadFixture(deployWithWork);
      const t = await nowSeconds();
      const terms = licenceTerms({ start: t + 100 * DAY, duration: 30 * DAY });
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      const grant = await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      const stored = await f.ledger.grantOf(grant.grantId);
      expect(stored.start).to.equal(BigInt(t + 100 * DAY));
      expect(stored.end).to.equal(BigInt(t + 130 * DAY));
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
      await expectConflict(f, exclusiveTerms(fixedTerm(t + 100 * DAY, t + 130 * DAY)), 0);
      expect((await readOffer(f, 0)).end).to.be.at.least(t + 130 * DAY);
    });

    it("lets an exclusive offer follow a fixed-term offer once the period has passed", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const t = await nowSeconds();
      const terms = licenceTerms(fixedTerm(0, t + 10 * DAY));
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await expectConflict(f, exclusiveTerms(), 0);
      await increaseTime(10 * DAY);
      expect(await expectAccepted(f, exclusiveTerms())).to.equal(1);
    });
  });

  describe("the offer book: which offers reserve scope (review findings 1, 2 and 7)", () => {
    /** A perpetual exclusive offer with the sublicense right, bought by the licensee, who sublicenses `other`. */
    async function exclusiveWithSublicence(f: Fixture) {
      const terms = exclusiveTerms({ uses: usesOf(["reproduce", "display", "sublicense"]), duration: 0 });
      const index = await createOffer(f.ledger, f.artisan, f.workId, terms, 0n);
      const root = await buyLicence(f.ledger, f.licensee, f.workId, index, terms, 0n);
      const subIndex = Number(await f.ledger.offerCount(f.workId));
      await f.ledger.connect(f.licensee).issueSublicence(root, f.other.address, sublicenceTerms());
      const sub = { workId: f.workId, offerIndex: subIndex, serial: 1 };
      return { root, sub: { ...sub, grantId: grantIdOf(sub) } };
    }

    it("a live sublicence blocks an overlapping exclusive offer through its root grant's offer", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await exclusiveWithSublicence(f);
      await expectConflict(f, exclusiveTerms(), 0);
    });

    for (const end of ["terminated", "surrendered"] as const) {
      it(`a sublicence stops blocking once its root grant is ${end}, though its own stored end is never`, async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        const { root, sub } = await exclusiveWithSublicence(f);
        if (end === "terminated") await f.ledger.connect(f.artisan).terminateLicence(root, cid());
        else await f.ledger.connect(f.licensee).surrenderLicence(root.grantId);
        expect((await f.ledger.grantOf(sub.grantId)).end).to.equal(BigInt(FOREVER));
        expect(await expectAccepted(f, exclusiveTerms())).to.equal(2);
      });
    }

    it("a lapsed sole or exclusive grant stops reserving its scope; one still renewable keeps it to the offer's end", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = exclusiveTerms({ duration: 30 * DAY });
      await createOffer(f.ledger, f.artisan, f.workId, terms, 0n);
      const grant = await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, 0n);
      const { end } = await f.ledger.grantOf(grant.grantId);
      // Still running: it may be renewed up to the offer's end (perpetual), so a later exclusive offer meets it.
      await expectConflict(f, exclusiveTerms({ start: Number(end) + 365 * DAY }), 0);
      await networkHelpers.time.increaseTo(end);
      await expect(f.ledger.connect(f.licensee).renewLicence(grant, 0n))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(grant.grantId, GrantStatus.Expired);
      expect(await expectAccepted(f, exclusiveTerms())).to.equal(1);
    });

    it("sublicences never enter the book: createOffer costs the same after 100 of them as on a work with none", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const parentTerms = licenceTerms({ uses: usesOf(["reproduce", "sublicense"]), duration: 0 });
      /** A work with a sold sublicensable offer, `subs` sublicences under it, and an offer in Hong Kong. */
      const prepare = async (workId: bigint, subs: number) => {
        await createOffer(f.ledger, f.artisan, workId, parentTerms, 0n);
        const parent = await buyLicence(f.ledger, f.licensee, workId, 0, parentTerms, 0n);
        for (let i = 0; i < subs; i += 1) {
          await f.ledger
            .connect(f.licensee)
            .issueSublicence(parent, f.other.address, sublicenceTerms({ uses: usesOf(["reproduce"]) }));
        }
        await createOffer(f.ledger, f.artisan, workId, licenceTerms({ territory: territoryOf(["HK"]) }), 0n);
        const tx = await f.ledger
          .connect(f.artisan)
          .createOffer(workId, licenceTerms({ territory: territoryOf(["MO"]) }), 0n);
        return (await tx.wait())?.gasUsed ?? 0n;
      };
      const plain = await prepare(await registerWork(f.registry, f.artisan), 0);
      const busy = await prepare(f.workId, 100);
      expect(await f.ledger.offerCount(f.workId)).to.equal(103n);
      const difference = busy > plain ? busy - plain : plain - busy;
      expect(difference, `${plain} without sublicences, ${busy} after 100`).to.be.lessThan(200n);
    });

    it("holds at most MAX_RESERVING_OFFERS reserving offers (TooManyOffers); closing an unsold one frees its place", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const max = Number(await f.ledger.MAX_RESERVING_OFFERS());
      expect(max).to.equal(64);
      for (let i = 0; i < max; i += 1) await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await expectRefused(f, licenceTerms(), "TooManyOffers", [f.workId, 64n]);
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 17);
      expect(await expectAccepted(f, licenceTerms())).to.equal(max);
      await expectRefused(f, licenceTerms(), "TooManyOffers", [f.workId, 64n]);
    });

    it("drops offers that ended and sole or exclusive ones whose grant ended, making room for new ones", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const t = await nowSeconds();
      for (let i = 0; i < 30; i += 1) {
        await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(fixedTerm(0, t + DAY)), PRICE);
      }
      const countries = ["FR", "DE", "IT", "ES", "PT", "NL", "BE", "AT", "CH", "SE", "NO", "DK", "FI", "PL"];
      for (const [i, country] of countries.entries()) {
        const terms = exclusiveTerms({ territory: territoryOf([country]), start: t + 2 * DAY });
        const index = await createOffer(f.ledger, f.artisan, f.workId, terms, 0n);
        // Ten are sold and given up; four stay open.
        if (i < 10) {
          const grant = await buyLicence(f.ledger, f.licensee, f.workId, index, terms, 0n);
          await f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
        }
      }
      await increaseTime(DAY);
      // Of the 44 offers in the book 40 are dead: 60 new ones fit beside the 4 still open.
      for (let i = 0; i < 60; i += 1) await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await expectRefused(f, licenceTerms(), "TooManyOffers", [f.workId, 64n]);
    });

    it("drops the unsold offers a former holder made: the new holder starts with room", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      for (let i = 0; i < 64; i += 1) await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await f.registry.connect(f.artisan).transferFrom(f.artisan.address, f.coop.address, f.workId);
      for (let i = 0; i < 64; i += 1)
        await createOffer(
          f.ledger,
          f.coop,
          f.workId,
          exclusiveTerms({
            start: (await nowSeconds()) + (i + 1) * 10 * DAY,
            end: (await nowSeconds()) + (i + 1) * 10 * DAY + DAY,
            duration: 0,
          }),
          PRICE,
        );
      await expectRefused(f, licenceTerms({ territory: territoryOf(["FR"]) }), "TooManyOffers", [f.workId, 64n], {
        holder: f.coop,
      });
    });
  });

  describe("repriceOffer", () => {
    it("emits OfferRepriced and stores the new price", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).repriceOffer(f.workId, 0, 2_000n))
        .to.emit(f.ledger, "OfferRepriced")
        .withArgs(f.workId, 0, 2_000n, t);
      expect((await readOffer(f, 0)).price).to.equal(2_000n);
    });

    it("makes buyLicence require the new price: the old one is refused with PriceMismatch", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await f.ledger.connect(f.artisan).repriceOffer(f.workId, 0, 2_000n);
      await expect(buy(f, 0, terms, PRICE))
        .to.be.revertedWithCustomError(f.ledger, "PriceMismatch")
        .withArgs(2_000n, PRICE);
      expect((await readOffer(f, 0)).sold).to.equal(0);
      await expect(buy(f, 0, terms, 2_000n)).to.emit(f.ledger, "LicencePurchased");
      expect((await readOffer(f, 0)).sold).to.equal(1);
      expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(feeOf(2_000n).net);
    });

    it("may make an offer free", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await f.ledger.connect(f.artisan).repriceOffer(f.workId, 0, 0n);
      await expect(buy(f, 0, terms, 0n)).to.emit(f.ledger, "LicencePurchased");
      expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(0n);
    });

    it("reprices a paused offer", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, true);
      await f.ledger.connect(f.artisan).repriceOffer(f.workId, 0, MAX_PRICE);
      const offer = await readOffer(f, 0);
      expect(offer.price).to.equal(MAX_PRICE);
      expect(offer.status).to.equal(OfferStatus.Paused);
    });

    it("refuses a price of 2^96 with AmountTooLarge", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await expect(f.ledger.connect(f.artisan).repriceOffer(f.workId, 0, 2n ** 96n))
        .to.be.revertedWithCustomError(f.ledger, "AmountTooLarge")
        .withArgs(2n ** 96n);
      expect((await readOffer(f, 0)).price).to.equal(PRICE);
    });

    it("refuses a closed offer with OfferNotOpen", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
      await expect(f.ledger.connect(f.artisan).repriceOffer(f.workId, 0, 2_000n))
        .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
        .withArgs(f.workId, 0, OfferStatus.Closed);
      expect((await readOffer(f, 0)).price).to.equal(PRICE);
    });
  });

  describe("setOfferPaused", () => {
    it("pauses an open offer: OfferStatusChanged(Paused), and buyLicence is refused with OfferNotOpen", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, true))
        .to.emit(f.ledger, "OfferStatusChanged")
        .withArgs(f.workId, 0, OfferStatus.Paused, FOREVER, t);
      expect((await readOffer(f, 0)).status).to.equal(OfferStatus.Paused);
      await expect(buy(f, 0, terms, PRICE))
        .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
        .withArgs(f.workId, 0, OfferStatus.Paused);
    });

    it("resumes a paused offer: OfferStatusChanged(Open), and it sells again", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const t0 = await nowSeconds();
      const terms = licenceTerms({ end: t0 + YEAR });
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, true);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, false))
        .to.emit(f.ledger, "OfferStatusChanged")
        .withArgs(f.workId, 0, OfferStatus.Open, t0 + YEAR, t);
      expect((await readOffer(f, 0)).status).to.equal(OfferStatus.Open);
      await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      expect((await readOffer(f, 0)).sold).to.equal(1);
    });

    it("refuses to pause a paused offer with OfferNotOpen(Paused)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, true);
      await expect(f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, true))
        .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
        .withArgs(f.workId, 0, OfferStatus.Paused);
    });

    it("refuses to resume an open offer with OfferNotOpen(Open)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await expect(f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, false))
        .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
        .withArgs(f.workId, 0, OfferStatus.Open);
      expect((await readOffer(f, 0)).status).to.equal(OfferStatus.Open);
    });

    for (const paused of [true, false]) {
      it(`refuses to ${paused ? "pause" : "resume"} a closed offer with OfferNotOpen(Closed)`, async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
        await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
        await expect(f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, paused))
          .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
          .withArgs(f.workId, 0, OfferStatus.Closed);
        expect((await readOffer(f, 0)).status).to.equal(OfferStatus.Closed);
      });
    }
  });

  describe("closeOffer", () => {
    it("closes an offer for good: OfferStatusChanged(Closed), and buyLicence is refused with OfferNotOpen", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms({ duration: 0 });
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).closeOffer(f.workId, 0))
        .to.emit(f.ledger, "OfferStatusChanged")
        .withArgs(f.workId, 0, OfferStatus.Closed, FOREVER, t);
      const offer = await readOffer(f, 0);
      expect(offer.status).to.equal(OfferStatus.Closed);
      expect(offer.end).to.equal(FOREVER);
      await expect(buy(f, 0, terms, PRICE))
        .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
        .withArgs(f.workId, 0, OfferStatus.Closed);
    });

    it("closes a paused offer", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms({ duration: 0 }), PRICE);
      await f.ledger.connect(f.artisan).setOfferPaused(f.workId, 0, true);
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
      expect((await readOffer(f, 0)).status).to.equal(OfferStatus.Closed);
    });

    it("brings a renewable perpetual offer's end down to two terms from now", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms({ duration: 30 * DAY }), PRICE);
      const t = Number(await nextBlockAt());
      await expect(f.ledger.connect(f.artisan).closeOffer(f.workId, 0))
        .to.emit(f.ledger, "OfferStatusChanged")
        .withArgs(f.workId, 0, OfferStatus.Closed, t + 60 * DAY, t);
      expect((await readOffer(f, 0)).end).to.equal(t + 60 * DAY);
    });

    it("leaves a renewable offer's end alone when it is already nearer than two terms", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const end = (await nowSeconds()) + 40 * DAY;
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms({ end, duration: 30 * DAY }), PRICE);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).closeOffer(f.workId, 0))
        .to.emit(f.ledger, "OfferStatusChanged")
        .withArgs(f.workId, 0, OfferStatus.Closed, end, t);
      expect((await readOffer(f, 0)).end).to.equal(end);
    });

    it("refuses to close a closed offer with OfferNotOpen(Closed)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await f.ledger.connect(f.artisan).closeOffer(f.workId, 0);
      const before = await readOffer(f, 0);
      await increaseTime(DAY);
      await expect(f.ledger.connect(f.artisan).closeOffer(f.workId, 0))
        .to.be.revertedWithCustomError(f.ledger, "OfferNotOpen")
        .withArgs(f.workId, 0, OfferStatus.Closed);
      expect(await readOffer(f, 0)).to.deep.equal(before);
    });
  });

  describe("refusals of repriceOffer, setOfferPaused and closeOffer", () => {
    const operations: {
      name: string;
      call: (
        f: Fixture,
        signer: HardhatEthersSigner,
        workId: bigint,
        index: number,
      ) => Promise<ContractTransactionResponse>;
    }[] = [
      { name: "repriceOffer", call: (f, s, workId, i) => f.ledger.connect(s).repriceOffer(workId, i, 2_000n) },
      { name: "setOfferPaused", call: (f, s, workId, i) => f.ledger.connect(s).setOfferPaused(workId, i, true) },
      { name: "closeOffer", call: (f, s, workId, i) => f.ledger.connect(s).closeOffer(workId, i) },
    ];

    for (const op of operations) {
      describe(op.name, () => {
        it("refuses a caller that does not hold the work with NotWorkOwner", async () => {
          const f = await networkHelpers.loadFixture(deployWithWork);
          await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
          const before = await readOffer(f, 0);
          await expect(op.call(f, f.other, f.workId, 0))
            .to.be.revertedWithCustomError(f.ledger, "NotWorkOwner")
            .withArgs(f.workId, f.other.address);
          expect(await readOffer(f, 0)).to.deep.equal(before);
        });

        it("refuses an unregistered work with UnknownWork", async () => {
          const f = await networkHelpers.loadFixture(deployWithWork);
          await expect(op.call(f, f.artisan, 12_345n, 0))
            .to.be.revertedWithCustomError(f.ledger, "UnknownWork")
            .withArgs(12_345n);
        });

        it("refuses an index past the offer count with UnknownOffer", async () => {
          const f = await networkHelpers.loadFixture(deployWithWork);
          await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
          await expect(op.call(f, f.artisan, f.workId, 1))
            .to.be.revertedWithCustomError(f.ledger, "UnknownOffer")
            .withArgs(f.workId, 1);
        });

        it("refuses the work's holder on a sublicence's one-grant offer with SublicenceOffer", async () => {
          const f = await networkHelpers.loadFixture(deployWithWork);
          const sub = await withSublicence(f);
          expect(sub).to.equal(1);
          const before = await readOffer(f, sub);
          await expect(op.call(f, f.artisan, f.workId, sub))
            .to.be.revertedWithCustomError(f.ledger, "SublicenceOffer")
            .withArgs(f.workId, sub);
          expect(await readOffer(f, sub)).to.deep.equal(before);
        });

        it("refuses the sublicensor, who does not hold the work, with NotWorkOwner", async () => {
          const f = await networkHelpers.loadFixture(deployWithWork);
          const sub = await withSublicence(f);
          await expect(op.call(f, f.licensee, f.workId, sub))
            .to.be.revertedWithCustomError(f.ledger, "NotWorkOwner")
            .withArgs(f.workId, f.licensee.address);
        });
      });
    }
  });

  describe("a work that changes holder", () => {
    /** `artisan` assigns the work to `coop` with a recorded deed. */
    const assignToCoop = (f: Fixture) =>
      f.registry.connect(f.artisan).assign(f.coop.address, f.workId, unique("deed"), cid());
    /** `artisan` transfers the provenance token to `coop`. */
    const transferToCoop = (f: Fixture) =>
      f.registry.connect(f.artisan).transferFrom(f.artisan.address, f.coop.address, f.workId);

    for (const { name, move } of [
      { name: "assign", move: assignToCoop },
      { name: "transferFrom", move: transferToCoop },
    ]) {
      it(`voids the old holder's offers after ${name}: buyLicence is refused with OfferVoid`, async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        const terms = licenceTerms();
        await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
        await move(f);
        expect(await f.registry.ownerOf(f.workId)).to.equal(f.coop.address);
        await expect(buy(f, 0, terms, PRICE))
          .to.be.revertedWithCustomError(f.ledger, "OfferVoid")
          .withArgs(f.workId, 0);
        const offer = await readOffer(f, 0);
        expect(offer.sold).to.equal(0);
        expect(offer.moves).to.equal(0);
        expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(0n);
      });
    }

    it("lets the new holder create offers, stamped with the work's new move count, that sell", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, licenceTerms(), PRICE);
      await assignToCoop(f);
      const terms = licenceTerms({ territory: territoryOf(["CN", "HK"]) });
      expect(await expectAccepted(f, terms, f.coop)).to.equal(1);
      const { moves: count } = await f.registry.titleOf(f.workId);
      expect(count).to.equal(1n);
      expect((await readOffer(f, 1)).moves).to.equal(1);
      await buyLicence(f.ledger, f.licensee, f.workId, 1, terms, PRICE);
      expect((await readOffer(f, 1)).sold).to.equal(1);
      expect(await f.ledger.owed(f.coop.address, zeroAddress)).to.equal(feeOf(PRICE).net);
    });

    it("refuses the old holder's new offers with NotWorkOwner", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await transferToCoop(f);
      await expectRefused(f, licenceTerms(), "NotWorkOwner", [f.workId, f.artisan.address]);
    });

    it("does not revive the old offers when the work comes back to their maker", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await assignToCoop(f);
      await f.registry.connect(f.coop).transferFrom(f.coop.address, f.artisan.address, f.workId);
      await expect(buy(f, 0, terms, PRICE))
        .to.be.revertedWithCustomError(f.ledger, "OfferVoid")
        .withArgs(f.workId, 0);
    });

    it("keeps an exclusive grant sold by the old holder blocking the new holder's overlapping offers", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = exclusiveTerms();
      await createOffer(f.ledger, f.artisan, f.workId, terms, PRICE);
      await buyLicence(f.ledger, f.licensee, f.workId, 0, terms, PRICE);
      await assignToCoop(f);
      await expectConflict(f, licenceTerms(), 0, f.coop);
      expect(await expectAccepted(f, licenceTerms({ territory: territoryOf(["FR"]) }), f.coop)).to.equal(1);
    });

    it("frees the scope of an unsold offer voided by the change of holder (it can never sell)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await createOffer(f.ledger, f.artisan, f.workId, exclusiveTerms(), PRICE);
      await assignToCoop(f);
      expect(await expectAccepted(f, exclusiveTerms(), f.coop)).to.equal(1);
    });
  });
});
