// Money of the ledger: splits, releases, fees, withdrawals and pushed withdrawals, reentrancy.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { type Address, zeroAddress, zeroHash } from "viem";
import { type GrantRef, grantIdOf, type LicenceTerms, termsHashOf } from "../../core/licence.ts";
import type {
  FalseReturningToken,
  FeeOnTransferToken,
  LicenceLedger,
  Reenterer,
  TestToken,
} from "../../types/ethers-contracts/index.ts";
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
  YEAR,
} from "./fixture.ts";

const NATIVE = zeroAddress;
const BPS = 10_000;

type Payee = { account: string; shareBps: number };
type Sale = GrantRef & { grantId: bigint; terms: LicenceTerms };
type WorkFixture = MarketFixture & { workId: bigint };

/** The market with one work created and held by `artisan`. */
async function deployWithWork(): Promise<WorkFixture> {
  const f = await deployMarket();
  const workId = await registerWork(f.registry, f.artisan);
  return { ...f, workId };
}

/** As {deployWithWork}, without a platform fee, so that what a sale brings in is exactly its price. */
async function deployFeeless(): Promise<WorkFixture> {
  const f = await deployWithWork();
  await f.ledger.connect(f.admin).setPlatformFee(f.treasury.address, 0);
  return f;
}

/** As {deployFeeless}, with the split artisan 70%, coop 20%, custodian 10% in force. */
async function deployFeelessSplit(): Promise<WorkFixture> {
  const f = await deployFeeless();
  await f.ledger.connect(f.artisan).setSplits(f.workId, threeWay(f));
  return f;
}

/** The split of the brief: artisan 70%, coop 20%, custodian 10%. */
function threeWay(f: MarketFixture): Payee[] {
  return [
    { account: f.artisan.address, shareBps: 7_000 },
    { account: f.coop.address, shareBps: 2_000 },
    { account: f.custodian.address, shareBps: 1_000 },
  ];
}

/** Payees as the ledger returns them: `[account, shareBps]` pairs. */
function asTuples(payees: readonly Payee[]): [string, bigint][] {
  return payees.map((p) => [p.account, BigInt(p.shareBps)]);
}

/** `count` distinct made-up accounts sharing 10,000 bps evenly (the last takes the remainder). */
function manyPayees(count: number): Payee[] {
  const each = Math.floor(BPS / count);
  return Array.from({ length: count }, (_, i) => ({
    account: ethers.Wallet.createRandom().address,
    shareBps: i === count - 1 ? BPS - each * (count - 1) : each,
  }));
}

/** Publishes a fresh offer of `workId` at `price` in `currency` by `holder` and sells one licence to `buyer`. */
async function sell(
  f: WorkFixture,
  price: bigint,
  currency: Address = NATIVE,
  holder: HardhatEthersSigner = f.artisan,
  buyer: HardhatEthersSigner = f.licensee,
): Promise<Sale> {
  const terms = licenceTerms({ currency });
  const index = await createOffer(f.ledger, holder, f.workId, terms, price);
  return { ...(await buyLicence(f.ledger, buyer, f.workId, index, terms, price)), terms };
}

/**
 * Buys offer `index` (priced in the native coin) for `buyer` at a fixed block time and checks every argument of
 * `LicencePurchased`: `payee` is the account credited, or zero when the net went to split `version`.
 */
async function expectPurchase(
  f: WorkFixture,
  index: number,
  terms: LicenceTerms,
  price: bigint,
  buyer: HardhatEthersSigner,
  money: { fee: bigint; version: number; payee: string },
): Promise<void> {
  const serial = Number((await f.ledger.offerOf(f.workId, index)).sold) + 1;
  const grantId = grantIdOf({ workId: f.workId, offerIndex: index, serial });
  const hash = termsHashOf(terms);
  const t = await nextBlockAt();
  await expect(f.ledger.connect(buyer).buyLicence(f.workId, index, hash, price, buyer.address, { value: price }))
    .to.emit(f.ledger, "LicencePurchased")
    .withArgs(
      grantId,
      f.workId,
      buyer.address,
      index,
      serial,
      t,
      t + BigInt(YEAR),
      NATIVE,
      price,
      money.fee,
      0n,
      money.version,
      money.payee,
      hash,
      t,
    );
}

/** The `RevenueReleased` events of a transaction, in order, as argument arrays. */
async function releasedBy(ledger: LicenceLedger, tx: Promise<ContractTransactionResponse>): Promise<unknown[][]> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  const events: unknown[][] = [];
  for (const log of receipt.logs) {
    const parsed = ledger.interface.parseLog(log);
    if (parsed?.name === "RevenueReleased") events.push(parsed.args.toArray());
  }
  return events;
}

/** What `owed(account, currency)` says for each account. */
async function owedOf(ledger: LicenceLedger, accounts: readonly string[], currency: Address = NATIVE) {
  return Promise.all(accounts.map((a) => ledger.owed(a, currency)));
}

/** `[total, unreleased]` of a split version's revenue in a currency. */
async function revenue(f: WorkFixture, version: number, currency: Address = NATIVE): Promise<[bigint, bigint]> {
  const [total, unreleased] = await f.ledger.revenueOf(f.workId, version, currency);
  return [total, unreleased];
}

/** A freshly deployed ERC-20 that was never allowed on the ledger. */
async function unlistedToken(): Promise<Address> {
  const t = (await ethers.deployContract("TestToken", ["Other", "OTH", 6])) as unknown as TestToken;
  return (await t.getAddress()) as Address;
}

