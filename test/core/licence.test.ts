// core/licence against the ledger: terms hashes, grant ids, countries and fields.
import { expect } from "chai";
import fc from "fast-check";
import { zeroAddress } from "viem";
import {
  ALL_FIELDS,
  countriesOf,
  countryBitOf,
  countryHex,
  type FieldName,
  FOREVER,
  fieldsOf,
  fieldsOfUse,
  grantIdOf,
  LicenceKind,
  LicenceTermError,
  type LicenceTerms,
  OfferStatus,
  type SublicenceTerms,
  sublicenceTermsHashOf,
  termsHashOf,
  territoryOf,
  Use,
  type UseName,
  useLabels,
  usesOf,
} from "../../core/licence.ts";
import {
  buyLicence,
  createOffer,
  DAY,
  deployMarket,
  licenceTerms,
  type MarketFixture,
  networkHelpers,
  nextBlockAt,
  nowSeconds,
  registerWork,
  sublicenceTerms,
  YEAR,
} from "../market/fixture.ts";

/** The alpha-2 code of a territory bit: bit 0 is "AA", bit 675 is "ZZ". */
function codeOfBit(bit: number): string {
  return String.fromCharCode(65 + Math.floor(bit / 26), 65 + (bit % 26));
}

const codeArb = fc.integer({ min: 0, max: 675 }).map(codeOfBit);
const countriesArb = fc.option(fc.uniqueArray(codeArb, { minLength: 1, maxLength: 6 }), { nil: undefined });

/** Worldwide (no codes), or the territory of the codes. */
function scopeOf(countries: readonly string[] | undefined): Pick<LicenceTerms, "worldwide" | "territory"> {
  return countries === undefined
    ? { worldwide: true, territory: [0n, 0n, 0n] }
    : { worldwide: false, territory: territoryOf(countries) };
}

/**
 * A `withArgs` predicate for a struct argument: every field of `expected` has that value in the event (compared as
 * strings, so that numbers match the decoded bigints and arrays match element by element).
 */
function structOf(expected: LicenceTerms | SublicenceTerms): (value: unknown) => boolean {
  return (value) => {
    const actual = value as Record<string, unknown>;
    return Object.entries(expected).every(([key, field]) => String(actual[key]) === String(field));
  };
}

