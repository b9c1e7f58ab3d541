// Derivative royalties: what a licensed derivative earns, its parents' payees are credited their share of, up the lineage.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { type Address, zeroAddress } from "viem";
import { commitmentOf } from "../../core/commitment.ts";
import { grantIdOf, termsHashOf, usesOf } from "../../core/licence.ts";
import { workIdOf } from "../../core/registration.ts";
import { newWork, unique } from "../registry/fixture.ts";
import {
  buyLicence,
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
  registerWork,
} from "./fixture.ts";

const PRICE = 10n ** 18n + 777n;
const ADAPT = usesOf(["reproduce", "adapt", "commercial"]);

/** `licensee` buys, for itself and for free, an adapt licence of `workId` from `holder` with `royaltyBps`. */
async function adaptLicence(
  f: MarketFixture,
  holder: HardhatEthersSigner,
  workId: bigint,
  licensee: HardhatEthersSigner,
  royaltyBps: number,
) {
  const terms = licenceTerms({ uses: ADAPT, derivativeRoyaltyBps: royaltyBps, duration: 0 });
  const index = await createOffer(f.ledger, holder, workId, terms, 0n);
  return buyLicence(f.ledger, licensee, workId, index, terms, 0n);
}

/** `registrant` registers a derivative of `parents` (held, or licensed for adaptation); returns its id. */
async function derive(f: MarketFixture, registrant: HardhatEthersSigner, parents: bigint[]): Promise<bigint> {
  const r = newWork(registrant.address, { parents });
  await f.registry.connect(registrant).register(r);
  return workIdOf(r.contentHash);
}

/** A work A of the artisan; D, the licensee's derivative of A, owing it 10%. */
async function deployDerivative() {
  const f = await deployMarket();
  const a = await registerWork(f.registry, f.artisan);
  const grant = await adaptLicence(f, f.artisan, a, f.licensee, 1_000);
  const d = await derive(f, f.licensee, [a]);
  return { ...f, a, d, grant };
}

/** `holder` offers `workId` for a year at PRICE (in the token when `token`); `buyer` buys one licence. */
async function sellLicence(f: MarketFixture, holder: HardhatEthersSigner, workId: bigint, buyer: HardhatEthersSigner) {
  const terms = licenceTerms();
  const index = await createOffer(f.ledger, holder, workId, terms, PRICE);
  return f.ledger.connect(buyer).buyLicence(workId, index, termsHashOf(terms), PRICE, buyer.address, { value: PRICE });
}

/** The share `bps` of `amount`, rounded down as the contracts do. */
function share(amount: bigint, bps: bigint): bigint {
  return (amount * bps) / 10_000n;
}

