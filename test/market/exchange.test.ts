// The exchange: listings, purchases, bids, the division of a sale, encumbrances and currencies.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { zeroAddress } from "viem";
import { LicenceKind, usesOf } from "../../core/licence.ts";
import type { Reenterer, TestToken } from "../../types/ethers-contracts/index.ts";
import {
  buyLicence,
  cid,
  createOffer,
  DAY,
  deployMarket,
  ethers,
  FEE_BPS,
  increaseTime,
  licenceTerms,
  type MarketFixture,
  networkHelpers,
  nextBlockAt,
  nowSeconds,
  registerWork,
  sublicenceTerms,
} from "./fixture.ts";

/** The registry's default royalty rate (test/registry/fixture.ts `newWork`): 5%. */
const ROYALTY_BPS = 500n;
/** A price that does not divide evenly, so rounding of the royalty and the fee is checked too. */
const PRICE = 10n ** 18n + 12_345n;
const UINT128_MAX = 2n ** 128n - 1n;
const NATIVE = zeroAddress;

type ExchangeFixture = MarketFixture & {
  /** Created by `artisan`, held by `custodian`, royalties to `coop`: a secondary sale. */
  workId: bigint;
  /** Created and held by `artisan`, royalties to the creator: a primary sale. */
  primaryId: bigint;
};

/**
 * The market fixture with two works whose holders approved the exchange for all their works: a secondary-market work
 * (seller, royalty receiver and treasury all distinct) and a creator's own work.
 */
async function deployExchange(): Promise<ExchangeFixture> {
  const f = await deployMarket();
  const workId = await registerWork(f.registry, f.artisan, f.custodian, f.coop.address);
  const primaryId = await registerWork(f.registry, f.artisan);
  await f.registry.connect(f.custodian).setApprovalForAll(f.exchangeAddress, true);
  await f.registry.connect(f.artisan).setApprovalForAll(f.exchangeAddress, true);
  return { ...f, workId, primaryId };
}

async function load(): Promise<ExchangeFixture> {
  return networkHelpers.loadFixture(deployExchange);
}

/** The division of a sale price: ERC-2981 royalty (5%), platform fee (2.5%), and the seller's rest. */
function split(price: bigint): { royalty: bigint; fee: bigint; proceeds: bigint } {
  const royalty = (price * ROYALTY_BPS) / 10_000n;
  const fee = (price * FEE_BPS) / 10_000n;
  return { royalty, fee, proceeds: price - royalty - fee };
}

/** The native coin to send with a payment in `currency`. */
function valueFor(currency: string, amount: bigint): { value: bigint } {
  return { value: currency === NATIVE ? amount : 0n };
}

/** Lists `workId` by its holder `seller`. */
function list(
  f: ExchangeFixture,
  seller: HardhatEthersSigner,
  workId: bigint,
  price: bigint = PRICE,
  currency: string = NATIVE,
  expiry = 0n,
) {
  return f.exchange.connect(seller).listWork(workId, currency, price, expiry);
}

/** The work's encumbrance count now, as a buyer passes it. */
async function encumbrancesOf(f: MarketFixture, workId: bigint): Promise<bigint> {
  return (await f.registry.titleOf(workId)).encumbrances;
}

/** Buys `workId` paying exactly `price` in `currency`, expecting the work's encumbrances as they are now. */
async function buy(
  f: ExchangeFixture,
  buyer: HardhatEthersSigner,
  workId: bigint,
  price: bigint = PRICE,
  currency: string = NATIVE,
) {
  const encumbrances = await encumbrancesOf(f, workId);
  return f.exchange.connect(buyer).buyWork(workId, currency, price, encumbrances, valueFor(currency, price));
}

/** Places a bid on `workId`, escrowing exactly `amount` in `currency`. */
function bid(
  f: ExchangeFixture,
  bidder: HardhatEthersSigner,
  workId: bigint,
  amount: bigint = PRICE,
  currency: string = NATIVE,
  expiry = 0n,
) {
  return f.exchange.connect(bidder).placeBid(workId, currency, amount, expiry, valueFor(currency, amount));
}

async function expectListing(
  f: ExchangeFixture,
  workId: bigint,
  expected: [currency: string, price: bigint, moves: bigint, pledges: bigint, expiry: bigint],
): Promise<void> {
  const l = await f.exchange.listingOf(workId);
  expect([l.currency, l.price, l.moves, l.pledges, l.expiry]).to.deep.equal(expected);
}

async function expectNoListing(f: ExchangeFixture, workId: bigint): Promise<void> {
  await expectListing(f, workId, [NATIVE, 0n, 0n, 0n, 0n]);
}

async function expectBid(
  f: ExchangeFixture,
  workId: bigint,
  bidder: string,
  expected: [currency: string, amount: bigint, expiry: bigint, encumbrances?: bigint],
): Promise<void> {
  const b = await f.exchange.bidOf(workId, bidder);
  expect([b.currency, b.amount, b.expiry, b.encumbrances]).to.deep.equal([...expected.slice(0, 3), expected[3] ?? 0n]);
}

async function expectNoBid(f: ExchangeFixture, workId: bigint, bidder: string): Promise<void> {
  await expectBid(f, workId, bidder, [NATIVE, 0n, 0n]);
}

/** What each account is owed in `currency`, in order. */
async function owedOf(f: ExchangeFixture, accounts: HardhatEthersSigner[], currency: string = NATIVE) {
  return Promise.all(accounts.map((a) => f.exchange.owed(a.address, currency)));
}

async function nativeBalanceOf(address: string): Promise<bigint> {
  return ethers.provider.getBalance(address);
}

/** A token the exchange never allowed. */
async function strangeToken(f: ExchangeFixture): Promise<TestToken> {
  return (await ethers.deployContract("TestToken", ["Other", "OTH", 18], f.admin)) as unknown as TestToken;
}