describe("core/licence", () => {
  describe("countryBitOf", () => {
    it("numbers a code (X, Y) as (X - 'A') * 26 + (Y - 'A'), as the ledger does", () => {
      expect(countryBitOf("AA")).to.equal(0);
      expect(countryBitOf("CN")).to.equal(65);
      expect(countryBitOf("ZZ")).to.equal(675);
    });

    it("refuses anything but two capital letters with a territory LicenceTermError", () => {
      for (const code of ["cn", "C", "C1", "CHN", "", "Cn"]) {
        expect(() => countryBitOf(code), code)
          .to.throw(LicenceTermError)
          .with.property("field", "territory");
        expect(() => countryHex(code), code)
          .to.throw(LicenceTermError)
          .with.property("field", "territory");
        expect(() => territoryOf(["FR", code]), code)
          .to.throw(LicenceTermError)
          .with.property("field", "territory");
      }
    });

    it("gives the ledger's bytes2 form of a code", () => {
      expect(countryHex("CN")).to.equal("0x434e");
      expect(countryHex("ZZ")).to.equal("0x5a5a");
    });
  });

  describe("territoryOf and countriesOf", () => {
    it("sets bit (index mod 256) of word (index / 256)", () => {
      expect(territoryOf(["ZZ"])).to.deep.equal([0n, 0n, 1n << 163n]);
      expect(territoryOf(["CN"])).to.deep.equal([1n << 65n, 0n, 0n]);
      expect(territoryOf([codeOfBit(255), codeOfBit(256)])).to.deep.equal([1n << 255n, 1n, 0n]);
    });

    it("reads no countries as an empty set, the ledger's worldwide", () => {
      expect(territoryOf([])).to.deep.equal([0n, 0n, 0n]);
      expect(countriesOf([0n, 0n, 0n])).to.deep.equal([]);
    });

    it("round-trips any set of codes, listing them in bit order whatever order and repeats they came in", () => {
      fc.assert(
        fc.property(fc.uniqueArray(codeArb, { maxLength: 40 }), (codes) => {
          const words = territoryOf([...codes, ...codes]);
          const sorted = [...codes].sort((a, b) => countryBitOf(a) - countryBitOf(b));
          expect(countriesOf(words)).to.deep.equal(sorted);
          expect(territoryOf(countriesOf(words))).to.deep.equal(words);
          expect(words).to.deep.equal(territoryOf(codes));
        }),
      );
    });
  });

  describe("usesOf", () => {
    it("ORs the uses' bits, one distinct power of two each", () => {
      const bits = Object.values(Use);
      expect(new Set(bits).size).to.equal(6);
      for (const bit of bits) expect(bit & (bit - 1)).to.equal(0);
      expect(usesOf([])).to.equal(0);
      expect(usesOf(["reproduce", "sublicense"])).to.equal(33);
      expect(usesOf(["adapt", "adapt"])).to.equal(8);
      expect(usesOf(Object.keys(Use) as UseName[])).to.equal(63);
    });

    it("numbers the uses as the ledger's USE_ constants", async () => {
      const { ledger } = await networkHelpers.loadFixture(deployMarket);
      expect(await ledger.USE_REPRODUCE()).to.equal(BigInt(Use.reproduce));
      expect(await ledger.USE_DISTRIBUTE()).to.equal(BigInt(Use.distribute));
      expect(await ledger.USE_DISPLAY()).to.equal(BigInt(Use.display));
      expect(await ledger.USE_ADAPT()).to.equal(BigInt(Use.adapt));
      expect(await ledger.USE_COMMERCIAL()).to.equal(BigInt(Use.commercial));
      expect(await ledger.USE_SUBLICENSE()).to.equal(BigInt(Use.sublicense));
      expect(await ledger.ALL_USES()).to.equal(BigInt(usesOf(Object.keys(Use) as UseName[])));
    });
  });

  describe("fieldsOf", () => {
    it("gives field i of fieldsOfUse bit i; all sixteen together are ALL_FIELDS", () => {
      expect(fieldsOf([])).to.equal(0);
      expect(fieldsOf(["apparel"])).to.equal(1);
      expect(fieldsOf(["publishing", "film"])).to.equal(0b100_0100);
      expect(fieldsOf(["other"])).to.equal(0x8000);
      fieldsOfUse.forEach(({ key }, i) => {
        expect(fieldsOf([key]), key).to.equal(1 << i);
      });
      expect(fieldsOf(fieldsOfUse.map((f) => f.key))).to.equal(ALL_FIELDS);
    });

    it("refuses an unknown field with a fields LicenceTermError", () => {
      expect(() => fieldsOf(["apparel", "weapons" as FieldName]))
        .to.throw(LicenceTermError, /weapons/)
        .with.property("field", "fields");
    });
  });

  describe("labels", () => {
    it("fieldsOfUse names sixteen fields with unique keys, each labelled in English and Chinese", () => {
      expect(fieldsOfUse).to.have.length(16);
      expect(new Set(fieldsOfUse.map((f) => f.key)).size).to.equal(16);
      for (const field of fieldsOfUse) {
        expect(field.en, field.key).to.match(/^[A-Z][a-z ,]+$/);
        expect(field.zh, field.key).to.match(/^\p{Script=Han}+$/u);
      }
    });

    it("useLabels labels every use, and nothing else, in English and Chinese", () => {
      expect(Object.keys(useLabels).sort()).to.deep.equal(Object.keys(Use).sort());
      for (const [use, label] of Object.entries(useLabels)) {
        expect(label.en, use).to.match(/^[A-Z][a-z ]+$/);
        expect(label.zh, use).to.match(/^\p{Script=Han}+$/u);
      }
    });
  });

  describe("against the ledger", () => {
    /** Random terms that `createOffer` accepts; times in days from the offer's creation. */
    const termsArb = fc.record({
      kind: fc.constantFrom(LicenceKind.NonExclusive, LicenceKind.Sole, LicenceKind.Exclusive),
      uses: fc.integer({ min: 1, max: 63 }),
      fields: fc.integer({ min: 1, max: ALL_FIELDS }),
      transferable: fc.boolean(),
      countries: countriesArb,
      startDays: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
      lengthDays: fc.option(fc.integer({ min: 1, max: 800 }), { nil: undefined }),
      duration: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 * YEAR })),
      supply: fc.integer({ min: 0, max: 1_000 }),
      derivativeRoyaltyBps: fc.integer({ min: 0, max: 10_000 }),
      token: fc.boolean(),
      /** Up to 1,000 coins: every account can pay it in either currency. */
      price: fc.bigInt({ min: 0n, max: 10n ** 21n }),
    });

    it("termsHashOf is the hash OfferCreated reports, and its first 20 bytes are the stored offer's", async () => {
      await fc.assert(
        fc.asyncProperty(termsArb, async (draw) => {
          const f = await networkHelpers.loadFixture(deployMarket);
          const workId = await registerWork(f.registry, f.artisan);
          const at = await nextBlockAt();
          const start = draw.startDays === undefined ? 0 : Number(at) + draw.startDays * DAY;
          const terms = licenceTerms({
            kind: draw.kind,
            uses: draw.uses,
            fields: draw.fields,
            transferable: draw.transferable,
            ...scopeOf(draw.countries),
            start,
            end: draw.lengthDays === undefined ? 0 : (start || Number(at)) + draw.lengthDays * DAY,
            duration: draw.duration,
            supply: draw.kind === LicenceKind.NonExclusive ? draw.supply : 1,
            derivativeRoyaltyBps: draw.derivativeRoyaltyBps,
            currency: draw.token ? f.tokenAddress : zeroAddress,
          });
          const hash = termsHashOf(terms);
          await expect(f.ledger.connect(f.artisan).createOffer(workId, terms, draw.price))
            .to.emit(f.ledger, "OfferCreated")
            .withArgs(workId, 0, f.artisan.address, hash, structOf(terms), draw.price, at);
          const offer = await f.ledger.offerOf(workId, 0);
          expect(offer.termsHash).to.equal(hash.slice(0, 42));
          expect(offer.status).to.equal(BigInt(OfferStatus.Open));
          expect(offer.kind).to.equal(BigInt(terms.kind));
          expect(offer.start).to.equal(BigInt(start || Number(at)));
          expect(offer.end).to.equal(BigInt(terms.end || FOREVER));
          expect([...offer.territory]).to.deep.equal(terms.territory);
          // The buyer's copy of the hash is what buyLicence checks.
          const value = draw.token ? 0n : draw.price;
          await f.ledger.connect(f.licensee).buyLicence(workId, 0, hash, draw.price, f.licensee.address, { value });
          expect((await f.ledger.offerOf(workId, 0)).sold).to.equal(1n);
        }),
        { numRuns: 10 },
      );
    });

    /** A transferable worldwide offer of every use and field for a year, bought by the licensee. */
    async function sublicensableGrant(f: MarketFixture) {
      const workId = await registerWork(f.registry, f.artisan);
      const terms = licenceTerms({
        uses: 63,
        worldwide: true,
        territory: [0n, 0n, 0n],
        duration: YEAR,
        transferable: true,
      });
      const offerIndex = await createOffer(f.ledger, f.artisan, workId, terms, 0n);
      return buyLicence(f.ledger, f.licensee, workId, offerIndex, terms, 0n);
    }

    it("sublicenceTermsHashOf is the hash SublicenceIssued reports", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            uses: fc.integer({ min: 1, max: 63 }),
            fields: fc.integer({ min: 1, max: ALL_FIELDS }),
            transferable: fc.boolean(),
            countries: countriesArb,
            startDays: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
            lengthDays: fc.integer({ min: 1, max: 200 }),
          }),
          async (draw) => {
            const f = await networkHelpers.loadFixture(deployMarket);
            const parent = await sublicensableGrant(f);
            const at = await nextBlockAt();
            const start = draw.startDays === undefined ? 0 : Number(at) + draw.startDays * DAY;
            const end = (start || Number(at)) + draw.lengthDays * DAY;
            const terms = sublicenceTerms({
              uses: draw.uses,
              fields: draw.fields,
              transferable: draw.transferable,
              ...scopeOf(draw.countries),
              start,
              end,
            });
            const ref = { workId: parent.workId, offerIndex: 1, serial: 1 };
            await expect(f.ledger.connect(f.licensee).issueSublicence(parent, f.other.address, terms))
              .to.emit(f.ledger, "SublicenceIssued")
              .withArgs(
                grantIdOf(ref),
                parent.grantId,
                parent.workId,
                1,
                f.licensee.address,
                f.other.address,
                sublicenceTermsHashOf(terms),
                structOf(terms),
                start || at,
                end,
                at,
              );
            expect((await f.ledger.offerOf(parent.workId, 1)).termsHash).to.equal(
              sublicenceTermsHashOf(terms).slice(0, 42),
            );
          },
        ),
        { numRuns: 8 },
      );
    });

    it("grantIdOf is the ledger's grantIdOf for any coordinates", async () => {
      const { ledger } = await networkHelpers.loadFixture(deployMarket);
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
          fc.nat({ max: 2 ** 32 - 1 }),
          fc.nat({ max: 2 ** 32 - 1 }),
          async (workId, offerIndex, serial) => {
            const ref = { workId, offerIndex, serial };
            expect(await ledger.grantIdOf(ref)).to.equal(grantIdOf(ref));
          },
        ),
        { numRuns: 50 },
      );
    });

    it("countryBitOf agrees with the ledger: a one-country grant permits it, not its neighbours", async () => {
      await fc.assert(
        fc.asyncProperty(codeArb, async (code) => {
          const f = await networkHelpers.loadFixture(deployMarket);
          const workId = await registerWork(f.registry, f.artisan);
          const terms = licenceTerms({ territory: territoryOf([code]) });
          const offerIndex = await createOffer(f.ledger, f.artisan, workId, terms, 0n);
          const grant = await buyLicence(f.ledger, f.licensee, workId, offerIndex, terms, 0n);
          expect([...(await f.ledger.offerOf(workId, offerIndex)).territory]).to.deep.equal(territoryOf([code]));
          const now = await nowSeconds();
          const permits = (country: string) =>
            f.ledger.permits(grant, f.licensee.address, Use.reproduce, countryHex(country), 1, now);
          expect(await permits(code), code).to.equal(true);
          const bit = countryBitOf(code);
          for (const neighbour of [bit - 1, bit + 1].filter((b) => b >= 0 && b <= 675)) {
            expect(await permits(codeOfBit(neighbour)), codeOfBit(neighbour)).to.equal(false);
          }
        }),
        // The ends of the range and both word boundaries (bits 255/256 and 511/512), then random codes.
        { numRuns: 16, examples: [["AA"], ["ZZ"], ["JV"], ["JW"], ["TR"], ["TS"]] },
      );
    });
  });
});