describe("LicenceLedger: money", () => {
  describe("setSplits", () => {
    it("records version 1 and emits SplitsSet with the owner, the payees and the time", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const payees = threeWay(f);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).setSplits(f.workId, payees))
        .to.emit(f.ledger, "SplitsSet")
        .withArgs(f.workId, 1, f.artisan.address, asTuples(payees), t);
      const [owner, stored] = await f.ledger.splitOf(f.workId, 1);
      expect(owner).to.equal(f.artisan.address);
      expect(stored.map((p) => [p.account, p.shareBps])).to.deep.equal(asTuples(payees));
      const [version, inForce] = await f.ledger.currentSplit(f.workId);
      expect([version, inForce]).to.deep.equal([1n, true]);
    });

    it("numbers later splits 2, 3, ... and keeps every earlier version readable", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const second = [{ account: f.coop.address, shareBps: BPS }];
      await f.ledger.connect(f.artisan).setSplits(f.workId, threeWay(f));
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).setSplits(f.workId, second))
        .to.emit(f.ledger, "SplitsSet")
        .withArgs(f.workId, 2, f.artisan.address, asTuples(second), t);
      await f.ledger.connect(f.artisan).setSplits(f.workId, threeWay(f));
      expect((await f.ledger.currentSplit(f.workId)).version).to.equal(3n);
      const [, v1] = await f.ledger.splitOf(f.workId, 1);
      const [, v2] = await f.ledger.splitOf(f.workId, 2);
      expect(v1.map((p) => [p.account, p.shareBps])).to.deep.equal(asTuples(threeWay(f)));
      expect(v2.map((p) => [p.account, p.shareBps])).to.deep.equal(asTuples(second));
    });

    it("accepts the most payees allowed, sixteen", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const payees = manyPayees(16);
      await f.ledger.connect(f.artisan).setSplits(f.workId, payees);
      const [, stored] = await f.ledger.splitOf(f.workId, 1);
      expect(stored.length).to.equal(16);
      expect(await f.ledger.MAX_PAYEES()).to.equal(16n);
    });

    for (const last of [999, 1_001]) {
      const total = 9_000 + last;
      it(`refuses shares summing to ${total} with InvalidShares(${total}), leaving no split`, async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        const payees = [
          { account: f.artisan.address, shareBps: 9_000 },
          { account: f.coop.address, shareBps: last },
        ];
        await expect(f.ledger.connect(f.artisan).setSplits(f.workId, payees))
          .to.be.revertedWithCustomError(f.ledger, "InvalidShares")
          .withArgs(total);
        const [version, inForce] = await f.ledger.currentSplit(f.workId);
        expect([version, inForce]).to.deep.equal([0n, false]);
      });
    }

    it("refuses the zero address as payee with InvalidPayee", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const payees = [
        { account: f.artisan.address, shareBps: 5_000 },
        { account: zeroAddress, shareBps: 5_000 },
      ];
      await expect(f.ledger.connect(f.artisan).setSplits(f.workId, payees))
        .to.be.revertedWithCustomError(f.ledger, "InvalidPayee")
        .withArgs(zeroAddress);
    });

    it("refuses a payee with a zero share with InvalidPayee naming it", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const payees = [...threeWay(f), { account: f.other.address, shareBps: 0 }];
      await expect(f.ledger.connect(f.artisan).setSplits(f.workId, payees))
        .to.be.revertedWithCustomError(f.ledger, "InvalidPayee")
        .withArgs(f.other.address);
    });

    it("refuses an account listed twice with InvalidPayee naming it", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const payees = [
        { account: f.coop.address, shareBps: 4_000 },
        { account: f.artisan.address, shareBps: 2_000 },
        { account: f.coop.address, shareBps: 4_000 },
      ];
      await expect(f.ledger.connect(f.artisan).setSplits(f.workId, payees))
        .to.be.revertedWithCustomError(f.ledger, "InvalidPayee")
        .withArgs(f.coop.address);
    });

    it("refuses seventeen payees with TooManyPayees(17, 16)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await expect(f.ledger.connect(f.artisan).setSplits(f.workId, manyPayees(17)))
        .to.be.revertedWithCustomError(f.ledger, "TooManyPayees")
        .withArgs(17, 16);
    });

    it("refuses anyone but the work's holder with NotWorkOwner", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await expect(f.ledger.connect(f.coop).setSplits(f.workId, threeWay(f)))
        .to.be.revertedWithCustomError(f.ledger, "NotWorkOwner")
        .withArgs(f.workId, f.coop.address);
    });

    it("with an empty list records a version whose revenue goes to the holder alone", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await f.ledger.connect(f.artisan).setSplits(f.workId, threeWay(f));
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.artisan).setSplits(f.workId, []))
        .to.emit(f.ledger, "SplitsSet")
        .withArgs(f.workId, 2, f.artisan.address, [], t);
      const [owner, stored] = await f.ledger.splitOf(f.workId, 2);
      expect([owner, stored.length]).to.deep.equal([f.artisan.address, 0]);
      expect((await f.ledger.currentSplit(f.workId)).inForce).to.equal(false);

      const price = 1_000_000n;
      const { fee, net } = feeOf(price);
      const terms = licenceTerms();
      const index = await createOffer(f.ledger, f.artisan, f.workId, terms, price);
      await expectPurchase(f, index, terms, price, f.licensee, { fee, version: 2, payee: f.artisan.address });
      expect(await f.ledger.owed(f.artisan.address, NATIVE)).to.equal(net);
      expect(await revenue(f, 2)).to.deep.equal([0n, 0n]);
    });

    it("splitOf refuses a version never set with UnknownSplit", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await expect(f.ledger.splitOf(f.workId, 1))
        .to.be.revertedWithCustomError(f.ledger, "UnknownSplit")
        .withArgs(f.workId, 1);
    });
  });

  describe("revenue under a split", () => {
    it("a purchase credits the split's pot net of the fee, reported with payee zero and the split version", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await f.ledger.connect(f.artisan).setSplits(f.workId, threeWay(f));
      const price = 1_234_567n;
      const { fee, net } = feeOf(price);
      const terms = licenceTerms();
      const index = await createOffer(f.ledger, f.artisan, f.workId, terms, price);
      await expectPurchase(f, index, terms, price, f.licensee, { fee, version: 1, payee: zeroAddress });
      expect(await revenue(f, 1)).to.deep.equal([net, net]);
      expect(await owedOf(f.ledger, [f.artisan.address, f.treasury.address])).to.deep.equal([0n, fee]);
    });

    it("ERC-20 revenue goes to a pot of its own, released separately from the native pot", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await f.ledger.connect(f.artisan).setSplits(f.workId, threeWay(f));
      await sell(f, 1_000n);
      await sell(f, 40_000n, f.tokenAddress);
      const native = feeOf(1_000n).net;
      const erc20 = feeOf(40_000n).net;
      expect(await revenue(f, 1)).to.deep.equal([native, native]);
      expect(await revenue(f, 1, f.tokenAddress)).to.deep.equal([erc20, erc20]);

      const t = await nextBlockAt();
      const events = await releasedBy(f.ledger, f.ledger.connect(f.other).release(f.workId, 1, f.tokenAddress));
      expect(events).to.deep.equal([
        [f.workId, 1n, f.artisan.address, f.tokenAddress, 27_300n, t],
        [f.workId, 1n, f.coop.address, f.tokenAddress, 7_800n, t],
        [f.workId, 1n, f.custodian.address, f.tokenAddress, 3_900n, t],
      ]);
      const payees = [f.artisan.address, f.coop.address, f.custodian.address];
      expect(await owedOf(f.ledger, payees, f.tokenAddress)).to.deep.equal([27_300n, 7_800n, 3_900n]);
      expect(await owedOf(f.ledger, payees)).to.deep.equal([0n, 0n, 0n]);
      expect(await revenue(f, 1, f.tokenAddress)).to.deep.equal([erc20, 0n]);
      expect(await revenue(f, 1)).to.deep.equal([native, native]);
    });

    it("revenueOf refuses a token never allowed with InvalidCurrency", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const unlisted = await unlistedToken();
      await expect(f.ledger.revenueOf(f.workId, 1, unlisted))
        .to.be.revertedWithCustomError(f.ledger, "InvalidCurrency")
        .withArgs(unlisted);
    });
  });

  describe("release", () => {
    const cases = [
      { amount: 1n, parts: [0n, 0n, 1n] },
      { amount: 7n, parts: [4n, 2n, 1n] },
      {
        amount: 999_999_999_999_999_997n,
        parts: [699_999_999_999_999_997n, 200_000_000_000_000_000n, 100_000_000_000_000_000n],
      },
    ];
    for (const { amount, parts } of cases) {
      it(`divides ${amount} wei by cumulative shares into ${parts.join(" + ")}, one event per payee`, async () => {
        const f = await networkHelpers.loadFixture(deployFeelessSplit);
        await sell(f, amount);
        expect(await revenue(f, 1)).to.deep.equal([amount, amount]);
        expect(await f.ledger.connect(f.other).release.staticCall(f.workId, 1, NATIVE)).to.equal(amount);

        const t = await nextBlockAt();
        const events = await releasedBy(f.ledger, f.ledger.connect(f.other).release(f.workId, 1, NATIVE));
        const payees = [f.artisan.address, f.coop.address, f.custodian.address];
        expect(events).to.deep.equal(payees.map((p, i) => [f.workId, 1n, p, NATIVE, parts[i], t]));
        expect(await owedOf(f.ledger, payees)).to.deep.equal(parts);
        expect(parts.reduce((a, b) => a + b, 0n)).to.equal(amount);
        expect(await revenue(f, 1)).to.deep.equal([amount, 0n]);
      });
    }

    it("a second release divides only what arrived since the first", async () => {
      const f = await networkHelpers.loadFixture(deployFeelessSplit);
      await sell(f, 7n);
      await f.ledger.release(f.workId, 1, NATIVE);
      await sell(f, 1n);
      const t = await nextBlockAt();
      const events = await releasedBy(f.ledger, f.ledger.release(f.workId, 1, NATIVE));
      expect(events.map((e) => e[4])).to.deep.equal([0n, 0n, 1n]);
      expect(events.map((e) => e[5])).to.deep.equal([t, t, t]);
      const payees = [f.artisan.address, f.coop.address, f.custodian.address];
      expect(await owedOf(f.ledger, payees)).to.deep.equal([4n, 2n, 2n]);
      expect(await revenue(f, 1)).to.deep.equal([8n, 0n]);
    });

    it("refuses with NothingToRelease when nothing arrived since the last release", async () => {
      const f = await networkHelpers.loadFixture(deployFeelessSplit);
      await expect(f.ledger.release(f.workId, 1, NATIVE))
        .to.be.revertedWithCustomError(f.ledger, "NothingToRelease")
        .withArgs(f.workId, 1, NATIVE);
      await sell(f, 100n);
      await f.ledger.release(f.workId, 1, NATIVE);
      await expect(f.ledger.release(f.workId, 1, NATIVE))
        .to.be.revertedWithCustomError(f.ledger, "NothingToRelease")
        .withArgs(f.workId, 1, NATIVE);
      expect(await f.ledger.owed(f.artisan.address, NATIVE)).to.equal(70n);
    });

    for (const version of [0, 2]) {
      it(`refuses version ${version}, never set, with UnknownSplit`, async () => {
        const f = await networkHelpers.loadFixture(deployFeelessSplit);
        await expect(f.ledger.release(f.workId, version, NATIVE))
          .to.be.revertedWithCustomError(f.ledger, "UnknownSplit")
          .withArgs(f.workId, version);
      });
    }

    it("refuses an empty split (set with []) with NothingToRelease", async () => {
      const f = await networkHelpers.loadFixture(deployFeeless);
      await f.ledger.connect(f.artisan).setSplits(f.workId, []);
      await sell(f, 100n);
      await expect(f.ledger.release(f.workId, 1, NATIVE))
        .to.be.revertedWithCustomError(f.ledger, "NothingToRelease")
        .withArgs(f.workId, 1, NATIVE);
      expect(await f.ledger.owed(f.artisan.address, NATIVE)).to.equal(100n);
    });

    it("a new split never changes money earned under the previous one", async () => {
      const f = await networkHelpers.loadFixture(deployFeelessSplit);
      await sell(f, 1_000n);
      const second = [
        { account: f.artisan.address, shareBps: 5_000 },
        { account: f.other.address, shareBps: 5_000 },
      ];
      await f.ledger.connect(f.artisan).setSplits(f.workId, second);
      await sell(f, 3_000n);
      expect(await revenue(f, 1)).to.deep.equal([1_000n, 1_000n]);
      expect(await revenue(f, 2)).to.deep.equal([3_000n, 3_000n]);

      await f.ledger.release(f.workId, 2, NATIVE);
      await f.ledger.release(f.workId, 1, NATIVE);
      const accounts = [f.artisan.address, f.coop.address, f.custodian.address, f.other.address];
      expect(await owedOf(f.ledger, accounts)).to.deep.equal([700n + 1_500n, 200n, 100n, 1_500n]);
      expect(await revenue(f, 1)).to.deep.equal([1_000n, 0n]);
      expect(await revenue(f, 2)).to.deep.equal([3_000n, 0n]);
    });

    describe("after the work is assigned", () => {
      /** Earns 1,000 wei under the artisan's split, then assigns the work to `other`. */
      async function deployAssigned(): Promise<WorkFixture & { old: Sale }> {
        const f = await deployFeelessSplit();
        const old = await sell(f, 1_000n);
        await f.registry.connect(f.artisan).transferFrom(f.artisan.address, f.other.address, f.workId);
        return { ...f, old };
      }

      it("the old holder's split is no longer in force, and its offers are void", async () => {
        const f = await networkHelpers.loadFixture(deployAssigned);
        const [version, inForce] = await f.ledger.currentSplit(f.workId);
        expect([version, inForce]).to.deep.equal([1n, false]);
        await expect(
          f.ledger
            .connect(f.buyer)
            .buyLicence(f.workId, f.old.offerIndex, termsHashOf(f.old.terms), 1_000n, f.buyer.address, {
              value: 1_000n,
            }),
        )
          .to.be.revertedWithCustomError(f.ledger, "OfferVoid")
          .withArgs(f.workId, f.old.offerIndex);
      });

      it("new revenue goes to the new holder directly", async () => {
        const f = await networkHelpers.loadFixture(deployAssigned);
        const terms = licenceTerms();
        const index = await createOffer(f.ledger, f.other, f.workId, terms, 500n);
        await expectPurchase(f, index, terms, 500n, f.buyer, { fee: 0n, version: 1, payee: f.other.address });
        expect(await f.ledger.owed(f.other.address, NATIVE)).to.equal(500n);
        expect(await revenue(f, 1)).to.deep.equal([1_000n, 1_000n]);
      });

      it("revenue earned before stays releasable to the old split's payees", async () => {
        const f = await networkHelpers.loadFixture(deployAssigned);
        await sell(f, 500n, NATIVE, f.other, f.buyer);
        await f.ledger.connect(f.other).release(f.workId, 1, NATIVE);
        const accounts = [f.artisan.address, f.coop.address, f.custodian.address, f.other.address];
        expect(await owedOf(f.ledger, accounts)).to.deep.equal([700n, 200n, 100n, 500n]);
      });

      it("a split set by the new holder is in force and keeps the old revenue with the old version", async () => {
        const f = await networkHelpers.loadFixture(deployAssigned);
        await f.ledger.connect(f.other).setSplits(f.workId, [{ account: f.buyer.address, shareBps: BPS }]);
        const [version, inForce] = await f.ledger.currentSplit(f.workId);
        expect([version, inForce]).to.deep.equal([2n, true]);
        await sell(f, 500n, NATIVE, f.other, f.licensee);
        expect(await revenue(f, 1)).to.deep.equal([1_000n, 1_000n]);
        expect(await revenue(f, 2)).to.deep.equal([500n, 500n]);
      });
    });
  });

  describe("platform fee", () => {
    it("setPlatformFee changes the treasury and rate and emits PlatformFeeChanged", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.admin).setPlatformFee(f.coop.address, 1_000))
        .to.emit(f.ledger, "PlatformFeeChanged")
        .withArgs(f.coop.address, 1_000, t);
      const [treasury, feeBps] = await f.ledger.platformFee();
      expect([treasury, feeBps]).to.deep.equal([f.coop.address, 1_000n]);
      await sell(f, 1_001n);
      expect(await owedOf(f.ledger, [f.coop.address, f.artisan.address])).to.deep.equal([100n, 901n]);
    });

    it("refuses a fee above the cap with FeeTooHigh(1001, 1000)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await expect(f.ledger.connect(f.admin).setPlatformFee(f.treasury.address, 1_001))
        .to.be.revertedWithCustomError(f.ledger, "FeeTooHigh")
        .withArgs(1_001, 1_000);
      expect((await f.ledger.platformFee()).feeBps).to.equal(250n);
    });

    it("refuses a nonzero fee without a treasury with InvalidTreasury(0)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await expect(f.ledger.connect(f.admin).setPlatformFee(zeroAddress, 1))
        .to.be.revertedWithCustomError(f.ledger, "InvalidTreasury")
        .withArgs(zeroAddress);
    });

    it("accepts a zero fee without a treasury, after which sales pay no fee", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.admin).setPlatformFee(zeroAddress, 0))
        .to.emit(f.ledger, "PlatformFeeChanged")
        .withArgs(zeroAddress, 0, t);
      await sell(f, 1_000n);
      expect(await f.ledger.owed(f.artisan.address, NATIVE)).to.equal(1_000n);
      expect(await f.ledger.owed(zeroAddress, NATIVE)).to.equal(0n);
    });

    it("refuses anyone but the admin with AccessControlUnauthorizedAccount", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await expect(f.ledger.connect(f.treasury).setPlatformFee(f.treasury.address, 0))
        .to.be.revertedWithCustomError(f.ledger, "AccessControlUnauthorizedAccount")
        .withArgs(f.treasury.address, zeroHash);
    });

    it("native fees show in owed(treasury, native) and the treasury withdraws them", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await sell(f, 1_000n);
      await sell(f, 999n);
      const fees = feeOf(1_000n).fee + feeOf(999n).fee;
      expect(fees).to.equal(25n + 24n);
      expect(await f.ledger.owed(f.treasury.address, NATIVE)).to.equal(fees);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.treasury).withdraw(NATIVE))
        .to.emit(f.ledger, "Withdrawn")
        .withArgs(f.treasury.address, NATIVE, fees, f.treasury.address, t);
      expect(await f.ledger.owed(f.treasury.address, NATIVE)).to.equal(0n);
    });

    it("a new treasury leaves the fees accrued so far with the old one, which can withdraw them", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await sell(f, 1_000n);
      await f.ledger.connect(f.admin).setPlatformFee(f.coop.address, 250);
      await sell(f, 2_000n);
      expect(await owedOf(f.ledger, [f.treasury.address, f.coop.address])).to.deep.equal([25n, 50n]);
      const tx = f.ledger.connect(f.treasury).withdraw(NATIVE);
      await expect(tx).to.changeEtherBalances(ethers, [f.treasury, f.ledgerAddress], [25n, -25n]);
      expect(await owedOf(f.ledger, [f.treasury.address, f.coop.address])).to.deep.equal([0n, 50n]);
    });

    it("a native fee too large for the fee word is credited to the treasury's balance, and both are withdrawn", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      // 2.5% of 10^26 wei is 2.5 * 10^24, past the 80-bit accumulator (about 1.2 * 10^24).
      const big = 10n ** 26n;
      await networkHelpers.setBalance(f.licensee.address, 2n * big);
      await sell(f, big);
      await sell(f, 1_000n);
      const fees = feeOf(big).fee + 25n;
      expect(feeOf(big).fee > 2n ** 80n - 1n).to.equal(true);
      expect(await f.ledger.owed(f.treasury.address, NATIVE)).to.equal(fees);
      const tx = f.ledger.connect(f.treasury).withdraw(NATIVE);
      await expect(tx).to.changeEtherBalances(ethers, [f.treasury, f.ledgerAddress], [fees, -fees]);
      expect(await f.ledger.owed(f.treasury.address, NATIVE)).to.equal(0n);
    });

    it("ERC-20 fees are credited to owed(treasury, token)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await sell(f, 10_001n, f.tokenAddress);
      const { fee, net } = feeOf(10_001n);
      expect(await f.ledger.owed(f.treasury.address, f.tokenAddress)).to.equal(fee);
      expect(await f.ledger.owed(f.treasury.address, NATIVE)).to.equal(0n);
      expect(await f.ledger.owed(f.artisan.address, f.tokenAddress)).to.equal(net);
      await expect(f.ledger.connect(f.treasury).withdraw(f.tokenAddress)).to.changeTokenBalances(
        ethers,
        f.token,
        [f.treasury, f.ledgerAddress],
        [fee, -fee],
      );
    });
  });

  describe("withdraw", () => {
    it("sends exactly what is owed in the native coin, zeroes it and emits Withdrawn", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await sell(f, 3_000_001n);
      const { net } = feeOf(3_000_001n);
      const t = await nextBlockAt();
      const tx = f.ledger.connect(f.artisan).withdraw(NATIVE);
      await expect(tx).to.emit(f.ledger, "Withdrawn").withArgs(f.artisan.address, NATIVE, net, f.artisan.address, t);
      await expect(tx).to.changeEtherBalances(ethers, [f.artisan, f.ledgerAddress], [net, -net]);
      expect(await f.ledger.owed(f.artisan.address, NATIVE)).to.equal(0n);
    });

    it("returns the amount it sends (static call)", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await sell(f, 1_000n);
      expect(await f.ledger.connect(f.artisan).withdraw.staticCall(NATIVE)).to.equal(975n);
    });

    it("sends exactly what is owed in an ERC-20, leaving the native balance owed", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await sell(f, 1_000n);
      await sell(f, 77_777n, f.tokenAddress);
      const { net } = feeOf(77_777n);
      const t = await nextBlockAt();
      const tx = f.ledger.connect(f.artisan).withdraw(f.tokenAddress);
      await expect(tx)
        .to.emit(f.ledger, "Withdrawn")
        .withArgs(f.artisan.address, f.tokenAddress, net, f.artisan.address, t);
      await expect(tx).to.changeTokenBalances(ethers, f.token, [f.artisan, f.ledgerAddress], [net, -net]);
      expect(await f.ledger.owed(f.artisan.address, f.tokenAddress)).to.equal(0n);
      expect(await f.ledger.owed(f.artisan.address, NATIVE)).to.equal(975n);
    });

    it("refuses an account owed nothing with NothingToWithdraw, in either currency", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await expect(f.ledger.connect(f.other).withdraw(NATIVE))
        .to.be.revertedWithCustomError(f.ledger, "NothingToWithdraw")
        .withArgs(f.other.address, NATIVE);
      await expect(f.ledger.connect(f.other).withdraw(f.tokenAddress))
        .to.be.revertedWithCustomError(f.ledger, "NothingToWithdraw")
        .withArgs(f.other.address, f.tokenAddress);
    });

    it("refuses a second withdrawal with NothingToWithdraw", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      await sell(f, 1_000n);
      await f.ledger.connect(f.artisan).withdraw(NATIVE);
      await expect(f.ledger.connect(f.artisan).withdraw(NATIVE))
        .to.be.revertedWithCustomError(f.ledger, "NothingToWithdraw")
        .withArgs(f.artisan.address, NATIVE);
    });

    it("refuses a token never allowed with InvalidCurrency", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const unlisted = await unlistedToken();
      await expect(f.ledger.connect(f.artisan).withdraw(unlisted))
        .to.be.revertedWithCustomError(f.ledger, "InvalidCurrency")
        .withArgs(unlisted);
      await expect(f.ledger.connect(f.other).withdrawFor(f.artisan.address, unlisted))
        .to.be.revertedWithCustomError(f.ledger, "InvalidCurrency")
        .withArgs(unlisted);
    });

    describe("withdrawFor (review finding 10)", () => {
      /** A passive vault (a contract that can call nothing) as the royalty receiver of the artisan's works. */
      async function deployVault() {
        const f = await deployWithWork();
        const vaultAddress = await (await ethers.deployContract("PassiveVault")).getAddress();
        return { ...f, vaultAddress };
      }

      /** `receiver` earns the 5% ERC-2981 royalty of a sale of a new work of the artisan at `price` in `currency`. */
      async function earn(f: WorkFixture, receiver: string, price: bigint, currency: Address) {
        const work = await registerWork(f.registry, f.artisan, f.artisan, receiver);
        await f.registry.connect(f.artisan).setApprovalForAll(f.exchangeAddress, true);
        await f.exchange.connect(f.artisan).listWork(work, currency, price, 0);
        await f.exchange
          .connect(f.buyer)
          .buyWork(work, currency, price, 0n, { value: currency === NATIVE ? price : 0n });
      }

      for (const token of [false, true]) {
        it(`lets anyone push what a passive contract is owed to it (${token ? "ERC-20" : "native coin"}): Withdrawn names the caller`, async () => {
          const f = await networkHelpers.loadFixture(deployVault);
          const currency = token ? f.tokenAddress : NATIVE;
          await earn(f, f.vaultAddress, 100_000n, currency);
          const owed = await f.exchange.owed(f.vaultAddress, currency);
          expect(owed).to.equal(5_000n);
          const t = await nextBlockAt();
          const tx = f.exchange.connect(f.other).withdrawFor(f.vaultAddress, currency);
          await expect(tx)
            .to.emit(f.exchange, "Withdrawn")
            .withArgs(f.vaultAddress, currency, owed, f.other.address, t);
          if (token) await expect(tx).to.changeTokenBalances(ethers, f.token, [f.vaultAddress, f.other], [owed, 0n]);
          else await expect(tx).to.changeEtherBalances(ethers, [f.vaultAddress, f.exchangeAddress], [owed, -owed]);
          expect(await f.exchange.owed(f.vaultAddress, currency)).to.equal(0n);
          await expect(f.exchange.connect(f.other).withdrawFor(f.vaultAddress, currency))
            .to.be.revertedWithCustomError(f.exchange, "NothingToWithdraw")
            .withArgs(f.vaultAddress, currency);
        });
      }

      it("pushes the treasury's native fees, flushed from the fee word", async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        await sell(f, 1_000_000n);
        const fees = feeOf(1_000_000n).fee;
        await expect(f.ledger.connect(f.other).withdrawFor(f.treasury.address, NATIVE)).to.changeEtherBalances(
          ethers,
          [f.treasury, f.ledgerAddress],
          [fees, -fees],
        );
      });

      it("fails whole when the account cannot receive the native coin (NativeTransferFailed): the balance stays owed", async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        const sink = await (await ethers.deployContract("NonReceiver")).getAddress();
        await earn(f, sink, 10_000n, NATIVE);
        await expect(f.exchange.connect(f.other).withdrawFor(sink, NATIVE))
          .to.be.revertedWithCustomError(f.exchange, "NativeTransferFailed")
          .withArgs(sink, 500n);
        expect(await f.exchange.owed(sink, NATIVE)).to.equal(500n);
      });
    });

    describe("in a token allowed, then disallowed", () => {
      /** The artisan earns in the fixture token, which the admin then disallows. */
      async function deployDisallowed(): Promise<WorkFixture> {
        const f = await deployWithWork();
        await sell(f, 10_000n, f.tokenAddress);
        await f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, false);
        return f;
      }

      it("balances stay withdrawable", async () => {
        const f = await networkHelpers.loadFixture(deployDisallowed);
        expect(await f.ledger.isCurrencyAllowed(f.tokenAddress)).to.equal(false);
        await expect(f.ledger.connect(f.artisan).withdraw(f.tokenAddress)).to.changeTokenBalances(
          ethers,
          f.token,
          [f.artisan, f.ledgerAddress],
          [9_750n, -9_750n],
        );
        expect(await f.ledger.owed(f.artisan.address, f.tokenAddress)).to.equal(0n);
      });

      it("new offers in it are refused with CurrencyNotAllowed", async () => {
        const f = await networkHelpers.loadFixture(deployDisallowed);
        const terms = licenceTerms({ currency: f.tokenAddress });
        await expect(f.ledger.connect(f.artisan).createOffer(f.workId, terms, 1_000n))
          .to.be.revertedWithCustomError(f.ledger, "CurrencyNotAllowed")
          .withArgs(f.tokenAddress);
      });

      it("offers made before sell and renew no more in it (CurrencyNotAllowed), until it is allowed again (review finding 9)", async () => {
        const f = await networkHelpers.loadFixture(deployWithWork);
        const sale = await sell(f, 10_000n, f.tokenAddress);
        await f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, false);
        const hash = termsHashOf(sale.terms);
        await expect(f.ledger.connect(f.other).buyLicence(f.workId, sale.offerIndex, hash, 10_000n, f.other.address))
          .to.be.revertedWithCustomError(f.ledger, "CurrencyNotAllowed")
          .withArgs(f.tokenAddress);
        await increaseTime(360 * DAY);
        await expect(f.ledger.connect(f.licensee).renewLicence(sale, 10_000n))
          .to.be.revertedWithCustomError(f.ledger, "CurrencyNotAllowed")
          .withArgs(f.tokenAddress);
        await f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, true);
        await f.ledger.connect(f.licensee).renewLicence(sale, 10_000n);
        await f.ledger.connect(f.other).buyLicence(f.workId, sale.offerIndex, hash, 10_000n, f.other.address);
      });
    });
  });

  describe("allowCurrency", () => {
    it("the fixture token has id 1; re-allowing it emits CurrencyAllowed with the same id", async () => {
      const f = await networkHelpers.loadFixture(deployMarket);
      expect(await f.ledger.currencyOf(1)).to.equal(f.tokenAddress);
      expect(await f.ledger.isCurrencyAllowed(f.tokenAddress)).to.equal(true);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, true))
        .to.emit(f.ledger, "CurrencyAllowed")
        .withArgs(f.tokenAddress, 1, true, t);
    });

    it("allows 255 currencies at most: the 256th is refused with TooManyCurrencies(255)", async () => {
      const f = await networkHelpers.loadFixture(deployMarket);
      // The fixture allowed one token; 254 more fill the list. Any account with code will do as a token here.
      for (let i = 0; i < 254; i++) {
        const code = await ethers.deployContract("NonReceiver");
        await f.ledger.connect(f.admin).allowCurrency(await code.getAddress(), true);
      }
      expect(await f.ledger.currencyOf(255)).to.not.equal(zeroAddress);
      const last = await unlistedToken();
      await expect(f.ledger.connect(f.admin).allowCurrency(last, true))
        .to.be.revertedWithCustomError(f.ledger, "TooManyCurrencies")
        .withArgs(255);
      expect(await f.ledger.isCurrencyAllowed(last)).to.equal(false);
    });

    it("sells a free licence priced in an ERC-20 without touching the buyer's tokens", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const terms = licenceTerms({ currency: f.tokenAddress });
      const index = await createOffer(f.ledger, f.artisan, f.workId, terms, 0n);
      const before = await f.token.balanceOf(f.licensee.address);
      const grant = await buyLicence(f.ledger, f.licensee, f.workId, index, terms, 0n);
      expect(await f.ledger.balanceOf(f.licensee.address, grant.grantId)).to.equal(1n);
      expect(await f.token.balanceOf(f.licensee.address)).to.equal(before);
      expect(await f.ledger.owed(f.artisan.address, f.tokenAddress)).to.equal(0n);
    });

    it("gives the next token id 2", async () => {
      const f = await networkHelpers.loadFixture(deployMarket);
      const next = await unlistedToken();
      expect(await f.ledger.isCurrencyAllowed(next)).to.equal(false);
      const t = await nextBlockAt();
      await expect(f.ledger.connect(f.admin).allowCurrency(next, true))
        .to.emit(f.ledger, "CurrencyAllowed")
        .withArgs(next, 2, true, t);
      expect(await f.ledger.currencyOf(2)).to.equal(next);
      expect(await f.ledger.isCurrencyAllowed(next)).to.equal(true);
    });

    it("disallowing and re-allowing keeps the token's id", async () => {
      const f = await networkHelpers.loadFixture(deployMarket);
      const t1 = await nextBlockAt();
      await expect(f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, false))
        .to.emit(f.ledger, "CurrencyAllowed")
        .withArgs(f.tokenAddress, 1, false, t1);
      expect(await f.ledger.isCurrencyAllowed(f.tokenAddress)).to.equal(false);
      expect(await f.ledger.currencyOf(1)).to.equal(f.tokenAddress);
      const t2 = await nextBlockAt();
      await expect(f.ledger.connect(f.admin).allowCurrency(f.tokenAddress, true))
        .to.emit(f.ledger, "CurrencyAllowed")
        .withArgs(f.tokenAddress, 1, true, t2);
      const next = await unlistedToken();
      const t3 = await nextBlockAt();
      await expect(f.ledger.connect(f.admin).allowCurrency(next, true))
        .to.emit(f.ledger, "CurrencyAllowed")
        .withArgs(next, 2, true, t3);
    });

    it("the native coin is id 0 and always allowed; an unused id names no token", async () => {
      const f = await networkHelpers.loadFixture(deployMarket);
      expect(await f.ledger.currencyOf(0)).to.equal(zeroAddress);
      expect(await f.ledger.isCurrencyAllowed(NATIVE)).to.equal(true);
      expect(await f.ledger.currencyOf(2)).to.equal(zeroAddress);
    });

    it("refuses the zero address with InvalidCurrency", async () => {
      const f = await networkHelpers.loadFixture(deployMarket);
      await expect(f.ledger.connect(f.admin).allowCurrency(zeroAddress, true))
        .to.be.revertedWithCustomError(f.ledger, "InvalidCurrency")
        .withArgs(zeroAddress);
    });

    it("refuses an account without code with InvalidCurrency", async () => {
      const f = await networkHelpers.loadFixture(deployMarket);
      await expect(f.ledger.connect(f.admin).allowCurrency(f.other.address, true))
        .to.be.revertedWithCustomError(f.ledger, "InvalidCurrency")
        .withArgs(f.other.address);
      expect(await f.ledger.isCurrencyAllowed(f.other.address)).to.equal(false);
    });

    it("refuses anyone but the admin with AccessControlUnauthorizedAccount", async () => {
      const f = await networkHelpers.loadFixture(deployMarket);
      const next = await unlistedToken();
      await expect(f.ledger.connect(f.artisan).allowCurrency(next, true))
        .to.be.revertedWithCustomError(f.ledger, "AccessControlUnauthorizedAccount")
        .withArgs(f.artisan.address, zeroHash);
      expect(await f.ledger.isCurrencyAllowed(next)).to.equal(false);
    });
  });

  describe("hostile tokens", () => {
    /** Deploys a test token contract, allows it on the ledger and publishes a 1,000-unit offer priced in it. */
    async function offerIn<T>(f: WorkFixture, name: "FeeOnTransferToken" | "FalseReturningToken") {
      const hostile = (await ethers.deployContract(name)) as unknown as T;
      const address = (await (hostile as { getAddress(): Promise<string> }).getAddress()) as Address;
      await f.ledger.connect(f.admin).allowCurrency(address, true);
      const terms = licenceTerms({ currency: address });
      const index = await createOffer(f.ledger, f.artisan, f.workId, terms, 1_000n);
      const buy = () =>
        f.ledger.connect(f.licensee).buyLicence(f.workId, index, termsHashOf(terms), 1_000n, f.licensee.address);
      return { hostile, address, index, buy };
    }

    it("a fee-on-transfer token is refused at payment with TransferShortfall, and nothing is sold", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const { hostile, address, index, buy } = await offerIn<FeeOnTransferToken>(f, "FeeOnTransferToken");
      await hostile.mint(f.licensee.address, 10_000n);
      await hostile.connect(f.licensee).approve(f.ledgerAddress, 10_000n);
      await expect(buy()).to.be.revertedWithCustomError(f.ledger, "TransferShortfall").withArgs(address, 1_000n, 990n);
      expect((await f.ledger.offerOf(f.workId, index)).sold).to.equal(0n);
      expect(await hostile.balanceOf(f.licensee.address)).to.equal(10_000n);
    });

    it("a false-returning token without balance is refused with SafeERC20FailedOperation", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const { hostile, address, index, buy } = await offerIn<FalseReturningToken>(f, "FalseReturningToken");
      await hostile.connect(f.licensee).approve(f.ledgerAddress, 10_000n);
      await hostile.mint(f.licensee.address, 999n);
      await expect(buy()).to.be.revertedWithCustomError(f.ledger, "SafeERC20FailedOperation").withArgs(address);
      expect((await f.ledger.offerOf(f.workId, index)).sold).to.equal(0n);
    });

    it("a false-returning token without allowance is refused with SafeERC20FailedOperation", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const { hostile, address, buy } = await offerIn<FalseReturningToken>(f, "FalseReturningToken");
      await hostile.mint(f.licensee.address, 10_000n);
      await hostile.connect(f.licensee).approve(f.ledgerAddress, 999n);
      await expect(buy()).to.be.revertedWithCustomError(f.ledger, "SafeERC20FailedOperation").withArgs(address);
    });

    it("a false-returning token with balance and allowance pays, and the revenue is withdrawable", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const { hostile, address, index, buy } = await offerIn<FalseReturningToken>(f, "FalseReturningToken");
      await hostile.mint(f.licensee.address, 10_000n);
      await hostile.connect(f.licensee).approve(f.ledgerAddress, 1_000n);
      await buy();
      expect((await f.ledger.offerOf(f.workId, index)).sold).to.equal(1n);
      expect(await hostile.balanceOf(f.ledgerAddress)).to.equal(1_000n);
      expect(await hostile.balanceOf(f.licensee.address)).to.equal(9_000n);
      expect(await owedOf(f.ledger, [f.artisan.address, f.treasury.address], address)).to.deep.equal([975n, 25n]);
      await f.ledger.connect(f.artisan).withdraw(address);
      expect(await hostile.balanceOf(f.artisan.address)).to.equal(975n);
    });
  });

  describe("reentrancy", () => {
    /** A Reenterer, sole payee of the work's split, owed the net of a 1,000 wei sale. */
    async function deployOwedReenterer() {
      const f = await deployWithWork();
      const reenterer = (await ethers.deployContract("Reenterer")) as unknown as Reenterer;
      const reentererAddress = (await reenterer.getAddress()) as Address;
      await f.ledger.connect(f.artisan).setSplits(f.workId, [{ account: reentererAddress, shareBps: BPS }]);
      await sell(f, 1_000n);
      await f.ledger.release(f.workId, 1, NATIVE);
      const withdrawCall = f.ledger.interface.encodeFunctionData("withdraw", [NATIVE]);
      return { ...f, reenterer, reentererAddress, withdrawCall };
    }

    it("a withdrawal whose recipient re-enters withdraw fails with NativeTransferFailed, keeping what is owed", async () => {
      const f = await networkHelpers.loadFixture(deployOwedReenterer);
      expect(await f.ledger.owed(f.reentererAddress, NATIVE)).to.equal(975n);
      await f.reenterer.arm(f.ledgerAddress, f.withdrawCall);
      await expect(f.reenterer.forward(f.ledgerAddress, 0n, f.withdrawCall))
        .to.be.revertedWithCustomError(f.ledger, "NativeTransferFailed")
        .withArgs(f.reentererAddress, 975n);
      expect(await f.ledger.owed(f.reentererAddress, NATIVE)).to.equal(975n);
      expect(await ethers.provider.getBalance(f.reentererAddress)).to.equal(0n);
    });

    it("the same contract, unarmed, withdraws normally", async () => {
      const f = await networkHelpers.loadFixture(deployOwedReenterer);
      const t = await nextBlockAt();
      await expect(f.reenterer.forward(f.ledgerAddress, 0n, f.withdrawCall))
        .to.emit(f.ledger, "Withdrawn")
        .withArgs(f.reentererAddress, NATIVE, 975n, f.reentererAddress, t);
      expect(await ethers.provider.getBalance(f.reentererAddress)).to.equal(975n);
      expect(await f.ledger.owed(f.reentererAddress, NATIVE)).to.equal(0n);
    });

    it("a licensee re-entering buyLicence from onERC1155Received is refused, and nothing is sold", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const reenterer = (await ethers.deployContract("Reenterer")) as unknown as Reenterer;
      const reentererAddress = await reenterer.getAddress();
      const terms = licenceTerms();
      const index = await createOffer(f.ledger, f.artisan, f.workId, terms, 1_000n);
      const buyCall = f.ledger.interface.encodeFunctionData("buyLicence", [
        f.workId,
        index,
        termsHashOf(terms),
        1_000n,
        reentererAddress,
      ]);
      await reenterer.arm(f.ledgerAddress, buyCall);
      await expect(
        reenterer.connect(f.licensee).forward(f.ledgerAddress, 1_000n, buyCall, { value: 1_000n }),
      ).to.be.revertedWithCustomError(f.ledger, "ReentrancyGuardReentrantCall");
      expect((await f.ledger.offerOf(f.workId, index)).sold).to.equal(0n);
      expect(await owedOf(f.ledger, [f.artisan.address, f.treasury.address])).to.deep.equal([0n, 0n]);
      expect(await ethers.provider.getBalance(f.ledgerAddress)).to.equal(0n);
      expect(await reenterer.reentered()).to.equal(false);
    });
  });

  describe("value conservation", () => {
    /** The ledger's balance in `currency` equals everything owed plus every split pot's unreleased revenue. */
    async function expectConserved(f: WorkFixture, versions: readonly number[], currency: Address): Promise<void> {
      const accounts = (await ethers.getSigners()).map((s) => s.address);
      const owed = (await owedOf(f.ledger, accounts, currency)).reduce((a, b) => a + b, 0n);
      let unreleased = 0n;
      for (const v of versions) unreleased += (await revenue(f, v, currency))[1];
      const balance =
        currency === NATIVE
          ? await ethers.provider.getBalance(f.ledgerAddress)
          : await f.token.balanceOf(f.ledgerAddress);
      expect(balance).to.equal(owed + unreleased);
    }

    it("after sales, renewals, split changes, releases and withdrawals, balances equal owed plus unreleased", async () => {
      const f = await networkHelpers.loadFixture(deployWithWork);
      const check = async (versions: readonly number[]) => {
        await expectConserved(f, versions, NATIVE);
        await expectConserved(f, versions, f.tokenAddress);
      };
      const second = await registerWork(f.registry, f.coop);
      await f.ledger.connect(f.artisan).setSplits(f.workId, threeWay(f));
      const native = await sell(f, 1_000_003n);
      const erc20 = await sell(f, 777_777n, f.tokenAddress);
      await sell({ ...f, workId: second }, 333_331n, NATIVE, f.coop, f.buyer);
      await sell({ ...f, workId: second }, 55_555n, f.tokenAddress, f.coop, f.buyer);
      await check([1]);

      await f.ledger.connect(f.other).renewLicence(native, 1_000_003n, { value: 1_000_003n });
      await f.ledger.connect(f.buyer).renewLicence(erc20, 777_777n);
      await check([1]);

      await f.ledger.connect(f.artisan).setSplits(f.workId, [
        { account: f.artisan.address, shareBps: 3_333 },
        { account: f.lender.address, shareBps: 6_667 },
      ]);
      await sell(f, 999_999_999_999_999_997n);
      await sell(f, 12_345n, f.tokenAddress);
      await check([1, 2]);

      await f.ledger.release(f.workId, 1, NATIVE);
      await f.ledger.release(f.workId, 2, f.tokenAddress);
      await check([1, 2]);

      await f.ledger.connect(f.coop).withdraw(NATIVE);
      await f.ledger.connect(f.treasury).withdraw(NATIVE);
      await f.ledger.connect(f.artisan).withdraw(f.tokenAddress);
      await f.ledger.connect(f.admin).setPlatformFee(f.custodian.address, 1_000);
      await sell(f, 10_000n);
      await f.ledger.release(f.workId, 2, NATIVE);
      await f.ledger.release(f.workId, 1, f.tokenAddress);
      await f.ledger.connect(f.lender).withdraw(NATIVE);
      await check([1, 2]);
    });
  });
});