async function pledgeTo(f: ExchangeFixture, holder: HardhatEthersSigner, workId: bigint, pledgee: HardhatEthersSigner) {
  const maturity = BigInt(await nowSeconds()) + 30n * BigInt(DAY);
  await f.registry.connect(holder).pledge(workId, pledgee.address, maturity, "0x");
}

async function flagDispute(f: ExchangeFixture, workId: bigint): Promise<void> {
  await f.registry.connect(f.arbiter).flagDispute(workId, "0x");
}

/** A work id no one registered. */
const UNKNOWN_WORK = 0xdeadbeefn;

describe("Exchange", () => {
  describe("listWork", () => {
    it("lists a work for the native coin: WorkListed with all its fields", async () => {
      const f = await load();
      const t = await nextBlockAt();
      await expect(list(f, f.custodian, f.workId))
        .to.emit(f.exchange, "WorkListed")
        .withArgs(f.workId, f.custodian.address, NATIVE, PRICE, 0n, 0n, 0n, t);
      await expectListing(f, f.workId, [NATIVE, PRICE, 0n, 0n, 0n]);
    });

    it("lists a work for an allowed ERC-20 with an expiry", async () => {
      const f = await load();
      const t = await nextBlockAt();
      const expiry = t + BigInt(DAY);
      await expect(list(f, f.custodian, f.workId, 777n, f.tokenAddress, expiry))
        .to.emit(f.exchange, "WorkListed")
        .withArgs(f.workId, f.custodian.address, f.tokenAddress, 777n, expiry, 0n, 0n, t);
      await expectListing(f, f.workId, [f.tokenAddress, 777n, 0n, 0n, expiry]);
    });

    it("records how many times the work has changed holder", async () => {
      const f = await load();
      await f.registry.connect(f.artisan).transferFrom(f.artisan.address, f.buyer.address, f.primaryId);
      await f.registry.connect(f.buyer).transferFrom(f.buyer.address, f.custodian.address, f.primaryId);
      const t = await nextBlockAt();
      await expect(list(f, f.custodian, f.primaryId))
        .to.emit(f.exchange, "WorkListed")
        .withArgs(f.primaryId, f.custodian.address, NATIVE, PRICE, 0n, 2n, 0n, t);
      await expectListing(f, f.primaryId, [NATIVE, PRICE, 2n, 0n, 0n]);
    });

    it("accepts the largest price that fits 128 bits", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId, UINT128_MAX);
      await expectListing(f, f.workId, [NATIVE, UINT128_MAX, 0n, 0n, 0n]);
    });

    it("replaces an earlier listing of the same work when relisted", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      const t = await nextBlockAt();
      const expiry = t + 3n * BigInt(DAY);
      await expect(list(f, f.custodian, f.workId, 5_000n, f.tokenAddress, expiry))
        .to.emit(f.exchange, "WorkListed")
        .withArgs(f.workId, f.custodian.address, f.tokenAddress, 5_000n, expiry, 0n, 0n, t);
      await expectListing(f, f.workId, [f.tokenAddress, 5_000n, 0n, 0n, expiry]);
    });

    it("accepts a holder who approved the exchange for this work only (approve)", async () => {
      const f = await load();
      const workId = await registerWork(f.registry, f.artisan, f.lender);
      await f.registry.connect(f.lender).approve(f.exchangeAddress, workId);
      const t = await nextBlockAt();
      await expect(list(f, f.lender, workId))
        .to.emit(f.exchange, "WorkListed")
        .withArgs(workId, f.lender.address, NATIVE, PRICE, 0n, 0n, 0n, t);
      await expectListing(f, workId, [NATIVE, PRICE, 0n, 0n, 0n]);
    });

    it("refuses a caller who does not hold the work: NotWorkOwner(workId, caller)", async () => {
      const f = await load();
      await expect(list(f, f.other, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "NotWorkOwner")
        .withArgs(f.workId, f.other.address);
      await expectNoListing(f, f.workId);
    });

    it("refuses a work that is not registered: UnknownWork(workId)", async () => {
      const f = await load();
      await expect(list(f, f.custodian, UNKNOWN_WORK))
        .to.be.revertedWithCustomError(f.exchange, "UnknownWork")
        .withArgs(UNKNOWN_WORK);
    });

    it("refuses a pledged work: WorkPledged(workId, pledgee)", async () => {
      const f = await load();
      await pledgeTo(f, f.custodian, f.workId, f.lender);
      await expect(list(f, f.custodian, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "WorkPledged")
        .withArgs(f.workId, f.lender.address);
      await expectNoListing(f, f.workId);
    });

    it("refuses a disputed work: WorkDisputed(workId)", async () => {
      const f = await load();
      await flagDispute(f, f.workId);
      await expect(list(f, f.custodian, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "WorkDisputed")
        .withArgs(f.workId);
      await expectNoListing(f, f.workId);
    });

    it("refuses a zero price and a price above 2^128 - 1: InvalidPrice(price)", async () => {
      const f = await load();
      for (const price of [0n, 2n ** 128n]) {
        await expect(list(f, f.custodian, f.workId, price))
          .to.be.revertedWithCustomError(f.exchange, "InvalidPrice")
          .withArgs(price);
      }
      await expectNoListing(f, f.workId);
    });

    it("refuses an expiry in the past or equal to the block time: InvalidExpiry(expiry, timestamp)", async () => {
      const f = await load();
      for (const ago of [1n, 0n]) {
        const t = await nextBlockAt();
        await expect(list(f, f.custodian, f.workId, PRICE, NATIVE, t - ago))
          .to.be.revertedWithCustomError(f.exchange, "InvalidExpiry")
          .withArgs(t - ago, t);
      }
      await expectNoListing(f, f.workId);
    });

    it("refuses a currency that is not allowed: CurrencyNotAllowed(currency)", async () => {
      const f = await load();
      const tokenAddress = await (await strangeToken(f)).getAddress();
      await expect(list(f, f.custodian, f.workId, PRICE, tokenAddress))
        .to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed")
        .withArgs(tokenAddress);
      await expectNoListing(f, f.workId);
    });

    it("refuses a holder who has not approved the exchange: ExchangeNotApproved(workId, owner)", async () => {
      const f = await load();
      const workId = await registerWork(f.registry, f.artisan, f.lender);
      await expect(list(f, f.lender, workId))
        .to.be.revertedWithCustomError(f.exchange, "ExchangeNotApproved")
        .withArgs(workId, f.lender.address);
      await expectNoListing(f, workId);
    });
  });

  describe("cancelListing", () => {
    it("lets the holder cancel: ListingCancelled, the listing is gone and cannot be bought", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      const t = await nextBlockAt();
      await expect(f.exchange.connect(f.custodian).cancelListing(f.workId))
        .to.emit(f.exchange, "ListingCancelled")
        .withArgs(f.workId, f.custodian.address, t);
      await expectNoListing(f, f.workId);
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "NotListed")
        .withArgs(f.workId);
    });

    it("refuses a stranger while the listing is valid: NotWorkOwner(workId, caller)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await expect(f.exchange.connect(f.other).cancelListing(f.workId))
        .to.be.revertedWithCustomError(f.exchange, "NotWorkOwner")
        .withArgs(f.workId, f.other.address);
      await expectListing(f, f.workId, [NATIVE, PRICE, 0n, 0n, 0n]);
    });

    it("lets anyone remove a listing made void by the work changing holder", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await f.registry.connect(f.custodian).transferFrom(f.custodian.address, f.lender.address, f.workId);
      const t = await nextBlockAt();
      await expect(f.exchange.connect(f.other).cancelListing(f.workId))
        .to.emit(f.exchange, "ListingCancelled")
        .withArgs(f.workId, f.other.address, t);
      await expectNoListing(f, f.workId);
    });

    it("lets anyone remove a listing made void by a pledge", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await pledgeTo(f, f.custodian, f.workId, f.lender);
      const t = await nextBlockAt();
      await expect(f.exchange.connect(f.other).cancelListing(f.workId))
        .to.emit(f.exchange, "ListingCancelled")
        .withArgs(f.workId, f.other.address, t);
      await expectNoListing(f, f.workId);
    });

    it("refuses when there is no listing: NotListed(workId)", async () => {
      const f = await load();
      await expect(f.exchange.connect(f.custodian).cancelListing(f.workId))
        .to.be.revertedWithCustomError(f.exchange, "NotListed")
        .withArgs(f.workId);
    });
  });

  describe("buyWork", () => {
    it("moves the work to the buyer and emits WorkSold with the royalty and fee of the sale", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      const { royalty, fee } = split(PRICE);
      const t = await nextBlockAt();
      await expect(buy(f, f.buyer, f.workId))
        .to.emit(f.exchange, "WorkSold")
        .withArgs(
          f.workId,
          f.custodian.address,
          f.buyer.address,
          false,
          NATIVE,
          PRICE,
          f.coop.address,
          royalty,
          fee,
          0n,
          t,
        );
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.buyer.address);
      await expectNoListing(f, f.workId);
    });

    it("takes exactly the price from the buyer and credits royalty, fee and proceeds", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      const tx = buy(f, f.buyer, f.workId);
      await expect(tx).to.changeEtherBalances(ethers, [f.buyer, f.exchange], [-PRICE, PRICE]);
      const { royalty, fee, proceeds } = split(PRICE);
      // 5% of 1e18 + 12345 rounds down to 5e16 + 617, 2.5% to 2.5e16 + 308.
      expect([royalty, fee]).to.deep.equal([5n * 10n ** 16n + 617n, 25n * 10n ** 15n + 308n]);
      expect(await owedOf(f, [f.coop, f.treasury, f.custodian, f.buyer])).to.deep.equal([royalty, fee, proceeds, 0n]);
      expect(royalty + fee + proceeds).to.equal(PRICE);
    });

    it("credits a creator selling their own work the price less the fee, in one credit", async () => {
      const f = await load();
      await list(f, f.artisan, f.primaryId);
      const { royalty, fee } = split(PRICE);
      const t = await nextBlockAt();
      await expect(buy(f, f.buyer, f.primaryId))
        .to.emit(f.exchange, "WorkSold")
        .withArgs(
          f.primaryId,
          f.artisan.address,
          f.buyer.address,
          false,
          NATIVE,
          PRICE,
          f.artisan.address,
          royalty,
          fee,
          0n,
          t,
        );
      expect(await owedOf(f, [f.artisan, f.treasury])).to.deep.equal([PRICE - fee, fee]);
      expect(await f.registry.ownerOf(f.primaryId)).to.equal(f.buyer.address);
    });

    it("pulls exactly the price of an ERC-20 listing from the buyer and credits in that token", async () => {
      const f = await load();
      const price = 40_000n;
      await list(f, f.custodian, f.workId, price, f.tokenAddress);
      const tx = buy(f, f.buyer, f.workId, price, f.tokenAddress);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.buyer, f.exchange], [-price, price]);
      await expect(tx).to.changeEtherBalance(ethers, f.exchange, 0n);
      const { royalty, fee, proceeds } = split(price);
      expect(await owedOf(f, [f.coop, f.treasury, f.custodian], f.tokenAddress)).to.deep.equal([
        royalty,
        fee,
        proceeds,
      ]);
      expect(await owedOf(f, [f.coop, f.treasury, f.custodian])).to.deep.equal([0n, 0n, 0n]);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.buyer.address);
    });

    it("refuses sending the native coin with an ERC-20 listing: UnexpectedNativePayment(sent)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId, 40_000n, f.tokenAddress);
      await expect(f.exchange.connect(f.buyer).buyWork(f.workId, f.tokenAddress, 40_000n, 0n, { value: 1n }))
        .to.be.revertedWithCustomError(f.exchange, "UnexpectedNativePayment")
        .withArgs(1n);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
    });

    it("pays seller, royalty receiver and treasury exactly what they are owed on withdrawal", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await buy(f, f.buyer, f.workId);
      const { royalty, fee, proceeds } = split(PRICE);
      for (const [account, amount] of [
        [f.custodian, proceeds],
        [f.coop, royalty],
        [f.treasury, fee],
      ] as const) {
        const t = await nextBlockAt();
        const tx = f.exchange.connect(account).withdraw(NATIVE);
        await expect(tx).to.emit(f.exchange, "Withdrawn").withArgs(account.address, NATIVE, amount, account.address, t);
        await expect(tx).to.changeEtherBalances(ethers, [account, f.exchange], [amount, -amount]);
      }
      expect(await owedOf(f, [f.custodian, f.coop, f.treasury])).to.deep.equal([0n, 0n, 0n]);
      expect(await nativeBalanceOf(f.exchangeAddress)).to.equal(0n);
    });

    it("pays ERC-20 proceeds exactly on withdrawal", async () => {
      const f = await load();
      const price = 40_000n;
      await list(f, f.custodian, f.workId, price, f.tokenAddress);
      await buy(f, f.buyer, f.workId, price, f.tokenAddress);
      const { royalty, fee, proceeds } = split(price);
      for (const [account, amount] of [
        [f.custodian, proceeds],
        [f.coop, royalty],
        [f.treasury, fee],
      ] as const) {
        const tx = f.exchange.connect(account).withdraw(f.tokenAddress);
        await expect(tx).to.changeTokenBalances(ethers, f.token, [account, f.exchange], [amount, -amount]);
      }
      expect(await f.token.balanceOf(f.exchangeAddress)).to.equal(0n);
    });

    it("refuses a work that is not listed: NotListed(workId)", async () => {
      const f = await load();
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "NotListed")
        .withArgs(f.workId);
    });

    it("refuses a listing made void by the work changing holder: ListingVoid(workId)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await f.registry.connect(f.custodian).transferFrom(f.custodian.address, f.lender.address, f.workId);
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "ListingVoid")
        .withArgs(f.workId);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.lender.address);
    });

    it("keeps the listing void after the work comes back to the same seller", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await f.registry.connect(f.custodian).transferFrom(f.custodian.address, f.lender.address, f.workId);
      await f.registry.connect(f.lender).transferFrom(f.lender.address, f.custodian.address, f.workId);
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "ListingVoid")
        .withArgs(f.workId);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
    });

    it("refuses a listing of a work pledged since: ListingVoid(workId)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await pledgeTo(f, f.custodian, f.workId, f.lender);
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "ListingVoid")
        .withArgs(f.workId);
    });

    // IExchange: "the moment the work changes holder, or is pledged, the listing is void and cannot be filled, even if
    // the work comes back"; ListingVoid: "The work moved or was pledged since it was listed."
    it("records how many times the work has been pledged, so a later listing survives an earlier pledge", async () => {
      const f = await load();
      await pledgeTo(f, f.custodian, f.workId, f.lender);
      await f.registry.connect(f.lender).releasePledge(f.workId);
      const t = await nextBlockAt();
      await expect(list(f, f.custodian, f.workId))
        .to.emit(f.exchange, "WorkListed")
        .withArgs(f.workId, f.custodian.address, NATIVE, PRICE, 0n, 0n, 1n, t);
      await expectListing(f, f.workId, [NATIVE, PRICE, 0n, 1n, 0n]);
      await buy(f, f.buyer, f.workId);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.buyer.address);
    });

    it("keeps the listing void after a pledge made since listing is released", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await pledgeTo(f, f.custodian, f.workId, f.lender);
      await f.registry.connect(f.lender).releasePledge(f.workId);
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "ListingVoid")
        .withArgs(f.workId);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
    });

    it("refuses a disputed work: WorkDisputed(workId)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await flagDispute(f, f.workId);
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "WorkDisputed")
        .withArgs(f.workId);
      await expectListing(f, f.workId, [NATIVE, PRICE, 0n, 0n, 0n]);
    });

    it("fills a listing one second before its expiry", async () => {
      const f = await load();
      const expiry = BigInt(await nowSeconds()) + BigInt(DAY);
      await list(f, f.custodian, f.workId, PRICE, NATIVE, expiry);
      await networkHelpers.time.setNextBlockTimestamp(expiry - 1n);
      await buy(f, f.buyer, f.workId);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.buyer.address);
    });

    it("refuses a listing at or after its expiry: ListingExpired(workId, expiry)", async () => {
      const f = await load();
      const expiry = BigInt(await nowSeconds()) + BigInt(DAY);
      await list(f, f.custodian, f.workId, PRICE, NATIVE, expiry);
      await networkHelpers.time.setNextBlockTimestamp(expiry);
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "ListingExpired")
        .withArgs(f.workId, expiry);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
    });

    it("refuses a currency other than the listed one: CurrencyMismatch(listed, given)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await expect(buy(f, f.buyer, f.workId, PRICE, f.tokenAddress))
        .to.be.revertedWithCustomError(f.exchange, "CurrencyMismatch")
        .withArgs(NATIVE, f.tokenAddress);
    });

    it("refuses a price other than the listed one: PriceMismatch(price, expected)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await expect(buy(f, f.buyer, f.workId, PRICE - 1n))
        .to.be.revertedWithCustomError(f.exchange, "PriceMismatch")
        .withArgs(PRICE, PRICE - 1n);
    });

    it("refuses a buyer passing the old price after the seller relisted higher (front-running)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await list(f, f.custodian, f.workId, PRICE * 2n);
      await expect(f.exchange.connect(f.buyer).buyWork(f.workId, NATIVE, PRICE, 0n, { value: PRICE * 2n }))
        .to.be.revertedWithCustomError(f.exchange, "PriceMismatch")
        .withArgs(PRICE * 2n, PRICE);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
    });

    it("refuses the seller buying their own listing: SelfPurchase(workId, account)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await expect(buy(f, f.custodian, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "SelfPurchase")
        .withArgs(f.workId, f.custodian.address);
    });

    it("refuses a native payment short of or above the price: WrongPayment(expected, sent)", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      for (const sent of [PRICE - 1n, PRICE + 1n]) {
        await expect(f.exchange.connect(f.buyer).buyWork(f.workId, NATIVE, PRICE, 0n, { value: sent }))
          .to.be.revertedWithCustomError(f.exchange, "WrongPayment")
          .withArgs(PRICE, sent);
      }
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
      await expectListing(f, f.workId, [NATIVE, PRICE, 0n, 0n, 0n]);
    });

    it("fails as a whole when the holder revoked the exchange's approval, crediting nothing", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId);
      await f.registry.connect(f.custodian).setApprovalForAll(f.exchangeAddress, false);
      await expect(buy(f, f.buyer, f.workId))
        .to.be.revertedWithCustomError(f.registry, "ERC721InsufficientApproval")
        .withArgs(f.exchangeAddress, f.workId);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
      expect(await owedOf(f, [f.coop, f.treasury, f.custodian])).to.deep.equal([0n, 0n, 0n]);
      expect(await nativeBalanceOf(f.exchangeAddress)).to.equal(0n);
      await expectListing(f, f.workId, [NATIVE, PRICE, 0n, 0n, 0n]);
    });
  });

  describe("placeBid", () => {
    it("escrows a native bid: BidPlaced with currency, amount, expiry and block time", async () => {
      const f = await load();
      const t = await nextBlockAt();
      const expiry = t + BigInt(DAY);
      const tx = bid(f, f.buyer, f.workId, PRICE, NATIVE, expiry);
      await expect(tx)
        .to.emit(f.exchange, "BidPlaced")
        .withArgs(f.workId, f.buyer.address, NATIVE, PRICE, expiry, 0n, t);
      await expect(tx).to.changeEtherBalances(ethers, [f.buyer, f.exchange], [-PRICE, PRICE]);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, expiry]);
    });

    it("escrows an ERC-20 bid by pulling exactly the amount", async () => {
      const f = await load();
      const t = await nextBlockAt();
      const tx = bid(f, f.buyer, f.workId, 9_000n, f.tokenAddress);
      await expect(tx)
        .to.emit(f.exchange, "BidPlaced")
        .withArgs(f.workId, f.buyer.address, f.tokenAddress, 9_000n, 0n, 0n, t);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.buyer, f.exchange], [-9_000n, 9_000n]);
      await expectBid(f, f.workId, f.buyer.address, [f.tokenAddress, 9_000n, 0n]);
    });

    it("keeps bids of different bidders apart", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await bid(f, f.other, f.workId, 9_000n, f.tokenAddress);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
      await expectBid(f, f.workId, f.other.address, [f.tokenAddress, 9_000n, 0n]);
    });

    it("refuses a second bid by the same bidder: BidExists(workId, bidder)", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await expect(bid(f, f.buyer, f.workId, 2n * PRICE))
        .to.be.revertedWithCustomError(f.exchange, "BidExists")
        .withArgs(f.workId, f.buyer.address);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
      expect(await nativeBalanceOf(f.exchangeAddress)).to.equal(PRICE);
    });

    it("refuses a zero amount and one above 2^128 - 1: InvalidPrice(amount)", async () => {
      const f = await load();
      for (const amount of [0n, 2n ** 128n]) {
        await expect(bid(f, f.buyer, f.workId, amount, f.tokenAddress))
          .to.be.revertedWithCustomError(f.exchange, "InvalidPrice")
          .withArgs(amount);
      }
      await expectNoBid(f, f.workId, f.buyer.address);
    });

    it("refuses an expiry that is not in the future: InvalidExpiry(expiry, timestamp)", async () => {
      const f = await load();
      const t = await nextBlockAt();
      await expect(bid(f, f.buyer, f.workId, PRICE, NATIVE, t))
        .to.be.revertedWithCustomError(f.exchange, "InvalidExpiry")
        .withArgs(t, t);
      await expectNoBid(f, f.workId, f.buyer.address);
    });

    it("refuses the holder bidding on their own work: SelfPurchase(workId, account)", async () => {
      const f = await load();
      await expect(bid(f, f.custodian, f.workId))
        .to.be.revertedWithCustomError(f.exchange, "SelfPurchase")
        .withArgs(f.workId, f.custodian.address);
      await expectNoBid(f, f.workId, f.custodian.address);
    });

    it("refuses a work that is not registered: UnknownWork(workId)", async () => {
      const f = await load();
      await expect(bid(f, f.buyer, UNKNOWN_WORK))
        .to.be.revertedWithCustomError(f.exchange, "UnknownWork")
        .withArgs(UNKNOWN_WORK);
    });

    it("refuses a currency that is not allowed: CurrencyNotAllowed(currency)", async () => {
      const f = await load();
      const tokenAddress = await (await strangeToken(f)).getAddress();
      await expect(bid(f, f.buyer, f.workId, 9_000n, tokenAddress))
        .to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed")
        .withArgs(tokenAddress);
      await expectNoBid(f, f.workId, f.buyer.address);
    });

    it("refuses a native escrow other than the amount: WrongPayment(expected, sent)", async () => {
      const f = await load();
      await expect(f.exchange.connect(f.buyer).placeBid(f.workId, NATIVE, PRICE, 0n, { value: PRICE - 1n }))
        .to.be.revertedWithCustomError(f.exchange, "WrongPayment")
        .withArgs(PRICE, PRICE - 1n);
      await expectNoBid(f, f.workId, f.buyer.address);
    });

    it("refuses the native coin sent with an ERC-20 bid: UnexpectedNativePayment(sent)", async () => {
      const f = await load();
      await expect(f.exchange.connect(f.buyer).placeBid(f.workId, f.tokenAddress, 9_000n, 0n, { value: 9_000n }))
        .to.be.revertedWithCustomError(f.exchange, "UnexpectedNativePayment")
        .withArgs(9_000n);
      await expectNoBid(f, f.workId, f.buyer.address);
    });
  });

  describe("withdrawBid", () => {
    it("refunds a native bid exactly: BidWithdrawn, and the bid is gone", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      const t = await nextBlockAt();
      const tx = f.exchange.connect(f.buyer).withdrawBid(f.workId);
      await expect(tx).to.emit(f.exchange, "BidWithdrawn").withArgs(f.workId, f.buyer.address, NATIVE, PRICE, t);
      await expect(tx).to.changeEtherBalances(ethers, [f.buyer, f.exchange], [PRICE, -PRICE]);
      await expectNoBid(f, f.workId, f.buyer.address);
    });

    it("refunds an ERC-20 bid exactly", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId, 9_000n, f.tokenAddress);
      const t = await nextBlockAt();
      const tx = f.exchange.connect(f.buyer).withdrawBid(f.workId);
      await expect(tx)
        .to.emit(f.exchange, "BidWithdrawn")
        .withArgs(f.workId, f.buyer.address, f.tokenAddress, 9_000n, t);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.buyer, f.exchange], [9_000n, -9_000n]);
      await expectNoBid(f, f.workId, f.buyer.address);
    });

    it("refuses a caller without a bid: NoBid(workId, bidder)", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await expect(f.exchange.connect(f.other).withdrawBid(f.workId))
        .to.be.revertedWithCustomError(f.exchange, "NoBid")
        .withArgs(f.workId, f.other.address);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
    });

    it("refunds a bid after its expiry", async () => {
      const f = await load();
      const expiry = BigInt(await nowSeconds()) + BigInt(DAY);
      await bid(f, f.buyer, f.workId, PRICE, NATIVE, expiry);
      await increaseTime(2 * DAY);
      await expect(f.exchange.connect(f.buyer).withdrawBid(f.workId)).to.changeEtherBalances(
        ethers,
        [f.buyer, f.exchange],
        [PRICE, -PRICE],
      );
      await expectNoBid(f, f.workId, f.buyer.address);
    });
  });

  describe("acceptBid", () => {
    it("sells to the bidder: WorkSold with bid = true, the escrow becomes the credits", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      const { royalty, fee, proceeds } = split(PRICE);
      const t = await nextBlockAt();
      const tx = f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE);
      await expect(tx)
        .to.emit(f.exchange, "WorkSold")
        .withArgs(
          f.workId,
          f.custodian.address,
          f.buyer.address,
          true,
          NATIVE,
          PRICE,
          f.coop.address,
          royalty,
          fee,
          0n,
          t,
        );
      await expect(tx).to.changeEtherBalances(ethers, [f.custodian, f.buyer, f.exchange], [0n, 0n, 0n]);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.buyer.address);
      expect(await owedOf(f, [f.coop, f.treasury, f.custodian, f.buyer])).to.deep.equal([royalty, fee, proceeds, 0n]);
      await expectNoBid(f, f.workId, f.buyer.address);
    });

    it("credits an ERC-20 bid in its token, and a creator's own sale as one credit", async () => {
      const f = await load();
      const amount = 40_000n;
      await bid(f, f.buyer, f.primaryId, amount, f.tokenAddress);
      const { fee } = split(amount);
      await expect(
        f.exchange.connect(f.artisan).acceptBid(f.primaryId, f.buyer.address, f.tokenAddress, amount),
      ).to.changeTokenBalances(ethers, f.token, [f.artisan, f.buyer, f.exchange], [0n, 0n, 0n]);
      expect(await owedOf(f, [f.artisan, f.treasury], f.tokenAddress)).to.deep.equal([amount - fee, fee]);
      expect(await f.registry.ownerOf(f.primaryId)).to.equal(f.buyer.address);
      await expectNoBid(f, f.primaryId, f.buyer.address);
    });

    it("deletes an existing listing of the work", async () => {
      const f = await load();
      await list(f, f.custodian, f.workId, 3n * PRICE);
      await bid(f, f.buyer, f.workId);
      await f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE);
      await expectNoListing(f, f.workId);
      await expect(buy(f, f.other, f.workId, 3n * PRICE))
        .to.be.revertedWithCustomError(f.exchange, "NotListed")
        .withArgs(f.workId);
    });

    it("leaves other bidders' escrow withdrawable after the sale", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await bid(f, f.other, f.workId, PRICE / 2n);
      await bid(f, f.lender, f.workId, 9_000n, f.tokenAddress);
      await f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE);
      await expectBid(f, f.workId, f.other.address, [NATIVE, PRICE / 2n, 0n]);
      await expect(f.exchange.connect(f.other).withdrawBid(f.workId)).to.changeEtherBalances(
        ethers,
        [f.other, f.exchange],
        [PRICE / 2n, -(PRICE / 2n)],
      );
      await expect(f.exchange.connect(f.lender).withdrawBid(f.workId)).to.changeTokenBalances(
        ethers,
        f.token,
        [f.lender, f.exchange],
        [9_000n, -9_000n],
      );
    });

    it("leaves bidders' escrow withdrawable after a sale by listing", async () => {
      const f = await load();
      await bid(f, f.other, f.workId, PRICE / 2n);
      await list(f, f.custodian, f.workId);
      await buy(f, f.buyer, f.workId);
      await expect(f.exchange.connect(f.other).withdrawBid(f.workId)).to.changeEtherBalances(
        ethers,
        [f.other, f.exchange],
        [PRICE / 2n, -(PRICE / 2n)],
      );
    });

    it("refuses a caller who does not hold the work: NotWorkOwner(workId, caller)", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await expect(f.exchange.connect(f.other).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "NotWorkOwner")
        .withArgs(f.workId, f.other.address);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
    });

    it("refuses a holder accepting its own bid, placed before it came to hold the work: SelfPurchase", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await f.registry.connect(f.custodian).transferFrom(f.custodian.address, f.buyer.address, f.workId);
      await expect(f.exchange.connect(f.buyer).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "SelfPurchase")
        .withArgs(f.workId, f.buyer.address);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
    });

    it("refuses a pledged work: WorkPledged(workId, pledgee)", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await pledgeTo(f, f.custodian, f.workId, f.lender);
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "WorkPledged")
        .withArgs(f.workId, f.lender.address);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
    });

    it("refuses a disputed work: WorkDisputed(workId)", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await flagDispute(f, f.workId);
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "WorkDisputed")
        .withArgs(f.workId);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
    });

    it("refuses a bidder without a bid: NoBid(workId, bidder)", async () => {
      const f = await load();
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "NoBid")
        .withArgs(f.workId, f.buyer.address);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
    });

    it("refuses a bid at or after its expiry: BidExpired(workId, bidder, expiry)", async () => {
      const f = await load();
      const expiry = BigInt(await nowSeconds()) + BigInt(DAY);
      await bid(f, f.buyer, f.workId, PRICE, NATIVE, expiry);
      await networkHelpers.time.setNextBlockTimestamp(expiry);
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "BidExpired")
        .withArgs(f.workId, f.buyer.address, expiry);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, expiry]);
    });

    it("refuses a currency other than the bid's: CurrencyMismatch(bid currency, given)", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, f.tokenAddress, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "CurrencyMismatch")
        .withArgs(NATIVE, f.tokenAddress);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
    });

    it("refuses an amount other than the bid's: PriceMismatch(amount, expected)", async () => {
      const f = await load();
      await bid(f, f.buyer, f.workId);
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE + 1n))
        .to.be.revertedWithCustomError(f.exchange, "PriceMismatch")
        .withArgs(PRICE, PRICE + 1n);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n]);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.custodian.address);
    });
  });

  describe("encumbrances (review finding 4)", () => {
    /** The custodian lists the work; the buyer bids on it; returns the encumbrance count both saw. */
    async function listedAndBid(f: ExchangeFixture): Promise<bigint> {
      await list(f, f.custodian, f.workId);
      await bid(f, f.buyer, f.workId);
      return encumbrancesOf(f, f.workId);
    }

    /** The custodian sells a perpetual worldwide exclusive licence with the sublicense right to `other`, for free. */
    async function licenceAway(f: ExchangeFixture) {
      const terms = licenceTerms({
        kind: LicenceKind.Exclusive,
        supply: 1,
        uses: usesOf(["reproduce", "distribute", "commercial", "sublicense"]),
        worldwide: true,
        territory: [0n, 0n, 0n],
        duration: 0,
      });
      const index = await createOffer(f.ledger, f.custodian, f.workId, terms, 0n);
      return buyLicence(f.ledger, f.other, f.workId, index, terms, 0n);
    }

    it("a bid records the work's encumbrance count (BidPlaced, bidOf)", async () => {
      const f = await load();
      await licenceAway(f);
      const count = await encumbrancesOf(f, f.workId);
      expect(count).to.equal(1n);
      const t = await nextBlockAt();
      await expect(bid(f, f.buyer, f.workId))
        .to.emit(f.exchange, "BidPlaced")
        .withArgs(f.workId, f.buyer.address, NATIVE, PRICE, 0n, count, t);
      await expectBid(f, f.workId, f.buyer.address, [NATIVE, PRICE, 0n, count]);
    });

    it("voids a bid once the seller licenses the work away: BidVoid(workId, bidder, seen, now); the bidder gets the escrow back", async () => {
      const f = await load();
      const seen = await listedAndBid(f);
      await licenceAway(f);
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "BidVoid")
        .withArgs(f.workId, f.buyer.address, seen, seen + 1n);
      await expect(f.exchange.connect(f.buyer).withdrawBid(f.workId)).to.changeEtherBalances(
        ethers,
        [f.buyer, f.exchange],
        [PRICE, -PRICE],
      );
    });

    it("voids a bid on a sublicence or a change of metadata too, and accepts a bid placed after them", async () => {
      const f = await load();
      await licenceAway(f);
      const seen = await listedAndBid(f);
      const grant = { workId: f.workId, offerIndex: 0, serial: 1 };
      await f.ledger
        .connect(f.other)
        .issueSublicence(
          grant,
          f.lender.address,
          sublicenceTerms({ uses: usesOf(["reproduce"]), worldwide: true, territory: [0n, 0n, 0n] }),
        );
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "BidVoid")
        .withArgs(f.workId, f.buyer.address, seen, seen + 1n);
      await f.registry.connect(f.custodian).updateMetadata(f.workId, cid());
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "BidVoid")
        .withArgs(f.workId, f.buyer.address, seen, seen + 2n);
      await f.exchange.connect(f.buyer).withdrawBid(f.workId);
      await bid(f, f.buyer, f.workId);
      await f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, NATIVE, PRICE);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.buyer.address);
    });

    it("refuses a buyer who saw fewer encumbrances than the work now has: EncumbrancesChanged(workId, now, expected)", async () => {
      const f = await load();
      const seen = await listedAndBid(f);
      await licenceAway(f);
      await expect(f.exchange.connect(f.other).buyWork(f.workId, NATIVE, PRICE, seen, { value: PRICE }))
        .to.be.revertedWithCustomError(f.exchange, "EncumbrancesChanged")
        .withArgs(f.workId, seen + 1n, seen);
      // The listing itself stands: a buyer who saw the licence buys at the listed price.
      await buy(f, f.other, f.workId);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.other.address);
    });
  });

  describe("a currency disallowed after listing or bidding (review finding 9)", () => {
    /** A listing and a bid in the token, which the admin then disallows on the exchange. */
    async function disallowed() {
      const f = await load();
      await list(f, f.custodian, f.workId, PRICE, f.tokenAddress);
      await bid(f, f.buyer, f.workId, PRICE, f.tokenAddress);
      await f.exchange.connect(f.admin).allowCurrency(f.tokenAddress, false);
      return f;
    }

    it("refuses to fill the listing or accept the bid: CurrencyNotAllowed(token)", async () => {
      const f = await disallowed();
      await expect(buy(f, f.other, f.workId, PRICE, f.tokenAddress))
        .to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed")
        .withArgs(f.tokenAddress);
      await expect(f.exchange.connect(f.custodian).acceptBid(f.workId, f.buyer.address, f.tokenAddress, PRICE))
        .to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed")
        .withArgs(f.tokenAddress);
      await expect(bid(f, f.other, f.workId, PRICE, f.tokenAddress))
        .to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed")
        .withArgs(f.tokenAddress);
    });

    it("lets the bidder withdraw the bid, and trades again once the token is allowed again", async () => {
      const f = await disallowed();
      await expect(f.exchange.connect(f.buyer).withdrawBid(f.workId)).to.changeTokenBalances(
        ethers,
        f.token,
        [f.buyer, f.exchange],
        [PRICE, -PRICE],
      );
      await f.exchange.connect(f.admin).allowCurrency(f.tokenAddress, true);
      await buy(f, f.other, f.workId, PRICE, f.tokenAddress);
      expect(await f.registry.ownerOf(f.workId)).to.equal(f.other.address);
    });
  });

  describe("escrow conservation", () => {
    it("holds exactly what is owed plus the open bids, in each currency, after a mixed scenario", async () => {
      const f = await load();
      const { exchange, tokenAddress } = f;
      const third = await registerWork(f.registry, f.artisan, f.custodian);
      // Sales by listing, in both currencies, and withdrawals of some of their proceeds.
      await list(f, f.custodian, f.workId, PRICE);
      await buy(f, f.buyer, f.workId, PRICE);
      await list(f, f.artisan, f.primaryId, 70_001n, tokenAddress);
      await buy(f, f.licensee, f.primaryId, 70_001n, tokenAddress);
      await exchange.connect(f.custodian).withdraw(NATIVE);
      await exchange.connect(f.treasury).withdraw(NATIVE);
      await exchange.connect(f.artisan).withdraw(tokenAddress);
      // Bids on the third work: one accepted, one withdrawn, one left open.
      await bid(f, f.buyer, third, 3n * PRICE + 7n);
      await bid(f, f.other, third, 55_555n, tokenAddress);
      await bid(f, f.lender, third, PRICE / 3n);
      await f.exchange.connect(f.custodian).acceptBid(third, f.buyer.address, NATIVE, 3n * PRICE + 7n);
      await exchange.connect(f.lender).withdrawBid(third);
      // Bids on works that changed hands, left open. The native fee of the accepted bid stays in the fee word.
      await bid(f, f.other, f.workId, PRICE / 7n);
      await bid(f, f.custodian, f.primaryId, 12_345n, tokenAddress);
      expect(await exchange.owed(f.treasury.address, NATIVE)).to.equal(split(3n * PRICE + 7n).fee);

      const accounts = [f.artisan, f.coop, f.custodian, f.licensee, f.other, f.lender, f.buyer, f.treasury];
      const bidders = [f.other, f.lender, f.buyer, f.custodian, f.licensee];
      const works = [f.workId, f.primaryId, third];
      for (const [currency, balance] of [
        [NATIVE, await nativeBalanceOf(f.exchangeAddress)],
        [tokenAddress, await f.token.balanceOf(f.exchangeAddress)],
      ] as const) {
        let held = 0n;
        for (const owed of await owedOf(f, accounts, currency)) held += owed;
        for (const workId of works) {
          for (const bidder of bidders) {
            const b = await exchange.bidOf(workId, bidder.address);
            if (b.currency === currency) held += b.amount;
          }
        }
        expect(balance).to.be.greaterThan(0n);
        expect(balance).to.equal(held);
      }
    });
  });

  describe("reentrancy", () => {
    /** A Reenterer contract holding a native bid on the custodian's work. */
    async function reentererWithBid(f: ExchangeFixture): Promise<{ reenterer: Reenterer; address: string }> {
      const reenterer = (await ethers.deployContract("Reenterer", [], f.other)) as unknown as Reenterer;
      const placeBid = f.exchange.interface.encodeFunctionData("placeBid", [f.workId, NATIVE, PRICE, 0n]);
      await reenterer.forward(f.exchangeAddress, PRICE, placeBid, { value: PRICE });
      return { reenterer, address: await reenterer.getAddress() };
    }

    function withdrawBidCall(f: ExchangeFixture): string {
      return f.exchange.interface.encodeFunctionData("withdrawBid", [f.workId]);
    }

    it("refunds a contract bidder that does not re-enter", async () => {
      const f = await load();
      const { reenterer, address } = await reentererWithBid(f);
      await expectBid(f, f.workId, address, [NATIVE, PRICE, 0n]);
      await expect(reenterer.forward(f.exchangeAddress, 0n, withdrawBidCall(f))).to.changeEtherBalances(
        ethers,
        [address, f.exchange],
        [PRICE, -PRICE],
      );
      await expectNoBid(f, f.workId, address);
    });

    it("fails a bid withdrawal that re-enters withdrawBid as a whole, leaving the bid intact", async () => {
      const f = await load();
      const { reenterer, address } = await reentererWithBid(f);
      await reenterer.arm(f.exchangeAddress, withdrawBidCall(f));
      await expect(reenterer.forward(f.exchangeAddress, 0n, withdrawBidCall(f)))
        .to.be.revertedWithCustomError(f.exchange, "NativeTransferFailed")
        .withArgs(address, PRICE);
      await expectBid(f, f.workId, address, [NATIVE, PRICE, 0n]);
      expect(await nativeBalanceOf(f.exchangeAddress)).to.equal(PRICE);
      expect(await nativeBalanceOf(address)).to.equal(0n);
      expect(await reenterer.reentered()).to.equal(false);
      expect(await reenterer.reentryTarget()).to.equal(f.exchangeAddress);
    });
  });
});
