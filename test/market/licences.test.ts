// Licences: buying, renewing, ending, transferring, permits and the derivative right.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { type Hex, toFunctionSelector, zeroAddress, zeroHash } from "viem";
import {
  countryHex,
  FOREVER,
  fieldsOf,
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
import { workIdOf } from "../../core/registration.ts";
import { defaultLicenceUri } from "../../scripts/deploy/defaults.ts";
import { newWork } from "../registry/fixture.ts";
import {
  buyLicence,
  cid,
  createOffer,
  DAY,
  deployMarket,
  ethers,
  feeOf,
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

const PRICE = 10n ** 18n;
const { fee: FEE, net: NET } = feeOf(PRICE);
/** The term of the renewable offers below. */
const TERM = 30 * DAY;
const CN = countryHex("CN");
const HK = countryHex("HK");
const US = countryHex("US");
const ALL = 0xffff;
const APPAREL = fieldsOf(["apparel"]);
const FILM = fieldsOf(["film"]);

/** The market with one work, registered and held by the artisan. */
type Market = MarketFixture & { workId: bigint };
/** A published offer and what a buyer needs to buy it. */
type Sale = { workId: bigint; offerIndex: number; terms: LicenceTerms; price: bigint };
type Grant = GrantRef & { grantId: bigint };

async function deployWork(): Promise<Market> {
  const f = await deployMarket();
  const workId = await registerWork(f.registry, f.artisan);
  return { ...f, workId };
}

async function load(): Promise<Market> {
  return networkHelpers.loadFixture(deployWork);
}

/** The artisan offers its work on `licenceTerms(overrides)` at `price`. */
async function publish(f: Market, overrides: Partial<LicenceTerms> = {}, price = PRICE): Promise<Sale> {
  const terms = licenceTerms(overrides);
  const offerIndex = await createOffer(f.ledger, f.artisan, f.workId, terms, price);
  return { workId: f.workId, offerIndex, terms, price };
}

/** The coin to send when buying or renewing under `sale`. */
function coinFor(sale: Sale): bigint {
  return sale.terms.currency === zeroAddress ? sale.price : 0n;
}

/** `from` buys one licence of `sale` for `licensee` (itself by default). */
function purchase(
  f: Market,
  sale: Sale,
  from: HardhatEthersSigner = f.licensee,
  licensee: string = from.address,
  value: bigint = coinFor(sale),
) {
  return f.ledger
    .connect(from)
    .buyLicence(sale.workId, sale.offerIndex, termsHashOf(sale.terms), sale.price, licensee, { value });
}

/** `holder` buys one licence of `sale` for itself; returns the grant. */
function bought(f: Market, sale: Sale, holder: HardhatEthersSigner = f.licensee): Promise<Grant> {
  return buyLicence(f.ledger, holder, sale.workId, sale.offerIndex, sale.terms, sale.price);
}

/** The grant coordinates alone, as the contract takes them. */
function refOf({ workId, offerIndex, serial }: GrantRef): GrantRef {
  return { workId, offerIndex, serial };
}

function grantAt(sale: Sale, serial: number): Grant {
  const ref = { workId: sale.workId, offerIndex: sale.offerIndex, serial };
  return { ...ref, grantId: grantIdOf(ref) };
}

/** `from` renews `grant` of `sale` at the sale's price. */
function renew(f: Market, sale: Sale, grant: GrantRef, from: HardhatEthersSigner = f.licensee) {
  return f.ledger.connect(from).renewLicence(refOf(grant), sale.price, { value: coinFor(sale) });
}

async function statusOf(f: Market, grantId: bigint): Promise<number> {
  return Number(await f.ledger.grantStatus(grantId));
}

/** Mines a block at `t`, so that views see that time. */
async function travelTo(t: bigint | number): Promise<void> {
  await networkHelpers.time.increaseTo(t);
}

/** Fixes the time of the next transaction. */
async function nextAt(t: bigint | number): Promise<bigint> {
  await networkHelpers.time.setNextBlockTimestamp(t);
  return BigInt(t);
}

/** Everything a sale of `sale` would change: its count, the next grant, and the money held and owed. */
async function saleState(f: Market, sale: Sale) {
  const known = sale.offerIndex < Number(await f.ledger.offerCount(sale.workId));
  const sold = known ? (await f.ledger.offerOf(sale.workId, sale.offerIndex)).sold : 0n;
  const next = grantAt(sale, Number(sold) + 1).grantId;
  const owed = (account: HardhatEthersSigner, currency: string) => f.ledger.owed(account.address, currency);
  return {
    sold,
    nextStatus: await f.ledger.grantStatus(next),
    nextBalance: await f.ledger.balanceOf(f.licensee.address, next),
    coin: await ethers.provider.getBalance(f.ledgerAddress),
    tokens: await f.token.balanceOf(f.ledgerAddress),
    owed: await Promise.all(
      [f.artisan, f.coop, f.treasury].flatMap((a) => [owed(a, zeroAddress), owed(a, f.tokenAddress)]),
    ),
  };
}

/** Runs a refused attempt and checks it left no grant, no balance and no money behind. */
async function expectNoSale(f: Market, sale: Sale, refusal: () => PromiseLike<unknown>): Promise<void> {
  const before = await saleState(f, sale);
  await refusal();
  expect(await saleState(f, sale)).to.deep.equal(before);
}

/** The licensee's purchase of `sale` is refused with `error(...args)` and leaves nothing behind. */
function expectSaleRefused(f: Market, sale: Sale, error: string, ...args: unknown[]): Promise<void> {
  return expectNoSale(f, sale, () =>
    expect(purchase(f, sale))
      .to.be.revertedWithCustomError(f.ledger, error)
      .withArgs(...args),
  );
}

/** Checks `tx` moved one unit of `grantId`: TransferSingle(operator, from, to, grantId, 1). */
async function expectTransferSingle(
  tx: Promise<unknown>,
  f: Market,
  operator: string,
  from: string,
  to: string,
  grantId: bigint,
): Promise<void> {
  await expect(tx).to.emit(f.ledger, "TransferSingle").withArgs(operator, from, to, grantId, 1n);
}

/**
 * Checks `tx`, sent by `operator` at `t`, ended the licensee's `grant` with `status`: the token burnt (TransferSingle to
 * zero), the end cut to `t`, the balance 0.
 */
async function expectEnded(
  tx: Promise<unknown>,
  f: Market,
  operator: string,
  grant: Grant,
  t: bigint,
  status: number,
): Promise<void> {
  await expectTransferSingle(tx, f, operator, f.licensee.address, zeroAddress, grant.grantId);
  const stored = await f.ledger.grantOf(grant.grantId);
  expect(stored.end).to.equal(t);
  expect(stored.status).to.equal(BigInt(status));
  expect(await f.ledger.balanceOf(f.licensee.address, grant.grantId)).to.equal(0n);
}

/**
 * Checks every argument of the `LicencePurchased` of `tx`: the first sale of `sale` to the licensee at `t`, for a
 * year, paid to the artisan with no split; in coin at PRICE and FEE unless `money` says otherwise.
 */
async function expectPurchased(
  tx: Promise<unknown>,
  f: Market,
  sale: Sale,
  t: bigint,
  money: { currency?: string; price?: bigint; fee?: bigint } = {},
): Promise<void> {
  await expect(tx)
    .to.emit(f.ledger, "LicencePurchased")
    .withArgs(
      grantAt(sale, 1).grantId,
      f.workId,
      f.licensee.address,
      sale.offerIndex,
      1n,
      t,
      t + BigInt(YEAR),
      money.currency ?? zeroAddress,
      money.price ?? PRICE,
      money.fee ?? FEE,
      0n,
      0n,
      f.artisan.address,
      termsHashOf(sale.terms),
      t,
    );
}

/**
 * Checks every argument of the `LicenceRenewed` of `tx`: `grant` renewed at `t` from `previousEnd` to `end`, paid by
 * `payer` (the licensee by default) in coin at PRICE and FEE, to the artisan with no split.
 */
async function expectRenewed(
  tx: Promise<unknown>,
  f: Market,
  grant: Grant,
  t: bigint,
  term: { previousEnd: bigint | number; end: bigint | number; payer?: string },
): Promise<void> {
  await expect(tx)
    .to.emit(f.ledger, "LicenceRenewed")
    .withArgs(
      grant.grantId,
      f.workId,
      term.payer ?? f.licensee.address,
      term.previousEnd,
      term.end,
      zeroAddress,
      PRICE,
      FEE,
      0n,
      0n,
      f.artisan.address,
      t,
    );
}

/** A registration of a new work by `registrant` deriving from `parentId`. */
function derivativeOf(registrant: HardhatEthersSigner, parentId: bigint) {
  return newWork(registrant.address, { parents: [parentId] });
}

describe("LicenceLedger: licences", () => {
  describe("buyLicence", () => {
    it("mints the grant: TransferSingle from zero and LicencePurchased with the whole sale", async () => {
      const f = await load();
      const sale = await publish(f);
      const { grantId } = grantAt(sale, 1);
      const t = await nextBlockAt();
      const tx = purchase(f, sale);
      await expectTransferSingle(tx, f, f.licensee.address, zeroAddress, f.licensee.address, grantId);
      await expectPurchased(tx, f, sale, t);
    });

    it("records the grant: grantOf reads back holder, term, status and transferability; balanceOf is 1", async () => {
      const f = await load();
      const sale = await publish(f, { transferable: true });
      const t = await nextBlockAt();
      const g = await bought(f, sale);
      const grant = await f.ledger.grantOf(g.grantId);
      expect(grant.holder).to.equal(f.licensee.address);
      expect(grant.start).to.equal(t);
      expect(grant.end).to.equal(t + BigInt(YEAR));
      expect(grant.status).to.equal(BigInt(GrantStatus.Active));
      expect(grant.transferable).to.equal(true);
      expect(grant.parentGrantId).to.equal(0n);
      expect(await f.ledger.balanceOf(f.licensee.address, g.grantId)).to.equal(1n);
      expect(await f.ledger.balanceOf(f.other.address, g.grantId)).to.equal(0n);
      expect((await f.ledger.offerOf(f.workId, sale.offerIndex)).sold).to.equal(1n);
    });

    it("takes exactly the price in coin and credits the fee to the treasury and the rest to the owner", async () => {
      const f = await load();
      const sale = await publish(f);
      await expect(purchase(f, sale)).to.changeEtherBalances(ethers, [f.licensee, f.ledger], [-PRICE, PRICE]);
      expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(NET);
      expect(await f.ledger.owed(f.treasury.address, zeroAddress)).to.equal(FEE);
      // 2.5% of 1 coin.
      expect(FEE).to.equal(25n * 10n ** 15n);
    });

    it("numbers the sales of an offer from 1, each with its own grant id", async () => {
      const f = await load();
      const sale = await publish(f);
      const first = await bought(f, sale);
      const second = await bought(f, sale, f.buyer);
      expect([first.serial, second.serial]).to.deep.equal([1, 2]);
      expect(second.grantId).to.not.equal(first.grantId);
      expect(await f.ledger.balanceOf(f.buyer.address, second.grantId)).to.equal(1n);
      expect(await f.ledger.balanceOf(f.buyer.address, first.grantId)).to.equal(0n);
      expect((await f.ledger.grantOf(second.grantId)).holder).to.equal(f.buyer.address);
    });

    it("buys for another account: the licensee holds the grant, the payer pays and holds nothing", async () => {
      const f = await load();
      const sale = await publish(f);
      const { grantId } = grantAt(sale, 1);
      const t = await nextBlockAt();
      const tx = purchase(f, sale, f.other, f.licensee.address);
      await expectTransferSingle(tx, f, f.other.address, zeroAddress, f.licensee.address, grantId);
      await expectPurchased(tx, f, sale, t);
      await expect(tx).to.changeEtherBalances(ethers, [f.other, f.licensee], [-PRICE, 0n]);
      expect(await f.ledger.balanceOf(f.licensee.address, grantId)).to.equal(1n);
      expect(await f.ledger.balanceOf(f.other.address, grantId)).to.equal(0n);
      expect((await f.ledger.grantOf(grantId)).holder).to.equal(f.licensee.address);
    });

    describe("term", () => {
      /** Buys one licence of `sale` at a fixed time; returns that time and the grant's stored term. */
      async function termOf(f: Market, sale: Sale) {
        const t = await nextBlockAt();
        const g = await bought(f, sale);
        const grant = await f.ledger.grantOf(g.grantId);
        return { t, start: grant.start, end: grant.end, grantId: g.grantId };
      }

      it("runs a duration offer's grant from the purchase for one duration", async () => {
        const f = await load();
        const sale = await publish(f, { duration: TERM });
        const { t, start, end } = await termOf(f, sale);
        expect([start, end]).to.deep.equal([t, t + BigInt(TERM)]);
      });

      it("caps a duration offer's grant at the offer's end", async () => {
        const f = await load();
        const offerEnd = (await nowSeconds()) + 10 * DAY;
        const sale = await publish(f, { duration: YEAR, end: offerEnd });
        const { t, start, end } = await termOf(f, sale);
        expect([start, end]).to.deep.equal([t, BigInt(offerEnd)]);
      });

      it("runs a fixed-term offer's grant (no duration) from the purchase to the offer's end", async () => {
        const f = await load();
        const offerEnd = (await nowSeconds()) + 100 * DAY;
        const sale = await publish(f, { duration: 0, start: 0, end: offerEnd });
        const { t, start, end } = await termOf(f, sale);
        expect([start, end]).to.deep.equal([t, BigInt(offerEnd)]);
      });

      it("starts a fixed-term grant at the purchase when the offer's start has passed", async () => {
        const f = await load();
        const now = await nowSeconds();
        const sale = await publish(f, { duration: 0, start: now - DAY, end: now + 100 * DAY });
        const { t, start, end } = await termOf(f, sale);
        expect([start, end]).to.deep.equal([t, BigInt(now + 100 * DAY)]);
      });

      it("gives a perpetual offer's grant (no end, no duration) the end FOREVER", async () => {
        const f = await load();
        const sale = await publish(f, { duration: 0, start: 0, end: 0 });
        const { t, start, end, grantId } = await termOf(f, sale);
        expect([start, end]).to.deep.equal([t, BigInt(FOREVER)]);
        await travelTo(t + 100n * BigInt(YEAR));
        expect(await statusOf(f, grantId)).to.equal(GrantStatus.Active);
      });

      it("starts a grant of a future offer at the offer's start, Scheduled until then and Active from then", async () => {
        const f = await load();
        const from = (await nowSeconds()) + 10 * DAY;
        const sale = await publish(f, { duration: TERM, start: from });
        const { start, end, grantId } = await termOf(f, sale);
        expect([start, end]).to.deep.equal([BigInt(from), BigInt(from + TERM)]);
        expect(await statusOf(f, grantId)).to.equal(GrantStatus.Scheduled);
        await travelTo(from - 1);
        expect(await statusOf(f, grantId)).to.equal(GrantStatus.Scheduled);
        await travelTo(from);
        expect(await statusOf(f, grantId)).to.equal(GrantStatus.Active);
      });

      it("runs a future fixed-term grant from the offer's start to its end", async () => {
        const f = await load();
        const now = await nowSeconds();
        const sale = await publish(f, { duration: 0, start: now + DAY, end: now + 50 * DAY });
        const { start, end, grantId } = await termOf(f, sale);
        expect([start, end]).to.deep.equal([BigInt(now + DAY), BigInt(now + 50 * DAY)]);
        expect(await statusOf(f, grantId)).to.equal(GrantStatus.Scheduled);
      });
    });

    describe("supply", () => {
      it("sells exactly `supply` grants, then refuses with SoldOut(workId, offerIndex, supply)", async () => {
        const f = await load();
        const sale = await publish(f, { supply: 2 });
        await bought(f, sale);
        await bought(f, sale, f.buyer);
        expect((await f.ledger.offerOf(f.workId, sale.offerIndex)).sold).to.equal(2n);
        await expectSaleRefused(f, sale, "SoldOut", f.workId, sale.offerIndex, 2n);
      });
    });

    describe("price and currency", () => {
      it("sells a free licence for no coin: no fee, nothing owed, payee the owner", async () => {
        const f = await load();
        const sale = await publish(f, {}, 0n);
        const { grantId } = grantAt(sale, 1);
        const t = await nextBlockAt();
        const tx = purchase(f, sale, f.licensee, f.licensee.address, 0n);
        await expectPurchased(tx, f, sale, t, { price: 0n, fee: 0n });
        await expect(tx).to.changeEtherBalances(ethers, [f.licensee, f.ledger], [0n, 0n]);
        expect(await f.ledger.balanceOf(f.licensee.address, grantId)).to.equal(1n);
        expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(0n);
        expect(await f.ledger.owed(f.treasury.address, zeroAddress)).to.equal(0n);
      });

      it("refuses coin sent for a free licence: WrongPayment(0, sent)", async () => {
        const f = await load();
        const sale = await publish(f, {}, 0n);
        await expectNoSale(f, sale, () =>
          expect(purchase(f, sale, f.licensee, f.licensee.address, 1n))
            .to.be.revertedWithCustomError(f.ledger, "WrongPayment")
            .withArgs(0n, 1n),
        );
      });

      it("pulls exactly the price of an ERC-20 offer from the payer and reports the token as currency", async () => {
        const f = await load();
        const sale = await publish(f, { currency: f.tokenAddress });
        const t = await nextBlockAt();
        const tx = purchase(f, sale);
        await expectPurchased(tx, f, sale, t, { currency: f.tokenAddress });
        await expect(tx).to.changeTokenBalances(ethers, f.token, [f.licensee, f.ledger], [-PRICE, PRICE]);
        await expect(tx).to.changeEtherBalances(ethers, [f.licensee, f.ledger], [0n, 0n]);
        expect(await f.ledger.owed(f.artisan.address, f.tokenAddress)).to.equal(NET);
        expect(await f.ledger.owed(f.treasury.address, f.tokenAddress)).to.equal(FEE);
        expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(0n);
      });

      it("refuses coin sent with an ERC-20 payment: UnexpectedNativePayment(sent)", async () => {
        const f = await load();
        const sale = await publish(f, { currency: f.tokenAddress });
        await expectNoSale(f, sale, () =>
          expect(purchase(f, sale, f.licensee, f.licensee.address, 1n))
            .to.be.revertedWithCustomError(f.ledger, "UnexpectedNativePayment")
            .withArgs(1n),
        );
      });

      for (const [label, sent] of [
        ["too little", PRICE - 1n],
        ["too much", PRICE + 1n],
        ["no", 0n],
      ] as const) {
        it(`refuses ${label} coin: WrongPayment(price, sent)`, async () => {
          const f = await load();
          const sale = await publish(f);
          await expectNoSale(f, sale, () =>
            expect(purchase(f, sale, f.licensee, f.licensee.address, sent))
              .to.be.revertedWithCustomError(f.ledger, "WrongPayment")
              .withArgs(PRICE, sent),
          );
        });
      }

      it("refuses a buyer expecting another price: PriceMismatch(price, expected)", async () => {
        const f = await load();
        const sale = await publish(f);
        await expectNoSale(f, sale, () =>
          expect(
            f.ledger
              .connect(f.licensee)
              .buyLicence(f.workId, sale.offerIndex, termsHashOf(sale.terms), PRICE - 1n, f.licensee.address, {
                value: PRICE - 1n,
              }),
          )
            .to.be.revertedWithCustomError(f.ledger, "PriceMismatch")
            .withArgs(PRICE, PRICE - 1n),
        );
      });

      it("refuses a buyer who missed a repricing: PriceMismatch(new price, old price)", async () => {
        const f = await load();
        const sale = await publish(f);
        await f.ledger.connect(f.artisan).repriceOffer(f.workId, sale.offerIndex, 2n * PRICE);
        await expectSaleRefused(f, sale, "PriceMismatch", 2n * PRICE, PRICE);
      });
    });

    describe("refusals", () => {
      it("UnknownOffer(workId, offerIndex) for an offer index never published", async () => {
        const f = await load();
        const sale = { ...(await publish(f)), offerIndex: 1 };
        await expectSaleRefused(f, sale, "UnknownOffer", f.workId, 1n);
      });

      it("UnknownOffer(workId, 0) for a work without offers", async () => {
        const f = await load();
        const workId = await registerWork(f.registry, f.coop);
        const sale = { ...(await publish(f)), workId };
        await expectSaleRefused(f, sale, "UnknownOffer", workId, 0n);
      });

      it("OfferNotOpen(…, Paused) while the offer is paused", async () => {
        const f = await load();
        const sale = await publish(f);
        await f.ledger.connect(f.artisan).setOfferPaused(f.workId, sale.offerIndex, true);
        await expectSaleRefused(f, sale, "OfferNotOpen", f.workId, sale.offerIndex, OfferStatus.Paused);
      });

      it("OfferNotOpen(…, Closed) once the offer is closed", async () => {
        const f = await load();
        const sale = await publish(f);
        await f.ledger.connect(f.artisan).closeOffer(f.workId, sale.offerIndex);
        await expectSaleRefused(f, sale, "OfferNotOpen", f.workId, sale.offerIndex, OfferStatus.Closed);
      });

      it("TermsMismatch(stored 20 bytes, given hash) for other terms than the offer's", async () => {
        const f = await load();
        const sale = await publish(f);
        const given = termsHashOf(licenceTerms());
        const stored = termsHashOf(sale.terms).slice(0, 42);
        await expectNoSale(f, sale, () =>
          expect(
            f.ledger
              .connect(f.licensee)
              .buyLicence(f.workId, sale.offerIndex, given, PRICE, f.licensee.address, { value: PRICE }),
          )
            .to.be.revertedWithCustomError(f.ledger, "TermsMismatch")
            .withArgs(stored, given),
        );
      });

      it("OfferEnded(workId, offerIndex, end) for a fixed-term offer once its end has come", async () => {
        const f = await load();
        const offerEnd = (await nowSeconds()) + 10 * DAY;
        const sale = await publish(f, { duration: 0, end: offerEnd });
        await nextAt(offerEnd);
        await expectSaleRefused(f, sale, "OfferEnded", f.workId, sale.offerIndex, offerEnd);
      });

      it("sells a fixed-term licence in the last second before the offer's end", async () => {
        const f = await load();
        const offerEnd = (await nowSeconds()) + 10 * DAY;
        const sale = await publish(f, { duration: 0, end: offerEnd });
        const t = await nextAt(offerEnd - 1);
        const g = await bought(f, sale);
        const grant = await f.ledger.grantOf(g.grantId);
        expect([grant.start, grant.end]).to.deep.equal([t, BigInt(offerEnd)]);
      });

      it("InvalidLicensee(0) for the zero address", async () => {
        const f = await load();
        const sale = await publish(f);
        await expectNoSale(f, sale, () =>
          expect(purchase(f, sale, f.licensee, zeroAddress))
            .to.be.revertedWithCustomError(f.ledger, "InvalidLicensee")
            .withArgs(zeroAddress),
        );
      });

      it("OfferVoid(workId, offerIndex) once the work has been assigned to a new holder", async () => {
        const f = await load();
        const sale = await publish(f);
        await f.registry.connect(f.artisan).assign(f.coop.address, f.workId, unique("deed"), cid());
        await expectSaleRefused(f, sale, "OfferVoid", f.workId, sale.offerIndex);
      });

      it("WorkDisputed(workId) once an arbiter flags the work", async () => {
        const f = await load();
        const sale = await publish(f);
        await f.registry.connect(f.arbiter).flagDispute(f.workId, cid());
        await expectSaleRefused(f, sale, "WorkDisputed", f.workId);
      });
    });

    describe("pledged works", () => {
      async function pledgeTo(f: Market, lender: HardhatEthersSigner): Promise<void> {
        const maturity = (await nowSeconds()) + 30 * DAY;
        await f.registry.connect(f.artisan).pledge(f.workId, lender.address, maturity, cid());
      }

      it("refuses to sell without the pledgee's consent: WorkPledged(workId, pledgee)", async () => {
        const f = await load();
        const sale = await publish(f);
        await pledgeTo(f, f.lender);
        await expectSaleRefused(f, sale, "WorkPledged", f.workId, f.lender.address);
      });

      it("sells once the pledgee consents (PledgeeConsentSet), paying the holder", async () => {
        const f = await load();
        const sale = await publish(f);
        await pledgeTo(f, f.lender);
        const t = await nextBlockAt();
        await expect(f.ledger.connect(f.lender).setPledgeeConsent(f.workId, true))
          .to.emit(f.ledger, "PledgeeConsentSet")
          .withArgs(f.workId, f.lender.address, 1n, true, t);
        const g = await bought(f, sale);
        expect(await f.ledger.balanceOf(f.licensee.address, g.grantId)).to.equal(1n);
        expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(NET);
      });

      it("refuses again once the pledgee withdraws its consent", async () => {
        const f = await load();
        const sale = await publish(f);
        await pledgeTo(f, f.lender);
        await f.ledger.connect(f.lender).setPledgeeConsent(f.workId, true);
        const t = await nextBlockAt();
        await expect(f.ledger.connect(f.lender).setPledgeeConsent(f.workId, false))
          .to.emit(f.ledger, "PledgeeConsentSet")
          .withArgs(f.workId, f.lender.address, 1n, false, t);
        await expectSaleRefused(f, sale, "WorkPledged", f.workId, f.lender.address);
      });

      it("does not carry a consent over to a later pledge to the same pledgee (review finding 8)", async () => {
        const f = await load();
        const sale = await publish(f);
        await pledgeTo(f, f.lender);
        await f.ledger.connect(f.lender).setPledgeeConsent(f.workId, true);
        await bought(f, sale);
        await f.registry.connect(f.lender).releasePledge(f.workId);
        await pledgeTo(f, f.lender);
        expect(await f.ledger.pledgeConsentOf(f.workId)).to.equal(1n);
        expect((await f.registry.titleOf(f.workId)).pledges).to.equal(2n);
        await expectSaleRefused(f, sale, "WorkPledged", f.workId, f.lender.address);
        const t = await nextBlockAt();
        await expect(f.ledger.connect(f.lender).setPledgeeConsent(f.workId, true))
          .to.emit(f.ledger, "PledgeeConsentSet")
          .withArgs(f.workId, f.lender.address, 2n, true, t);
        await bought(f, sale, f.other);
      });

      it("does not carry a consent over to a new pledgee", async () => {
        const f = await load();
        const sale = await publish(f);
        await pledgeTo(f, f.lender);
        await f.ledger.connect(f.lender).setPledgeeConsent(f.workId, true);
        await f.registry.connect(f.lender).releasePledge(f.workId);
        await pledgeTo(f, f.buyer);
        await expectSaleRefused(f, sale, "WorkPledged", f.workId, f.buyer.address);
      });

      it("lets only the pledgee consent: NotPledgee(workId, caller) for the holder and for a stranger", async () => {
        const f = await load();
        await pledgeTo(f, f.lender);
        for (const caller of [f.artisan, f.other]) {
          await expect(f.ledger.connect(caller).setPledgeeConsent(f.workId, true))
            .to.be.revertedWithCustomError(f.ledger, "NotPledgee")
            .withArgs(f.workId, caller.address);
        }
      });

      it("refuses consent to a work that is not pledged: NotPledgee(workId, caller)", async () => {
        const f = await load();
        await expect(f.ledger.connect(f.lender).setPledgeeConsent(f.workId, true))
          .to.be.revertedWithCustomError(f.ledger, "NotPledgee")
          .withArgs(f.workId, f.lender.address);
      });
    });

    describe("receivers", () => {
      it("refuses to mint to a contract without onERC1155Received: ERC1155InvalidReceiver(contract)", async () => {
        const f = await load();
        const sale = await publish(f);
        await expectNoSale(f, sale, () =>
          expect(purchase(f, sale, f.licensee, f.tokenAddress))
            .to.be.revertedWithCustomError(f.ledger, "ERC1155InvalidReceiver")
            .withArgs(f.tokenAddress),
        );
      });

      it("mints to a contract that accepts ERC-1155 tokens", async () => {
        const f = await load();
        const sale = await publish(f);
        const receiver = await ethers.deployContract("Reenterer");
        const receiverAddress = await receiver.getAddress();
        const { grantId } = grantAt(sale, 1);
        const tx = purchase(f, sale, f.licensee, receiverAddress);
        await expectTransferSingle(tx, f, f.licensee.address, zeroAddress, receiverAddress, grantId);
        expect(await f.ledger.balanceOf(receiverAddress, grantId)).to.equal(1n);
      });
    });
  });

  describe("renewLicence", () => {
    /** A renewable offer (30-day term, perpetual) and a grant of it bought at `bought`. */
    async function renewable(f: Market, overrides: Partial<LicenceTerms> = {}) {
      const sale = await publish(f, { duration: TERM, ...overrides });
      const boughtAt = await nextBlockAt();
      const grant = await bought(f, sale);
      return { sale, grant, boughtAt, end: boughtAt + BigInt(TERM) };
    }

    /** A renewable offer ending one and a half terms after `t0`, a little ahead, and a grant of it bought at `t0`. */
    async function capped(f: Market) {
      const t0 = (await nowSeconds()) + 100;
      const offerEnd = t0 + TERM + TERM / 2;
      const sale = await publish(f, { duration: TERM, end: offerEnd });
      await nextAt(t0);
      const grant = await bought(f, sale);
      return { t0, offerEnd, sale, grant };
    }

    /** Renewing `grant` of `sale` as the licensee is refused with `error(...args)`. */
    async function expectRenewalRefused(
      f: Market,
      sale: Sale,
      grant: GrantRef,
      error: string,
      ...args: unknown[]
    ): Promise<void> {
      await expect(renew(f, sale, grant))
        .to.be.revertedWithCustomError(f.ledger, error)
        .withArgs(...args);
    }

    it("extends the end by one term from the current end: LicenceRenewed with the money and both ends", async () => {
      const f = await load();
      const { sale, grant, end } = await renewable(f);
      const t = await nextBlockAt();
      const tx = renew(f, sale, grant);
      await expectRenewed(tx, f, grant, t, { previousEnd: end, end: end + BigInt(TERM) });
      await expect(tx).to.changeEtherBalances(ethers, [f.licensee, f.ledger], [-PRICE, PRICE]);
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(end + BigInt(TERM));
      expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(2n * NET);
      expect(await f.ledger.owed(f.treasury.address, zeroAddress)).to.equal(2n * FEE);
    });

    it("renews what is held while the work is disputed or pledged without consent; new sales stay refused (review finding 7)", async () => {
      const f = await load();
      const { sale, grant, end } = await renewable(f, { kind: LicenceKind.Exclusive, supply: 1 });
      const other = await publish(f, { territory: territoryOf(["FR"]), duration: TERM });
      await f.registry.connect(f.arbiter).flagDispute(f.workId, cid());
      await renew(f, sale, grant);
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(end + BigInt(TERM));
      await expectSaleRefused(f, other, "WorkDisputed", f.workId);
      await f.registry.connect(f.arbiter).clearDispute(f.workId, cid());
      await f.registry.connect(f.artisan).pledge(f.workId, f.lender.address, (await nowSeconds()) + YEAR, cid());
      await networkHelpers.time.increaseTo(end + 1n);
      await renew(f, sale, grant);
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(end + 2n * BigInt(TERM));
      await expectSaleRefused(f, other, "WorkPledged", f.workId, f.lender.address);
    });

    it("keeps the grant's start when renewing ahead", async () => {
      const f = await load();
      const { sale, grant, boughtAt } = await renewable(f);
      await renew(f, sale, grant);
      expect((await f.ledger.grantOf(grant.grantId)).start).to.equal(boughtAt);
    });

    it("refuses a renewal while more than one term is left: RenewalTooEarly(grantId, end, end - term)", async () => {
      const f = await load();
      const { sale, grant, end } = await renewable(f);
      await renew(f, sale, grant);
      const renewedEnd = end + BigInt(TERM);
      await nextAt(end - 1n);
      const earliest = renewedEnd - BigInt(TERM);
      await expectRenewalRefused(f, sale, grant, "RenewalTooEarly", grant.grantId, renewedEnd, earliest);
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(renewedEnd);
    });

    it("accepts a renewal when exactly one term is left", async () => {
      const f = await load();
      const { sale, grant, end } = await renewable(f);
      await renew(f, sale, grant);
      await nextAt(end);
      await renew(f, sale, grant);
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(end + 2n * BigInt(TERM));
    });

    it("refuses to renew an expired grant: GrantEnded(grantId, Expired), its term stays on record, nothing paid", async () => {
      const f = await load();
      const { sale, grant, end } = await renewable(f);
      await travelTo(end + BigInt(DAY));
      expect(await statusOf(f, grant.grantId)).to.equal(GrantStatus.Expired);
      await expectRenewalRefused(f, sale, grant, "GrantEnded", grant.grantId, GrantStatus.Expired);
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(end);
      expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(NET);
    });

    it("caps the renewal at the offer's end", async () => {
      const f = await load();
      const { t0, offerEnd, sale, grant } = await capped(f);
      const t = await nextBlockAt();
      await expectRenewed(renew(f, sale, grant), f, grant, t, { previousEnd: t0 + TERM, end: offerEnd });
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(BigInt(offerEnd));
    });

    it("refuses a grant that already ends at the offer's end: OfferEnded(workId, offerIndex, end)", async () => {
      const f = await load();
      const offerEnd = (await nowSeconds()) + TERM / 2;
      const sale = await publish(f, { duration: TERM, end: offerEnd });
      const grant = await bought(f, sale);
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(BigInt(offerEnd));
      await expectRenewalRefused(f, sale, grant, "OfferEnded", f.workId, sale.offerIndex, offerEnd);
    });

    it("refuses to renew an expired grant after the offer's end: GrantEnded, nothing paid", async () => {
      const f = await load();
      const { t0, offerEnd, sale, grant } = await capped(f);
      await travelTo(offerEnd + DAY);
      await expectRenewalRefused(f, sale, grant, "GrantEnded", grant.grantId, GrantStatus.Expired);
      expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(BigInt(t0 + TERM));
      expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(NET);
    });

    it("lets anyone pay for someone else's renewal; the holder keeps the grant", async () => {
      const f = await load();
      const { sale, grant, end } = await renewable(f);
      const t = await nextBlockAt();
      const tx = renew(f, sale, grant, f.other);
      await expectRenewed(tx, f, grant, t, { previousEnd: end, end: end + BigInt(TERM), payer: f.other.address });
      await expect(tx).to.changeEtherBalances(ethers, [f.other, f.licensee], [-PRICE, 0n]);
      expect((await f.ledger.grantOf(grant.grantId)).holder).to.equal(f.licensee.address);
      expect(await f.ledger.balanceOf(f.other.address, grant.grantId)).to.equal(0n);
    });

    it("refuses a fixed-term offer's grant: NotRenewable(grantId)", async () => {
      const f = await load();
      const sale = await publish(f, { duration: 0, end: (await nowSeconds()) + YEAR });
      const grant = await bought(f, sale);
      await expectRenewalRefused(f, sale, grant, "NotRenewable", grant.grantId);
    });

    for (const [label, status] of [
      ["paused", OfferStatus.Paused],
      ["closed", OfferStatus.Closed],
    ] as const) {
      it(`refuses while the offer is ${label}: OfferNotOpen`, async () => {
        const f = await load();
        const { sale, grant, end } = await renewable(f);
        const owner = f.ledger.connect(f.artisan);
        if (status === OfferStatus.Paused) await owner.setOfferPaused(f.workId, sale.offerIndex, true);
        else await owner.closeOffer(f.workId, sale.offerIndex);
        await expectRenewalRefused(f, sale, grant, "OfferNotOpen", f.workId, sale.offerIndex, status);
        expect((await f.ledger.grantOf(grant.grantId)).end).to.equal(end);
      });
    }

    it("refuses a payer expecting another price: PriceMismatch(price, expected)", async () => {
      const f = await load();
      const { sale, grant } = await renewable(f);
      await f.ledger.connect(f.artisan).repriceOffer(f.workId, sale.offerIndex, 2n * PRICE);
      await expectRenewalRefused(f, sale, grant, "PriceMismatch", 2n * PRICE, PRICE);
    });

    it("refuses the wrong amount of coin: WrongPayment(price, sent)", async () => {
      const f = await load();
      const { grant } = await renewable(f);
      await expect(f.ledger.connect(f.licensee).renewLicence(refOf(grant), PRICE, { value: PRICE - 1n }))
        .to.be.revertedWithCustomError(f.ledger, "WrongPayment")
        .withArgs(PRICE, PRICE - 1n);
    });

    it("refuses once the work has been assigned: OfferVoid(workId, offerIndex)", async () => {
      const f = await load();
      const { sale, grant } = await renewable(f);
      await f.registry.connect(f.artisan).assign(f.coop.address, f.workId, unique("deed"), cid());
      await expectRenewalRefused(f, sale, grant, "OfferVoid", f.workId, sale.offerIndex);
    });

    it("refuses a terminated grant: GrantEnded(grantId, Terminated)", async () => {
      const f = await load();
      const { sale, grant } = await renewable(f);
      await f.ledger.connect(f.artisan).terminateLicence(refOf(grant), cid());
      await expectRenewalRefused(f, sale, grant, "GrantEnded", grant.grantId, GrantStatus.Terminated);
    });

    it("refuses a surrendered grant: GrantEnded(grantId, Surrendered)", async () => {
      const f = await load();
      const { sale, grant } = await renewable(f);
      await f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
      await expectRenewalRefused(f, sale, grant, "GrantEnded", grant.grantId, GrantStatus.Surrendered);
    });

    it("refuses a made-up grant: UnknownGrant(grantId)", async () => {
      const f = await load();
      const { sale } = await renewable(f);
      const madeUp = grantAt(sale, 9);
      await expectRenewalRefused(f, sale, madeUp, "UnknownGrant", madeUp.grantId);
    });
  });

  describe("terminateLicence", () => {
    it("lets the work's holder end a grant: LicenceTerminated, burn, Terminated, end truncated, balance 0", async () => {
      const f = await load();
      const sale = await publish(f);
      const grant = await bought(f, sale);
      const reason = cid();
      const t = await nextBlockAt();
      const tx = f.ledger.connect(f.artisan).terminateLicence(refOf(grant), reason);
      await expect(tx)
        .to.emit(f.ledger, "LicenceTerminated")
        .withArgs(grant.grantId, f.workId, f.artisan.address, f.licensee.address, reason, t);
      await expectEnded(tx, f, f.artisan.address, grant, t, GrantStatus.Terminated);
      expect((await f.ledger.grantOf(grant.grantId)).holder).to.equal(f.licensee.address);
    });

    it("refuses anyone but the work's holder: NotLicensor(grantId, caller)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      for (const caller of [f.licensee, f.other]) {
        await expect(f.ledger.connect(caller).terminateLicence(refOf(grant), cid()))
          .to.be.revertedWithCustomError(f.ledger, "NotLicensor")
          .withArgs(grant.grantId, caller.address);
      }
      expect(await statusOf(f, grant.grantId)).to.equal(GrantStatus.Active);
    });

    it("makes the new holder the licensor once the work is assigned", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      await f.registry.connect(f.artisan).assign(f.coop.address, f.workId, unique("deed"), cid());
      await expect(f.ledger.connect(f.artisan).terminateLicence(refOf(grant), cid()))
        .to.be.revertedWithCustomError(f.ledger, "NotLicensor")
        .withArgs(grant.grantId, f.artisan.address);
      const reason = cid();
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.coop).terminateLicence(refOf(grant), reason))
        .to.emit(f.ledger, "LicenceTerminated")
        .withArgs(grant.grantId, f.workId, f.coop.address, f.licensee.address, reason, t);
      expect(await statusOf(f, grant.grantId)).to.equal(GrantStatus.Terminated);
    });

    it("refuses to end a grant twice: GrantEnded(grantId, Terminated)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      await f.ledger.connect(f.artisan).terminateLicence(refOf(grant), cid());
      await expect(f.ledger.connect(f.artisan).terminateLicence(refOf(grant), cid()))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(grant.grantId, GrantStatus.Terminated);
    });

    it("refuses a surrendered grant: GrantEnded(grantId, Surrendered)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      await f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
      await expect(f.ledger.connect(f.artisan).terminateLicence(refOf(grant), cid()))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(grant.grantId, GrantStatus.Surrendered);
    });

    it("refuses a made-up grant: UnknownGrant(grantId)", async () => {
      const f = await load();
      const madeUp = grantAt(await publish(f), 1);
      await expect(f.ledger.connect(f.artisan).terminateLicence(refOf(madeUp), cid()))
        .to.be.revertedWithCustomError(f.ledger, "UnknownGrant")
        .withArgs(madeUp.grantId);
    });
  });

  describe("surrenderLicence", () => {
    it("lets the holder give a grant up: LicenceSurrendered, burn, Surrendered, end truncated, balance 0", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      const t = await nextBlockAt();
      const tx = f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
      await expect(tx).to.emit(f.ledger, "LicenceSurrendered").withArgs(grant.grantId, f.licensee.address, t);
      await expectEnded(tx, f, f.licensee.address, grant, t, GrantStatus.Surrendered);
    });

    it("refuses anyone but the holder, the licensor included: NotGrantHolder(grantId, caller)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      for (const caller of [f.other, f.artisan]) {
        await expect(f.ledger.connect(caller).surrenderLicence(grant.grantId))
          .to.be.revertedWithCustomError(f.ledger, "NotGrantHolder")
          .withArgs(grant.grantId, caller.address);
      }
      expect(await f.ledger.balanceOf(f.licensee.address, grant.grantId)).to.equal(1n);
    });

    it("refuses to give a grant up twice: GrantEnded(grantId, Surrendered)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      await f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
      await expect(f.ledger.connect(f.licensee).surrenderLicence(grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(grant.grantId, GrantStatus.Surrendered);
    });

    it("refuses a terminated grant: GrantEnded(grantId, Terminated)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      await f.ledger.connect(f.artisan).terminateLicence(refOf(grant), cid());
      await expect(f.ledger.connect(f.licensee).surrenderLicence(grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(grant.grantId, GrantStatus.Terminated);
    });

    it("refuses an unknown grant id: UnknownGrant(grantId)", async () => {
      const f = await load();
      const madeUp = BigInt(unique("grant"));
      await expect(f.ledger.connect(f.licensee).surrenderLicence(madeUp))
        .to.be.revertedWithCustomError(f.ledger, "UnknownGrant")
        .withArgs(madeUp);
    });
  });

  describe("grantStatus", () => {
    it("is None for an unknown id, whose grantOf reverts with UnknownGrant", async () => {
      const f = await load();
      const madeUp = BigInt(unique("grant"));
      expect(await statusOf(f, madeUp)).to.equal(GrantStatus.None);
      await expect(f.ledger.grantOf(madeUp)).to.be.revertedWithCustomError(f.ledger, "UnknownGrant").withArgs(madeUp);
    });

    it("goes Scheduled → Active at the start → Expired at the end", async () => {
      const f = await load();
      const from = (await nowSeconds()) + DAY;
      const grant = await bought(f, await publish(f, { duration: TERM, start: from }));
      const until = from + TERM;
      const steps: [number, number][] = [
        [from - 1, GrantStatus.Scheduled],
        [from, GrantStatus.Active],
        [until - 1, GrantStatus.Active],
        [until, GrantStatus.Expired],
        [until + YEAR, GrantStatus.Expired],
      ];
      for (const [t, status] of steps) {
        await travelTo(t);
        expect(await statusOf(f, grant.grantId), `at start + ${t - from}s`).to.equal(status);
      }
    });

    it("stays Terminated after the grant's original end", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { duration: TERM }));
      await f.ledger.connect(f.artisan).terminateLicence(refOf(grant), cid());
      expect(await statusOf(f, grant.grantId)).to.equal(GrantStatus.Terminated);
      await travelTo((await nowSeconds()) + 2 * TERM);
      expect(await statusOf(f, grant.grantId)).to.equal(GrantStatus.Terminated);
    });

    it("stays Surrendered after the grant's original end", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { duration: TERM }));
      await f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
      expect(await statusOf(f, grant.grantId)).to.equal(GrantStatus.Surrendered);
      await travelTo((await nowSeconds()) + 2 * TERM);
      expect(await statusOf(f, grant.grantId)).to.equal(GrantStatus.Surrendered);
    });
  });

  describe("permits", () => {
    const REPRODUCE_DISPLAY = usesOf(["reproduce", "display"]);

    /** A grant to reproduce and display in China and Hong Kong, for apparel and homeware, bought at `start`. */
    async function scoped() {
      const f = await load();
      const sale = await publish(f, {
        uses: REPRODUCE_DISPLAY,
        fields: fieldsOf(["apparel", "homeware"]),
        territory: territoryOf(["CN", "HK"]),
        duration: TERM,
      });
      const start = await nextBlockAt();
      const grant = await bought(f, sale);
      const ask = (use: number, country: Hex, field: number, time: bigint, account = f.licensee.address) =>
        f.ledger.permits(refOf(grant), account, use, country, field, time);
      return { ...f, sale, grant, start, end: start + BigInt(TERM), ask };
    }

    it("permits the holder an included use, in a country of the territory, in an included field, in term", async () => {
      const { ask, start } = await scoped();
      expect(await ask(Use.reproduce, CN, APPAREL, start)).to.equal(true);
      expect(await ask(Use.display, HK, fieldsOf(["homeware"]), start + 1n)).to.equal(true);
      expect(await ask(REPRODUCE_DISPLAY, CN, APPAREL, start)).to.equal(true);
    });

    it("permits no one but the holder", async () => {
      const { ask, start, other, artisan } = await scoped();
      expect(await ask(Use.reproduce, CN, APPAREL, start, other.address)).to.equal(false);
      expect(await ask(Use.reproduce, CN, APPAREL, start, artisan.address)).to.equal(false);
    });

    it("permits no use outside the offer's uses, no use 0, no set of uses with one missing", async () => {
      const { ask, start } = await scoped();
      expect(await ask(Use.adapt, CN, APPAREL, start)).to.equal(false);
      expect(await ask(Use.distribute, CN, APPAREL, start)).to.equal(false);
      expect(await ask(0, CN, APPAREL, start)).to.equal(false);
      expect(await ask(Use.reproduce | Use.commercial, CN, APPAREL, start)).to.equal(false);
    });

    it("permits no field outside the offer's fields, nor a set of fields with one outside (review finding 11)", async () => {
      const { ask, start } = await scoped();
      expect(await ask(Use.reproduce, CN, FILM, start)).to.equal(false);
      expect(await ask(Use.reproduce, CN, APPAREL | FILM, start)).to.equal(false);
      expect(await ask(Use.reproduce, CN, fieldsOf(["apparel", "homeware"]), start)).to.equal(true);
    });

    it("permits no country outside the territory", async () => {
      const { ask, start } = await scoped();
      expect(await ask(Use.reproduce, US, APPAREL, start)).to.equal(false);
      expect(await ask(Use.reproduce, countryHex("TW"), APPAREL, start)).to.equal(false);
    });

    it("permits any country under a worldwide offer", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { worldwide: true, territory: [0n, 0n, 0n] }));
      const t = await nowSeconds();
      for (const country of ["CN", "US", "FR", "ZZ", "AA"]) {
        expect(await f.ledger.permits(refOf(grant), f.licensee.address, Use.reproduce, countryHex(country), ALL, t)).to
          .be.true;
      }
    });

    it("permits only within [start, end)", async () => {
      const { ask, start, end } = await scoped();
      expect(await ask(Use.reproduce, CN, APPAREL, start - 1n)).to.equal(false);
      expect(await ask(Use.reproduce, CN, APPAREL, end - 1n)).to.equal(true);
      expect(await ask(Use.reproduce, CN, APPAREL, end)).to.equal(false);
    });

    it("permits a terminated grant's use before the termination, not from it on", async () => {
      const { ask, start, end, ledger, artisan, grant } = await scoped();
      const endedAt = await nextAt(start + BigInt(DAY));
      await ledger.connect(artisan).terminateLicence(refOf(grant), cid());
      expect(await ask(Use.reproduce, CN, APPAREL, endedAt - 1n)).to.equal(true);
      expect(await ask(Use.reproduce, CN, APPAREL, endedAt)).to.equal(false);
      expect(await ask(Use.reproduce, CN, APPAREL, end - 1n)).to.equal(false);
    });

    it("permits nothing under a grant never sold", async () => {
      const { ledger, licensee, sale, start } = await scoped();
      const ref = refOf(grantAt(sale, 2));
      expect(await ledger.permits(ref, licensee.address, Use.reproduce, CN, APPAREL, start)).to.equal(false);
    });

    for (const [label, code] of [
      ["lowercase letters", "0x636e"],
      ["digits", "0x3132"],
      ["a letter and a zero byte", "0x4300"],
    ] as const) {
      it(`refuses a country code of ${label}: InvalidCountry(code)`, async () => {
        const { ask, ledger, start } = await scoped();
        await expect(ask(Use.reproduce, code, APPAREL, start))
          .to.be.revertedWithCustomError(ledger, "InvalidCountry")
          .withArgs(code);
      });
    }
  });

  describe("findGrant", () => {
    /**
     * Offer 0: the default (China, no adapt), sold to other (1), licensee (2) and licensee again (3).
     * Offer 1: adapt, United States only, sold to buyer (1) and licensee (2).
     */
    async function crowded() {
      const f = await load();
      const china = await publish(f);
      const us = await publish(f, { uses: usesOf(["reproduce", "adapt"]), territory: territoryOf(["US"]) });
      await bought(f, china, f.other);
      const licenseeChina = await bought(f, china);
      const licenseeChinaAgain = await bought(f, china);
      await bought(f, us, f.buyer);
      await bought(f, us);
      const t = BigInt(await nowSeconds());
      const find = async (account: HardhatEthersSigner, use: number, country: Hex, time = t) => {
        const ref = await f.ledger.findGrant(account.address, f.workId, use, country, ALL, time);
        return [ref.workId, ref.offerIndex, ref.serial];
      };
      return { ...f, find, t, licenseeChina, licenseeChinaAgain };
    }

    it("finds the grant that permits the use among several offers and grants", async () => {
      const { find, workId, other, licensee, buyer } = await crowded();
      expect(await find(other, Use.reproduce, CN)).to.deep.equal([workId, 0n, 1n]);
      expect(await find(licensee, Use.reproduce, CN)).to.deep.equal([workId, 0n, 2n]);
      expect(await find(licensee, Use.adapt, US)).to.deep.equal([workId, 1n, 2n]);
      expect(await find(licensee, Use.reproduce, US)).to.deep.equal([workId, 1n, 2n]);
      expect(await find(buyer, Use.adapt, US)).to.deep.equal([workId, 1n, 1n]);
    });

    it("returns serial 0 when no grant permits the use", async () => {
      const { find, workId, other, buyer, t } = await crowded();
      expect(await find(other, Use.adapt, CN)).to.deep.equal([workId, 0n, 0n]);
      expect(await find(buyer, Use.reproduce, CN)).to.deep.equal([workId, 0n, 0n]);
      expect(await find(other, Use.reproduce, CN, t + 2n * BigInt(YEAR))).to.deep.equal([workId, 0n, 0n]);
    });

    it("skips an ended grant for the holder's next one", async () => {
      const { find, workId, licensee, ledger, artisan, licenseeChina, t } = await crowded();
      await ledger.connect(artisan).terminateLicence(refOf(licenseeChina), cid());
      expect(await find(licensee, Use.reproduce, CN, t + 10n)).to.deep.equal([workId, 0n, 3n]);
    });

    it("returns serial 0 for a work without offers", async () => {
      const f = await load();
      const workId = await registerWork(f.registry, f.coop);
      const ref = await f.ledger.findGrant(f.licensee.address, workId, Use.reproduce, CN, ALL, 0n);
      expect([ref.workId, ref.offerIndex, ref.serial]).to.deep.equal([workId, 0n, 0n]);
    });

    it("refuses a lowercase country code: InvalidCountry(code)", async () => {
      const { ledger, licensee, workId, t } = await crowded();
      await expect(ledger.findGrant(licensee.address, workId, Use.reproduce, "0x636e", ALL, t))
        .to.be.revertedWithCustomError(ledger, "InvalidCountry")
        .withArgs("0x636e");
    });
  });

  describe("licence token (ERC-1155)", () => {
    /** A transferable grant held by the licensee. */
    async function transferable() {
      const f = await load();
      const sale = await publish(f, { transferable: true });
      const grant = await bought(f, sale);
      return { ...f, sale, grant };
    }

    function send(f: Market, by: HardhatEthersSigner, from: string, to: string, id: bigint, value = 1n) {
      return f.ledger.connect(by).safeTransferFrom(from, to, id, value, "0x");
    }

    it("moves a transferable grant: TransferSingle and LicenceTransferred; balance and permits follow", async () => {
      const f = await transferable();
      const { grantId } = f.grant;
      const t = await nextBlockAt();
      const tx = send(f, f.licensee, f.licensee.address, f.other.address, grantId);
      await expectTransferSingle(tx, f, f.licensee.address, f.licensee.address, f.other.address, grantId);
      await expect(tx)
        .to.emit(f.ledger, "LicenceTransferred")
        .withArgs(grantId, f.licensee.address, f.other.address, t);
      expect(await f.ledger.balanceOf(f.licensee.address, grantId)).to.equal(0n);
      expect(await f.ledger.balanceOf(f.other.address, grantId)).to.equal(1n);
      expect((await f.ledger.grantOf(grantId)).holder).to.equal(f.other.address);
      const time = t + 1n;
      const permits = (account: HardhatEthersSigner) =>
        f.ledger.permits(refOf(f.grant), account.address, Use.reproduce, CN, ALL, time);
      expect(await permits(f.other)).to.equal(true);
      expect(await permits(f.licensee)).to.equal(false);
    });

    it("refuses to move a non-transferable grant: LicenceNotTransferable(grantId)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      await expect(send(f, f.licensee, f.licensee.address, f.other.address, grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "LicenceNotTransferable")
        .withArgs(grant.grantId);
      expect(await f.ledger.balanceOf(f.licensee.address, grant.grantId)).to.equal(1n);
    });

    it("refuses an operator without approval: ERC1155MissingApprovalForAll(operator, from)", async () => {
      const f = await transferable();
      await expect(send(f, f.other, f.licensee.address, f.other.address, f.grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "ERC1155MissingApprovalForAll")
        .withArgs(f.other.address, f.licensee.address);
      expect(await f.ledger.balanceOf(f.licensee.address, f.grant.grantId)).to.equal(1n);
    });

    it("lets an approved operator move the grant (ApprovalForAll)", async () => {
      const f = await transferable();
      await expect(f.ledger.connect(f.licensee).setApprovalForAll(f.other.address, true))
        .to.emit(f.ledger, "ApprovalForAll")
        .withArgs(f.licensee.address, f.other.address, true);
      expect(await f.ledger.isApprovedForAll(f.licensee.address, f.other.address)).to.equal(true);
      const tx = send(f, f.other, f.licensee.address, f.buyer.address, f.grant.grantId);
      await expectTransferSingle(tx, f, f.other.address, f.licensee.address, f.buyer.address, f.grant.grantId);
      expect(await f.ledger.balanceOf(f.buyer.address, f.grant.grantId)).to.equal(1n);
    });

    it("refuses an operator whose approval was revoked", async () => {
      const f = await transferable();
      await f.ledger.connect(f.licensee).setApprovalForAll(f.other.address, true);
      await expect(f.ledger.connect(f.licensee).setApprovalForAll(f.other.address, false))
        .to.emit(f.ledger, "ApprovalForAll")
        .withArgs(f.licensee.address, f.other.address, false);
      await expect(send(f, f.other, f.licensee.address, f.other.address, f.grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "ERC1155MissingApprovalForAll")
        .withArgs(f.other.address, f.licensee.address);
    });

    it("refuses to approve the zero address: ERC1155InvalidOperator(0)", async () => {
      const f = await load();
      await expect(f.ledger.connect(f.licensee).setApprovalForAll(zeroAddress, true))
        .to.be.revertedWithCustomError(f.ledger, "ERC1155InvalidOperator")
        .withArgs(zeroAddress);
    });

    it("refuses to send to the zero address: ERC1155InvalidReceiver(0)", async () => {
      const f = await transferable();
      await expect(send(f, f.licensee, f.licensee.address, zeroAddress, f.grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "ERC1155InvalidReceiver")
        .withArgs(zeroAddress);
    });

    it("refuses a sender that does not hold the grant: ERC1155InsufficientBalance(from, 0, 1, id)", async () => {
      const f = await transferable();
      await expect(send(f, f.other, f.other.address, f.buyer.address, f.grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "ERC1155InsufficientBalance")
        .withArgs(f.other.address, 0n, 1n, f.grant.grantId);
    });

    it("refuses a value of 2: ERC1155InsufficientBalance(from, 1, 2, id)", async () => {
      const f = await transferable();
      await expect(send(f, f.licensee, f.licensee.address, f.other.address, f.grant.grantId, 2n))
        .to.be.revertedWithCustomError(f.ledger, "ERC1155InsufficientBalance")
        .withArgs(f.licensee.address, 1n, 2n, f.grant.grantId);
    });

    it("moves nothing for a value of 0, as EIP-1155 allows, even of a token the sender does not hold", async () => {
      const f = await transferable();
      for (const from of [f.licensee, f.other]) {
        await expect(send(f, from, from.address, f.buyer.address, f.grant.grantId, 0n))
          .to.emit(f.ledger, "TransferSingle")
          .withArgs(from.address, from.address, f.buyer.address, f.grant.grantId, 0n)
          .and.not.to.emit(f.ledger, "LicenceTransferred");
      }
      expect(await f.ledger.balanceOf(f.licensee.address, f.grant.grantId)).to.equal(1n);
      expect(await f.ledger.balanceOf(f.buyer.address, f.grant.grantId)).to.equal(0n);
      expect((await f.ledger.grantOf(f.grant.grantId)).holder).to.equal(f.licensee.address);
    });

    it("refuses to move an ended grant: ERC1155InsufficientBalance(from, 0, 1, id)", async () => {
      const f = await transferable();
      await f.ledger.connect(f.licensee).surrenderLicence(f.grant.grantId);
      await expect(send(f, f.licensee, f.licensee.address, f.other.address, f.grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "ERC1155InsufficientBalance")
        .withArgs(f.licensee.address, 0n, 1n, f.grant.grantId);
      expect((await f.ledger.grantOf(f.grant.grantId)).holder).to.equal(f.licensee.address);
    });

    it("refuses a contract without onERC1155Received: ERC1155InvalidReceiver(contract)", async () => {
      const f = await transferable();
      await expect(send(f, f.licensee, f.licensee.address, f.tokenAddress, f.grant.grantId))
        .to.be.revertedWithCustomError(f.ledger, "ERC1155InvalidReceiver")
        .withArgs(f.tokenAddress);
      expect(await f.ledger.balanceOf(f.licensee.address, f.grant.grantId)).to.equal(1n);
    });

    describe("batches", () => {
      it("moves several grants at once: TransferBatch, one LicenceTransferred each", async () => {
        const f = await transferable();
        const second = await bought(f, f.sale);
        const ids = [f.grant.grantId, second.grantId];
        const t = await nextBlockAt();
        const tx = f.ledger
          .connect(f.licensee)
          .safeBatchTransferFrom(f.licensee.address, f.other.address, ids, [1n, 1n], "0x");
        await expect(tx)
          .to.emit(f.ledger, "TransferBatch")
          .withArgs(f.licensee.address, f.licensee.address, f.other.address, ids, [1n, 1n]);
        for (const id of ids) {
          await expect(tx).to.emit(f.ledger, "LicenceTransferred").withArgs(id, f.licensee.address, f.other.address, t);
        }
        expect(
          await f.ledger.balanceOfBatch([f.other.address, f.other.address, f.licensee.address], [...ids, ids[0] ?? 0n]),
        ).to.deep.equal([1n, 1n, 0n]);
      });

      it("moves nothing when one grant of the batch is not transferable", async () => {
        const f = await transferable();
        const locked = await bought(f, await publish(f));
        await expect(
          f.ledger
            .connect(f.licensee)
            .safeBatchTransferFrom(
              f.licensee.address,
              f.other.address,
              [f.grant.grantId, locked.grantId],
              [1n, 1n],
              "0x",
            ),
        )
          .to.be.revertedWithCustomError(f.ledger, "LicenceNotTransferable")
          .withArgs(locked.grantId);
        expect(await f.ledger.balanceOf(f.licensee.address, f.grant.grantId)).to.equal(1n);
      });

      it("refuses ids and values of different lengths: ERC1155InvalidArrayLength(ids, values)", async () => {
        const f = await transferable();
        await expect(
          f.ledger
            .connect(f.licensee)
            .safeBatchTransferFrom(f.licensee.address, f.other.address, [f.grant.grantId], [1n, 1n], "0x"),
        )
          .to.be.revertedWithCustomError(f.ledger, "ERC1155InvalidArrayLength")
          .withArgs(1n, 2n);
      });

      it("reads balances pairwise with balanceOfBatch", async () => {
        const f = await transferable();
        const id = f.grant.grantId;
        expect(await f.ledger.balanceOfBatch([f.licensee.address, f.other.address], [id, id])).to.deep.equal([1n, 0n]);
      });

      it("refuses accounts and ids of different lengths: ERC1155InvalidArrayLength(ids, accounts)", async () => {
        const f = await transferable();
        await expect(f.ledger.balanceOfBatch([f.licensee.address, f.other.address], [f.grant.grantId]))
          .to.be.revertedWithCustomError(f.ledger, "ERC1155InvalidArrayLength")
          .withArgs(1n, 2n);
      });
    });

    describe("metadata and interfaces", () => {
      it("returns the URI template for any id", async () => {
        const f = await transferable();
        expect(await f.ledger.uri(f.grant.grantId)).to.equal(defaultLicenceUri);
        expect(await f.ledger.uri(0n)).to.equal(defaultLicenceUri);
      });

      it("lets the admin change the template (UriChanged)", async () => {
        const f = await load();
        const uri = "ipfs://licences/{id}.json";
        const t = await nextBlockAt();
        await expect(f.ledger.connect(f.admin).setURI(uri)).to.emit(f.ledger, "UriChanged").withArgs(uri, t);
        expect(await f.ledger.uri(1n)).to.equal(uri);
      });

      it("refuses anyone else: AccessControlUnauthorizedAccount(caller, admin role)", async () => {
        const f = await load();
        await expect(f.ledger.connect(f.other).setURI("ipfs://x/{id}"))
          .to.be.revertedWithCustomError(f.ledger, "AccessControlUnauthorizedAccount")
          .withArgs(f.other.address, zeroHash);
        expect(await f.ledger.uri(1n)).to.equal(defaultLicenceUri);
      });

      it("supports IERC165, IERC1155, IERC1155MetadataURI, IDerivativeAuthority and ILicenceLedger", async () => {
        const f = await load();
        const interfaceId = async (name: string) => {
          let id = 0n;
          (await ethers.getContractAt(name, f.ledgerAddress)).interface.forEachFunction((fn) => {
            id ^= BigInt(fn.selector);
          });
          return `0x${id.toString(16).padStart(8, "0")}`;
        };
        const derivativeAuthorityId =
          BigInt(toFunctionSelector("derivativeGrantOf(address,uint256)")) ^
          BigInt(toFunctionSelector("authoriseDerivative(address,uint256,uint256)")) ^
          BigInt(toFunctionSelector("clearDerivative(uint256)"));
        expect(await interfaceId("IDerivativeAuthority")).to.equal(
          `0x${derivativeAuthorityId.toString(16).padStart(8, "0")}`,
        );
        const ids = [
          "0x01ffc9a7",
          "0xd9b67a26",
          "0x0e89341c",
          await interfaceId("IDerivativeAuthority"),
          await interfaceId("ILicenceLedger"),
        ];
        for (const id of ids) expect(await f.ledger.supportsInterface(id), id).to.equal(true);
      });

      it("supports no made-up interface (0xffffffff)", async () => {
        const f = await load();
        expect(await f.ledger.supportsInterface("0xffffffff")).to.equal(false);
      });
    });
  });

  describe("derivatives", () => {
    const ADAPT = usesOf(["reproduce", "adapt"]);

    /** The licensee registers a work deriving from the artisan's work; returns the call and the new id. */
    function deriveAs(f: Market, registrant: HardhatEthersSigner = f.licensee) {
      const r = derivativeOf(registrant, f.workId);
      return { tx: f.registry.connect(registrant).register(r), childId: workIdOf(r.contentHash) };
    }

    async function expectNotAuthorised(f: Market, registrant: HardhatEthersSigner = f.licensee): Promise<void> {
      expect(await f.ledger.derivativeGrantOf(registrant.address, f.workId)).to.equal(0n);
      await expect(deriveAs(f, registrant).tx)
        .to.be.revertedWithCustomError(f.registry, "ParentNotAuthorised")
        .withArgs(f.workId, registrant.address);
    }

    it("lets a licensee with an active adapt grant register a derivative: DerivativeAuthorised", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { uses: ADAPT }));
      expect(await f.ledger.derivativeGrantOf(f.licensee.address, f.workId)).to.equal(grant.grantId);
      const t = await nextBlockAt();
      const { tx, childId } = deriveAs(f);
      await expect(tx)
        .to.emit(f.registry, "DerivativeAuthorised")
        .withArgs(childId, f.workId, f.ledgerAddress, grant.grantId, t);
      expect((await f.registry.workOf(childId)).parents).to.deep.equal([f.workId]);
    });

    it("refuses a licensee whose grant lacks adapt: ParentNotAuthorised(parentId, registrant)", async () => {
      const f = await load();
      await bought(f, await publish(f));
      await expectNotAuthorised(f);
    });

    it("refuses once the adapt grant has expired", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { uses: ADAPT, duration: TERM }));
      await travelTo((await f.ledger.grantOf(grant.grantId)).end);
      await expectNotAuthorised(f);
    });

    it("refuses once the adapt grant has been terminated", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { uses: ADAPT }));
      await f.ledger.connect(f.artisan).terminateLicence(refOf(grant), cid());
      await expectNotAuthorised(f);
    });

    it("refuses before a scheduled adapt grant starts", async () => {
      const f = await load();
      await bought(f, await publish(f, { uses: ADAPT, start: (await nowSeconds()) + DAY }));
      await expectNotAuthorised(f);
    });

    it("refuses the former holder once the adapt grant has been transferred", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { uses: ADAPT, transferable: true }));
      await f.ledger.connect(f.licensee).safeTransferFrom(f.licensee.address, f.other.address, grant.grantId, 1n, "0x");
      await expectNotAuthorised(f);
    });

    it("lets the new holder of a transferred grant name it (DerivativeGrantSelected) and then derive", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { uses: ADAPT, transferable: true }));
      await f.ledger.connect(f.licensee).safeTransferFrom(f.licensee.address, f.other.address, grant.grantId, 1n, "0x");
      await expectNotAuthorised(f, f.other);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.other).useForDerivatives(refOf(grant)))
        .to.emit(f.ledger, "DerivativeGrantSelected")
        .withArgs(f.other.address, f.workId, grant.grantId, t);
      expect(await f.ledger.derivativeGrantOf(f.other.address, f.workId)).to.equal(grant.grantId);
      const registeredAt = await nextBlockAt();
      const { tx, childId } = deriveAs(f, f.other);
      await expect(tx)
        .to.emit(f.registry, "DerivativeAuthorised")
        .withArgs(childId, f.workId, f.ledgerAddress, grant.grantId, registeredAt);
    });

    it("names no grant when buying for another account: only the licensee's own acts name its grant", async () => {
      const f = await load();
      const sale = await publish(f, { uses: ADAPT });
      await purchase(f, sale, f.other, f.licensee.address);
      expect(await f.ledger.derivativeGrantOf(f.licensee.address, f.workId)).to.equal(0n);
      expect(await f.ledger.derivativeGrantOf(f.other.address, f.workId)).to.equal(0n);
      await f.ledger.connect(f.licensee).useForDerivatives(refOf(grantAt(sale, 1)));
      expect(await f.ledger.derivativeGrantOf(f.licensee.address, f.workId)).to.equal(grantAt(sale, 1).grantId);
    });

    it("a third party cannot move a licensee's named grant to one that does not permit adaptation yet (review finding 3)", async () => {
      const f = await load();
      const active = await bought(f, await publish(f, { uses: ADAPT }));
      expect(await f.ledger.derivativeGrantOf(f.licensee.address, f.workId)).to.equal(active.grantId);
      // A stranger buys, for the licensee, a free adapt licence that starts in a year.
      const later = await publish(f, { uses: ADAPT, start: (await nowSeconds()) + YEAR, duration: 0 });
      await purchase(f, later, f.other, f.licensee.address);
      // Nor does a sublicence issued to the licensee, even one that does not start for a year.
      const sublicensable = await publish(f, { uses: usesOf(["reproduce", "adapt", "sublicense"]), duration: 0 });
      await bought(f, sublicensable, f.other);
      await f.ledger
        .connect(f.other)
        .issueSublicence(
          refOf(grantAt(sublicensable, 1)),
          f.licensee.address,
          sublicenceTerms({ uses: ADAPT, start: (await nowSeconds()) + YEAR }),
        );
      expect(await f.ledger.derivativeGrantOf(f.licensee.address, f.workId)).to.equal(active.grantId);
      const registeredAt = await nextBlockAt();
      const { tx, childId } = deriveAs(f, f.licensee);
      await expect(tx)
        .to.emit(f.registry, "DerivativeAuthorised")
        .withArgs(childId, f.workId, f.ledgerAddress, active.grantId, registeredAt);
    });

    it("lets the holder name an older active grant over a newer scheduled one", async () => {
      const f = await load();
      const active = await bought(f, await publish(f, { uses: ADAPT }));
      await bought(f, await publish(f, { uses: ADAPT, start: (await nowSeconds()) + DAY }));
      expect(await f.ledger.derivativeGrantOf(f.licensee.address, f.workId)).to.equal(0n);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.licensee).useForDerivatives(refOf(active)))
        .to.emit(f.ledger, "DerivativeGrantSelected")
        .withArgs(f.licensee.address, f.workId, active.grantId, t);
      expect(await f.ledger.derivativeGrantOf(f.licensee.address, f.workId)).to.equal(active.grantId);
    });

    it("keeps the adapt grant named when the holder buys a licence without adapt", async () => {
      const f = await load();
      const adapt = await bought(f, await publish(f, { uses: ADAPT }));
      await bought(f, await publish(f));
      expect(await f.ledger.derivativeGrantOf(f.licensee.address, f.workId)).to.equal(adapt.grantId);
    });

    it("refuses to name a grant without adapt: NotAdaptable(grantId)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f));
      await expect(f.ledger.connect(f.licensee).useForDerivatives(refOf(grant)))
        .to.be.revertedWithCustomError(f.ledger, "NotAdaptable")
        .withArgs(grant.grantId);
    });

    it("refuses anyone but the holder: NotGrantHolder(grantId, caller)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { uses: ADAPT }));
      await expect(f.ledger.connect(f.other).useForDerivatives(refOf(grant)))
        .to.be.revertedWithCustomError(f.ledger, "NotGrantHolder")
        .withArgs(grant.grantId, f.other.address);
      expect(await f.ledger.derivativeGrantOf(f.other.address, f.workId)).to.equal(0n);
    });

    it("refuses an ended grant: GrantEnded(grantId, Surrendered)", async () => {
      const f = await load();
      const grant = await bought(f, await publish(f, { uses: ADAPT }));
      await f.ledger.connect(f.licensee).surrenderLicence(grant.grantId);
      await expect(f.ledger.connect(f.licensee).useForDerivatives(refOf(grant)))
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(grant.grantId, GrantStatus.Surrendered);
    });
  });
});