describe("LicenceLedger: derivative royalties", () => {
  describe("recording", () => {
    it("records the licence's rate when the registry registers the derivative: DerivativeLicensed, royaltyParentsOf, owesRoyalties", async () => {
      const f = await deployMarket();
      const a = await registerWork(f.registry, f.artisan);
      const grant = await adaptLicence(f, f.artisan, a, f.licensee, 1_000);
      const r = newWork(f.licensee.address, { parents: [a] });
      const d = workIdOf(r.contentHash);
      const t = await nextBlockAt();
      await expect(f.registry.connect(f.licensee).register(r))
        .to.emit(f.ledger, "DerivativeLicensed")
        .withArgs(d, a, grant.grantId, 1_000, t)
        .and.to.emit(f.registry, "DerivativeAuthorised")
        .withArgs(d, a, f.ledgerAddress, grant.grantId, t);
      expect((await f.ledger.royaltyParentsOf(d)).map((p) => [p.parentId, p.royaltyBps])).to.deep.equal([[a, 1_000n]]);
      expect((await f.registry.titleOf(d)).owesRoyalties).to.equal(true);
      expect(await f.ledger.derivativeRoyaltyOf(d, 10_000n)).to.equal(1_000n);
    });

    it("records nothing owed under a licence without a rate, nor to a parent the registrant holds", async () => {
      const f = await deployMarket();
      const a = await registerWork(f.registry, f.artisan);
      const own = await registerWork(f.registry, f.licensee);
      const grant = await adaptLicence(f, f.artisan, a, f.licensee, 0);
      const r = newWork(f.licensee.address, { parents: [own, a] });
      const d = workIdOf(r.contentHash);
      await expect(f.registry.connect(f.licensee).register(r))
        .to.emit(f.ledger, "DerivativeLicensed")
        .withArgs(d, a, grant.grantId, 0, (t: bigint) => t > 0n);
      expect(await f.ledger.royaltyParentsOf(d)).to.deep.equal([]);
      expect((await f.registry.titleOf(d)).owesRoyalties).to.equal(false);
      expect(await f.ledger.derivativeRoyaltyOf(d, PRICE)).to.equal(0n);
    });

    it("refuses parents whose rates add up past everything the derivative earns: DerivativeRoyaltiesTooHigh(workId, total)", async () => {
      const f = await deployMarket();
      const a = await registerWork(f.registry, f.artisan);
      const b = await registerWork(f.registry, f.coop);
      await adaptLicence(f, f.artisan, a, f.licensee, 6_000);
      await adaptLicence(f, f.coop, b, f.licensee, 4_001);
      const r = newWork(f.licensee.address, { parents: [a, b] });
      await expect(f.registry.connect(f.licensee).register(r))
        .to.be.revertedWithCustomError(f.ledger, "DerivativeRoyaltiesTooHigh")
        .withArgs(workIdOf(r.contentHash), 10_001n);
      await adaptLicence(f, f.coop, b, f.other, 4_000);
      await adaptLicence(f, f.artisan, a, f.other, 6_000);
      const d = await derive(f, f.other, [a, b]);
      expect(await f.ledger.derivativeRoyaltyOf(d, 10_000n)).to.equal(10_000n);
    });

    it("refuses a lineage of more than MAX_ROYALTY_EDGES edges: RoyaltyLineageTooLarge(workId, edges, max)", async () => {
      const f = await deployMarket();
      expect(await f.ledger.MAX_ROYALTY_EDGES()).to.equal(8n);
      const holders = [f.artisan, f.coop, f.custodian, f.licensee, f.other, f.lender, f.buyer];
      let work = await registerWork(f.registry, f.artisan);
      let holder = f.artisan;
      for (let edges = 1; edges <= 8; edges += 1) {
        const next = holders[edges % holders.length] as HardhatEthersSigner;
        await adaptLicence(f, holder, work, next, 100);
        work = await derive(f, next, [work]);
        holder = next;
      }
      const last = holders[9 % holders.length] as HardhatEthersSigner;
      await adaptLicence(f, holder, work, last, 100);
      const r = newWork(last.address, { parents: [work] });
      await expect(f.registry.connect(last).register(r))
        .to.be.revertedWithCustomError(f.ledger, "RoyaltyLineageTooLarge")
        .withArgs(workIdOf(r.contentHash), 9n, 8n);
    });

    it("lets only the registry record or clear derivatives: NotRegistry(caller)", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      await expect(f.ledger.connect(f.licensee).authoriseDerivative(f.licensee.address, 1n, f.a))
        .to.be.revertedWithCustomError(f.ledger, "NotRegistry")
        .withArgs(f.licensee.address);
      await expect(f.ledger.connect(f.admin).clearDerivative(f.d))
        .to.be.revertedWithCustomError(f.ledger, "NotRegistry")
        .withArgs(f.admin.address);
    });
  });

  describe("payment", () => {
    it("a licence of a derivative pays its parent its share of the price after the fee: LicencePurchased.royalty, RoyaltyCredited", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      const { fee, net } = feeOf(PRICE);
      const royalty = share(net, 1_000n);
      const terms = licenceTerms();
      await createOffer(f.ledger, f.licensee, f.d, terms, PRICE);
      const t = await nextBlockAt();
      const tx = f.ledger
        .connect(f.buyer)
        .buyLicence(f.d, 0, termsHashOf(terms), PRICE, f.buyer.address, { value: PRICE });
      await expect(tx)
        .to.emit(f.ledger, "LicencePurchased")
        .withArgs(
          grantIdOf({ workId: f.d, offerIndex: 0, serial: 1 }),
          f.d,
          f.buyer.address,
          0,
          1,
          t,
          t + 365n * 86_400n,
          zeroAddress,
          PRICE,
          fee,
          royalty,
          0,
          f.licensee.address,
          termsHashOf(terms),
          t,
        )
        .and.to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(f.d, f.a, zeroAddress, royalty, 0n, 0, f.artisan.address, t);
      expect(await f.ledger.owed(f.licensee.address, zeroAddress)).to.equal(net - royalty);
      expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(royalty);
    });

    it("credits the parent's split pot when a split of its holder is in force, for its payees to release", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      await f.ledger.connect(f.artisan).setSplits(f.a, [
        { account: f.artisan.address, shareBps: 6_000 },
        { account: f.custodian.address, shareBps: 4_000 },
      ]);
      const royalty = share(feeOf(PRICE).net, 1_000n);
      await expect(sellLicence(f, f.licensee, f.d, f.buyer))
        .to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(f.d, f.a, zeroAddress, royalty, 0n, 1, zeroAddress, (t: bigint) => t > 0n);
      expect(await f.ledger.revenueOf(f.a, 1, zeroAddress)).to.deep.equal([royalty, royalty]);
      await f.ledger.release(f.a, 1, zeroAddress);
      expect(await f.ledger.owed(f.custodian.address, zeroAddress)).to.equal(share(royalty, 4_000n));
    });

    it("goes up the lineage: a derivative's parent passes its own rate of the royalty on to its parent", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      await adaptLicence(f, f.licensee, f.d, f.other, 500);
      const d2 = await derive(f, f.other, [f.d]);
      const toD = share(feeOf(PRICE).net, 500n);
      const toA = share(toD, 1_000n);
      const tx = sellLicence(f, f.other, d2, f.buyer);
      await expect(tx)
        .to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(d2, f.d, zeroAddress, toD, toA, 0, f.licensee.address, (t: bigint) => t > 0n)
        .and.to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(f.d, f.a, zeroAddress, toA, 0n, 0, f.artisan.address, (t: bigint) => t > 0n);
      expect(await f.ledger.owed(f.licensee.address, zeroAddress)).to.equal(toD - toA);
      expect(await f.ledger.owed(f.artisan.address, zeroAddress)).to.equal(toA);
      expect(await f.ledger.owed(f.other.address, zeroAddress)).to.equal(feeOf(PRICE).net - toD);
    });

    it("divides among several parents by their rates, the parts adding up to the royalty exactly", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      const b = await registerWork(f.registry, f.coop);
      await adaptLicence(f, f.coop, b, f.licensee, 2_333);
      await adaptLicence(f, f.artisan, f.a, f.licensee, 1_111);
      const d = await derive(f, f.licensee, [f.a, b]);
      const royalty = share(feeOf(PRICE).net, 3_444n);
      const toA = (royalty * 1_111n) / 3_444n;
      await expect(sellLicence(f, f.licensee, d, f.buyer))
        .to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(d, f.a, zeroAddress, toA, 0n, 0, f.artisan.address, (t: bigint) => t > 0n)
        .and.to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(d, b, zeroAddress, royalty - toA, 0n, 0, f.coop.address, (t: bigint) => t > 0n);
    });

    it("renewals pay the same royalty, in an ERC-20 too", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      const terms = licenceTerms({ currency: f.tokenAddress, duration: 30 * DAY });
      const index = await createOffer(f.ledger, f.licensee, f.d, terms, PRICE);
      const grant = await buyLicence(f.ledger, f.buyer, f.d, index, terms, PRICE);
      await increaseTime(20 * DAY);
      const royalty = share(feeOf(PRICE).net, 1_000n);
      await expect(f.ledger.connect(f.buyer).renewLicence(grant, PRICE))
        .to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(f.d, f.a, f.tokenAddress, royalty, 0n, 0, f.artisan.address, (t: bigint) => t > 0n);
      expect(await f.ledger.owed(f.artisan.address, f.tokenAddress)).to.equal(2n * royalty);
    });

    it("pays nothing on a free licence, nor a share that rounds to zero", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      const free = licenceTerms();
      const index = await createOffer(f.ledger, f.licensee, f.d, free, 0n);
      await expect(
        f.ledger.connect(f.buyer).buyLicence(f.d, index, termsHashOf(free), 0n, f.buyer.address),
      ).not.to.emit(f.ledger, "RoyaltyCredited");
      const tiny = licenceTerms();
      const tinyIndex = await createOffer(f.ledger, f.licensee, f.d, tiny, 9n);
      await expect(
        f.ledger.connect(f.buyer).buyLicence(f.d, tinyIndex, termsHashOf(tiny), 9n, f.buyer.address, { value: 9n }),
      ).not.to.emit(f.ledger, "RoyaltyCredited");
      expect(await f.ledger.owed(f.licensee.address, zeroAddress)).to.equal(9n);
    });
  });

  describe("on the exchange", () => {
    async function listed(token: boolean) {
      const f = await networkHelpers.loadFixture(deployDerivative);
      await f.registry.connect(f.licensee).setApprovalForAll(f.exchangeAddress, true);
      const currency = token ? f.tokenAddress : zeroAddress;
      await f.exchange.connect(f.licensee).listWork(f.d, currency, PRICE, 0);
      return { ...f, currency };
    }

    for (const token of [false, true]) {
      it(`a sale of a derivative pays its parents' share of the seller's proceeds into the ledger (${token ? "ERC-20" : "native coin"})`, async () => {
        const f = await listed(token);
        const fee = share(PRICE, 250n);
        const royalty = share(PRICE, 500n); // the derivative's creator is its seller: the 2981 royalty stays with it
        const parents = share(PRICE - fee, 1_000n);
        const t = await nextBlockAt();
        const { encumbrances } = await f.registry.titleOf(f.d);
        const tx = f.exchange
          .connect(f.buyer)
          .buyWork(f.d, f.currency, PRICE, encumbrances, { value: token ? 0n : PRICE });
        await expect(tx)
          .to.emit(f.exchange, "WorkSold")
          .withArgs(
            f.d,
            f.licensee.address,
            f.buyer.address,
            false,
            f.currency,
            PRICE,
            f.licensee.address,
            royalty,
            fee,
            parents,
            t,
          )
          .and.to.emit(f.ledger, "RoyaltiesPaidIn")
          .withArgs(f.d, f.exchangeAddress, f.currency, PRICE - fee, parents, t)
          .and.to.emit(f.ledger, "RoyaltyCredited")
          .withArgs(f.d, f.a, f.currency, parents, 0n, 0, f.artisan.address, t);
        expect(await f.exchange.owed(f.licensee.address, f.currency)).to.equal(PRICE - fee - parents);
        expect(await f.ledger.owed(f.artisan.address, f.currency)).to.equal(parents);
        if (token) {
          expect(await f.token.balanceOf(f.ledgerAddress)).to.equal(parents);
          expect(await f.token.allowance(f.exchangeAddress, f.ledgerAddress)).to.equal(0n);
        } else {
          expect(await ethers.provider.getBalance(f.ledgerAddress)).to.equal(parents);
        }
      });
    }

    it("an accepted bid pays the parents too, from the escrow", async () => {
      const f = await listed(false);
      await f.exchange.connect(f.buyer).placeBid(f.d, zeroAddress, PRICE, 0, { value: PRICE });
      const parents = share(PRICE - share(PRICE, 250n), 1_000n);
      await expect(f.exchange.connect(f.licensee).acceptBid(f.d, f.buyer.address, zeroAddress, PRICE))
        .to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(f.d, f.a, zeroAddress, parents, 0n, 0, f.artisan.address, (t: bigint) => t > 0n);
      expect(await ethers.provider.getBalance(f.ledgerAddress)).to.equal(parents);
    });

    it("refuses the sale when the ledger refuses the currency the parents would be paid in", async () => {
      const f = await listed(true);
      await f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, false);
      const { encumbrances } = await f.registry.titleOf(f.d);
      await expect(f.exchange.connect(f.buyer).buyWork(f.d, f.tokenAddress, PRICE, encumbrances))
        .to.be.revertedWithCustomError(f.ledger, "CurrencyNotAllowed")
        .withArgs(f.tokenAddress);
    });
  });

  describe("payDerivativeRoyalty", () => {
    it("lets anyone pay a derivative's royalty on earnings made elsewhere: RoyaltiesPaidIn, then the credits", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      const earned = 50_000n;
      expect(await f.ledger.payDerivativeRoyalty.staticCall(f.d, zeroAddress, earned, { value: 5_000n })).to.equal(
        5_000n,
      );
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.other).payDerivativeRoyalty(f.d, zeroAddress, earned, { value: 5_000n }))
        .to.emit(f.ledger, "RoyaltiesPaidIn")
        .withArgs(f.d, f.other.address, zeroAddress, earned, 5_000n, t)
        .and.to.emit(f.ledger, "RoyaltyCredited")
        .withArgs(f.d, f.a, zeroAddress, 5_000n, 0n, 0, f.artisan.address, t);
      await f.ledger.connect(f.other).payDerivativeRoyalty(f.d, f.tokenAddress, earned);
      expect(await f.ledger.owed(f.artisan.address, f.tokenAddress)).to.equal(5_000n);
    });

    it("takes exactly the royalty: WrongPayment(expected, sent); nothing for a work that owes none", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      await expect(f.ledger.connect(f.other).payDerivativeRoyalty(f.d, zeroAddress, 50_000n, { value: 4_999n }))
        .to.be.revertedWithCustomError(f.ledger, "WrongPayment")
        .withArgs(5_000n, 4_999n);
      await expect(f.ledger.connect(f.other).payDerivativeRoyalty(f.a, zeroAddress, 50_000n, { value: 1n }))
        .to.be.revertedWithCustomError(f.ledger, "WrongPayment")
        .withArgs(0n, 1n);
      await expect(f.ledger.connect(f.other).payDerivativeRoyalty(f.a, zeroAddress, 50_000n)).not.to.emit(
        f.ledger,
        "RoyaltiesPaidIn",
      );
    });

    it("refuses a currency the ledger does not allow: CurrencyNotAllowed(currency)", async () => {
      const f = await networkHelpers.loadFixture(deployDerivative);
      await f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, false);
      await expect(f.ledger.connect(f.other).payDerivativeRoyalty(f.d, f.tokenAddress, 50_000n))
        .to.be.revertedWithCustomError(f.ledger, "CurrencyNotAllowed")
        .withArgs(f.tokenAddress);
    });
  });

  it("owes its former parents nothing once a priority claim replaced the derivative's registration", async () => {
    // The buyer committed to the derivative's file two days before the licensee registered it.
    const f2 = await deployMarket();
    const a = await registerWork(f2.registry, f2.artisan);
    await adaptLicence(f2, f2.artisan, a, f2.licensee, 1_000);
    const r = newWork(f2.buyer.address);
    const salt = unique("salt");
    await f2.registry.connect(f2.buyer).commit(commitmentOf(f2.buyer.address as Address, r.contentHash, salt));
    await increaseTime(2 * DAY);
    await f2.registry.connect(f2.licensee).register({ ...r, to: f2.licensee.address as Address, parents: [a] });
    const d = workIdOf(r.contentHash);
    expect((await f2.ledger.royaltyParentsOf(d)).length).to.equal(1);
    await expect(f2.registry.connect(f2.buyer).reveal(r, salt))
      .to.emit(f2.ledger, "DerivativeRoyaltiesCleared")
      .withArgs(d, (t: bigint) => t > 0n);
    expect(await f2.ledger.royaltyParentsOf(d)).to.deep.equal([]);
    expect(await f2.ledger.derivativeRoyaltyOf(d, PRICE)).to.equal(0n);
    await expect(sellLicence(f2, f2.buyer, d, f2.other)).not.to.emit(f2.ledger, "RoyaltyCredited");
  });
});
