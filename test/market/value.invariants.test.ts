// Property test of money: every wei paid into the ledger or the exchange is owed to someone, awaits release, or sits in a bid.

import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import fc from "fast-check";
import { zeroAddress } from "viem";
import { type GrantRef, GrantStatus, grantIdOf, type LicenceTerms, termsHashOf } from "../../core/licence.ts";
import { buyLicence, createOffer, DAY, increaseTime, licenceTerms, nextBlockAt } from "./fixture.ts";
import {
  accountsOf,
  aimAt,
  assertSequences,
  dispatch,
  type Handlers,
  pick,
  pickOptional,
  signerOf,
  titleOf,
  tradersOf,
} from "./sequences.ts";
import {
  balanceOf,
  currencyOf,
  deployTrading,
  feeOn,
  type Pot,
  parentRoyaltyOn,
  paymentsOf,
  potOf,
  royaltyCredits,
  sumOwed,
  type Trading,
} from "./trading.ts";

type TradeState = {
  f: Trading;
  /** The latest offer per work and currency (a new holder makes a new one: the old one is void). */
  offers: Map<string, { index: number; terms: LicenceTerms; moves: bigint; price: bigint }>;
  grants: { ref: GrantRef; grantId: bigint; token: boolean }[];
  /** What each contract should hold per currency: paid in minus paid out, counted command by command. */
  held: Record<"ledger" | "exchange", Record<Pot, bigint>>;
  /** Whether each contract allows the ERC-20 now (the native coin always is). */
  allowed: Record<"ledger" | "exchange", boolean>;
};

const awkwardPrice = fc.oneof(
  fc.constantFrom(0n, 1n, 39n, 40n, 9_999n, 10_001n, 2n ** 64n + 1n, 10n ** 20n - 1n),
  fc.bigInt({ min: 0n, max: 10n ** 20n }),
);
const positivePrice = awkwardPrice.map((p) => (p === 0n ? 1n : p));
const workArb = fc.nat(3);
const traderArb = fc.nat(6);
const accountArb = fc.nat(9);
/** 0 to 4 distinct payees with positive shares summing to 10,000 (cut points of [0, 10000]). */
const payeesArb = fc
  .record({
    accounts: fc.uniqueArray(accountArb, { maxLength: 4 }),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 9_999 }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ accounts, cuts }) => {
    const bounds = [0, ...cuts.slice(0, Math.max(accounts.length - 1, 0)).sort((a, b) => a - b), 10_000];
    return accounts.map((account, i) => ({ account, shareBps: (bounds[i + 1] ?? 0) - (bounds[i] ?? 0) }));
  });

const tradeCommand = fc.oneof(
  {
    arbitrary: fc.record({
      t: fc.constant("buyLicence"),
      work: workArb,
      token: fc.boolean(),
      price: awkwardPrice,
      buyer: traderArb,
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant("renewLicence"), grant: fc.nat(), payer: traderArb }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("setSplits"), work: workArb, payees: payeesArb }), weight: 2 },
  {
    arbitrary: fc.record({
      t: fc.constant("release"),
      aim: fc.boolean(),
      pick: fc.nat(),
      work: workArb,
      version: fc.nat(),
      token: fc.boolean(),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("withdraw"),
      aim: fc.boolean(),
      pick: fc.nat(),
      account: accountArb,
      exchange: fc.boolean(),
      token: fc.boolean(),
      /** Pushed by another account (withdrawFor) rather than withdrawn by the account itself. */
      pushedBy: fc.option(accountArb, { nil: undefined }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("setPlatformFee"),
      exchange: fc.boolean(),
      feeBps: fc.integer({ min: 0, max: 1_000 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ t: fc.constant("allowCurrency"), exchange: fc.boolean(), allowed: fc.boolean() }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ t: fc.constant("listWork"), work: workArb, token: fc.boolean(), price: positivePrice }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("buyWork"),
      aim: fc.boolean(),
      pick: fc.nat(),
      work: workArb,
      buyer: traderArb,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("placeBid"),
      work: workArb,
      bidder: traderArb,
      token: fc.boolean(),
      amount: positivePrice,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("withdrawBid"),
      aim: fc.boolean(),
      pick: fc.nat(),
      work: workArb,
      bidder: traderArb,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      t: fc.constant("acceptBid"),
      aim: fc.boolean(),
      pick: fc.nat(),
      work: workArb,
      bidder: traderArb,
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ t: fc.constant("wait"), days: fc.integer({ min: 1, max: 40 }) }), weight: 1 },
);
type TradeCommand = typeof tradeCommand extends fc.Arbitrary<infer C> ? C : never;

/** Split versions with payees and revenue awaiting release. */
async function releasable(f: Trading): Promise<{ work: number; version: number; token: boolean }[]> {
  const found = [];
  for (const [work, workId] of f.works.entries()) {
    const [current] = await f.ledger.currentSplit(workId);
    for (let version = 1; version <= Number(current); version += 1) {
      const [, payees] = await f.ledger.splitOf(workId, version);
      for (const token of [false, true]) {
        const [, unreleased] = await f.ledger.revenueOf(workId, version, currencyOf(f, token));
        if (payees.length > 0 && unreleased > 0n) found.push({ work, version, token });
      }
    }
  }
  return found;
}

/** Balances some account can withdraw. */
async function withdrawable(f: Trading): Promise<{ account: number; exchange: boolean; token: boolean }[]> {
  const found = [];
  for (const [account, signer] of accountsOf(f).entries()) {
    for (const exchange of [false, true]) {
      for (const token of [false, true]) {
        const owed = await paymentsOf(f, exchange).contract.owed(signer.address, currencyOf(f, token));
        if (owed > 0n) found.push({ account, exchange, token });
      }
    }
  }
  return found;
}

/** Works with a listing (valid or void). */
async function listed(f: Trading): Promise<{ work: number }[]> {
  const found = [];
  for (const [work, workId] of f.works.entries()) {
    if ((await f.exchange.listingOf(workId)).price !== 0n) found.push({ work });
  }
  return found;
}

async function openBids(f: Trading): Promise<{ work: number; bidder: number }[]> {
  const found = [];
  for (const [work, workId] of f.works.entries()) {
    for (const [bidder, signer] of tradersOf(f).entries()) {
      if ((await f.exchange.bidOf(workId, signer.address)).amount !== 0n) found.push({ work, bidder });
    }
  }
  return found;
}

/** Whether `contract` (the ledger or the exchange) refuses payments in the currency now. */
function refused(s: TradeState, contract: "ledger" | "exchange", token: boolean): boolean {
  return token && !s.allowed[contract];
}

/**
 * Checks a licence sale or renewal of `price` at the ledger's fee: the royalty in the event is the work's parents' share
 * of the price after the fee, and the `RoyaltyCredited` events to its parents add up to it.
 */
async function expectRoyaltyPaid(
  s: TradeState,
  workId: bigint,
  price: bigint,
  fee: bigint,
  sent: Promise<ContractTransactionResponse>,
) {
  const { f } = s;
  const royalty = price === 0n ? 0n : await parentRoyaltyOn(f, workId, price - fee);
  const receipt = await (await sent).wait();
  const direct = royaltyCredits(f, receipt).filter((credit) => credit.workId === workId);
  expect(
    direct.reduce((sum, credit) => sum + credit.amount, 0n),
    "royalty credited to the parents",
  ).to.equal(royalty);
}

/**
 * Sells `workId` through the exchange (`sell`), predicting the refusals of the licence ledger when the sale owes
 * the work's parents a royalty in a currency the ledger refuses; counts the money: the price stays in the exchange but
 * for the parents' royalty, which goes to the ledger.
 */
async function settleSale(
  s: TradeState,
  workId: bigint,
  seller: string,
  token: boolean,
  price: bigint,
  sell: () => Promise<ContractTransactionResponse>,
  paidNow: boolean,
): Promise<boolean> {
  const { f } = s;
  const [receiver, royalty] = await f.registry.royaltyInfo(workId, price);
  const fee = await feeOn(paymentsOf(f, true).contract, price);
  const proceeds = price - fee - (receiver !== seller ? royalty : 0n);
  const parents = await parentRoyaltyOn(f, workId, proceeds);
  if (parents > 0n && refused(s, "ledger", token)) {
    await expect(sell()).to.be.revertedWithCustomError(f.ledger, "CurrencyNotAllowed").withArgs(f.tokenAddress);
    return false;
  }
  await expect(sell())
    .to.emit(f.exchange, "WorkSold")
    .withArgs(
      workId,
      seller,
      (b: string) => b !== seller,
      !paidNow,
      currencyOf(f, token),
      price,
      receiver,
      royalty,
      fee,
      parents,
      (t: bigint) => t > 0n,
    );
  if (paidNow) s.held.exchange[potOf(token)] += price;
  s.held.exchange[potOf(token)] -= parents;
  s.held.ledger[potOf(token)] += parents;
  return true;
}

const trade: Handlers<TradeCommand, TradeState> = {
  /** Buys from the holder's current offer in the currency, made or repriced to the drawn price first. */
  async buyLicence(s, c) {
    const { f } = s;
    const workId = pick(f.works, c.work);
    const currency = currencyOf(f, c.token);
    const { owner, moves } = await titleOf(f, workId);
    const holder = signerOf(tradersOf(f), owner);
    const key = `${workId}:${currency}`;
    let offer = s.offers.get(key);
    const stale = offer === undefined || offer.moves !== moves;
    if (refused(s, "ledger", c.token)) {
      // Neither a new offer nor a sale in a currency the ledger refuses.
      const refusal = stale
        ? f.ledger.connect(holder).createOffer(workId, licenceTerms({ currency, duration: 30 * DAY }), c.price)
        : buyLicence(
            f.ledger,
            pick(tradersOf(f), c.buyer),
            workId,
            offer?.index ?? 0,
            offer?.terms ?? licenceTerms(),
            offer?.price ?? 0n,
          );
      await expect(refusal).to.be.revertedWithCustomError(f.ledger, "CurrencyNotAllowed").withArgs(currency);
      return;
    }
    if (offer === undefined || stale) {
      const terms = licenceTerms({ currency, duration: 30 * DAY });
      offer = { index: await createOffer(f.ledger, holder, workId, terms, c.price), terms, moves, price: c.price };
      s.offers.set(key, offer);
    } else if (offer.price !== c.price) {
      await f.ledger.connect(holder).repriceOffer(workId, offer.index, c.price);
      offer.price = c.price;
    }
    const fee = await feeOn(paymentsOf(f, false).contract, c.price);
    const buyer = pick(tradersOf(f), c.buyer);
    const serial = Number((await f.ledger.offerOf(workId, offer.index)).sold) + 1;
    const sent = f.ledger
      .connect(buyer)
      .buyLicence(workId, offer.index, termsHashOf(offer.terms), c.price, buyer.address, {
        value: c.token ? 0n : c.price,
      });
    await expectRoyaltyPaid(s, workId, c.price, fee, sent);
    const ref = { workId, offerIndex: offer.index, serial };
    s.grants.push({ ref, grantId: grantIdOf(ref), token: c.token });
    s.held.ledger[potOf(c.token)] += c.price;
  },

  async renewLicence(s, c) {
    const g = pickOptional(s.grants, c.grant);
    if (g === undefined) return;
    const { f } = s;
    const offer = await f.ledger.offerOf(g.ref.workId, g.ref.offerIndex);
    const { moves } = await titleOf(f, g.ref.workId);
    const { end } = await f.ledger.grantOf(g.grantId);
    const fee = await feeOn(paymentsOf(f, false).contract, offer.price);
    const at = await nextBlockAt(1n);
    const renewal = () =>
      f.ledger
        .connect(pick(tradersOf(f), c.payer))
        .renewLicence(g.ref, offer.price, { value: g.token ? 0n : offer.price });
    if (refused(s, "ledger", g.token)) {
      await expect(renewal()).to.be.revertedWithCustomError(f.ledger, "CurrencyNotAllowed").withArgs(f.tokenAddress);
    } else if (offer.moves !== moves) {
      await expect(renewal())
        .to.be.revertedWithCustomError(f.ledger, "OfferVoid")
        .withArgs(g.ref.workId, g.ref.offerIndex);
    } else if (end <= at) {
      await expect(renewal())
        .to.be.revertedWithCustomError(f.ledger, "GrantEnded")
        .withArgs(g.grantId, GrantStatus.Expired);
    } else if (end > at + offer.duration) {
      await expect(renewal())
        .to.be.revertedWithCustomError(f.ledger, "RenewalTooEarly")
        .withArgs(g.grantId, end, end - offer.duration);
    } else {
      await expectRoyaltyPaid(s, g.ref.workId, offer.price, fee, renewal());
      expect((await f.ledger.grantOf(g.grantId)).end).to.equal(end + offer.duration);
      s.held.ledger[potOf(g.token)] += offer.price;
    }
  },

  async setSplits(s, c) {
    const { f } = s;
    const workId = pick(f.works, c.work);
    const { owner } = await titleOf(f, workId);
    const accounts = accountsOf(f);
    const payees = c.payees.map((p) => ({ account: pick(accounts, p.account).address, shareBps: p.shareBps }));
    await f.ledger.connect(signerOf(tradersOf(f), owner)).setSplits(workId, payees);
    const [, inForce] = await f.ledger.currentSplit(workId);
    expect(inForce).to.equal(payees.length > 0);
  },

  /** Releases a version (0 up to the current one) in a currency. */
  async release(s, c) {
    const { f } = s;
    const target = await aimAt(c.aim, c.pick, () => releasable(f), c);
    const workId = pick(f.works, target.work);
    const currency = currencyOf(f, target.token);
    const [current] = await f.ledger.currentSplit(workId);
    const version = target.version % (Number(current) + 1);
    const release = () => f.ledger.connect(f.admin).release(workId, version, currency);
    if (version === 0) {
      await expect(release()).to.be.revertedWithCustomError(f.ledger, "UnknownSplit").withArgs(workId, 0);
      return;
    }
    const [, unreleased] = await f.ledger.revenueOf(workId, version, currency);
    const [, payees] = await f.ledger.splitOf(workId, version);
    if (unreleased === 0n || payees.length === 0) {
      await expect(release())
        .to.be.revertedWithCustomError(f.ledger, "NothingToRelease")
        .withArgs(workId, version, currency);
      return;
    }
    const ledger = paymentsOf(f, false).contract;
    const accounts = payees.map((p) => p.account);
    const before = await sumOwed(ledger, accounts, currency);
    await release();
    expect(await sumOwed(ledger, accounts, currency)).to.equal(before + unreleased);
    expect((await f.ledger.revenueOf(workId, version, currency))[1]).to.equal(0n);
  },

  /** Withdraws, or pushes (withdrawFor), what an account is owed; the money goes to the account either way. */
  async withdraw(s, c) {
    const { f } = s;
    const target = await aimAt(c.aim, c.pick, () => withdrawable(f), c);
    const { contract, address } = paymentsOf(f, target.exchange);
    const account = pick(accountsOf(f), target.account);
    const caller = c.pushedBy === undefined ? account : pick(accountsOf(f), c.pushedBy);
    const currency = currencyOf(f, target.token);
    const owed = await contract.owed(account.address, currency);
    const pay = () =>
      c.pushedBy === undefined
        ? contract.connect(account).withdraw(currency)
        : contract.connect(caller).withdrawFor(account.address, currency);
    if (owed === 0n) {
      await expect(pay())
        .to.be.revertedWithCustomError(contract, "NothingToWithdraw")
        .withArgs(account.address, currency);
      return;
    }
    const before = await balanceOf(f, address, target.token);
    const received = await balanceOf(f, account.address as `0x${string}`, target.token);
    const tx = await pay();
    const receipt = await tx.wait();
    const gas = caller === account && !target.token ? (receipt?.gasUsed ?? 0n) * (receipt?.gasPrice ?? 0n) : 0n;
    expect(await balanceOf(f, address, target.token)).to.equal(before - owed);
    expect(await balanceOf(f, account.address as `0x${string}`, target.token)).to.equal(received + owed - gas);
    expect(await contract.owed(account.address, currency)).to.equal(0n);
    s.held[target.exchange ? "exchange" : "ledger"][potOf(target.token)] -= owed;
  },

  async setPlatformFee(s, c) {
    const { f } = s;
    const { contract } = paymentsOf(f, c.exchange);
    await contract.connect(f.admin).setPlatformFee(f.treasury.address, c.feeBps);
    const [treasury, feeBps] = await contract.platformFee();
    expect(treasury).to.equal(f.treasury.address);
    expect(feeBps).to.equal(BigInt(c.feeBps));
  },

  /** The admin disallows or allows the ERC-20 again on one contract. */
  async allowCurrency(s, c) {
    const { f } = s;
    const { contract } = paymentsOf(f, c.exchange);
    await contract.connect(f.admin).allowCurrency(f.tokenAddress, c.allowed);
    s.allowed[c.exchange ? "exchange" : "ledger"] = c.allowed;
    expect(await contract.isCurrencyAllowed(f.tokenAddress)).to.equal(c.allowed);
  },

  async listWork(s, c) {
    const { f } = s;
    const workId = pick(f.works, c.work);
    const { owner } = await titleOf(f, workId);
    const list = () =>
      f.exchange.connect(signerOf(tradersOf(f), owner)).listWork(workId, currencyOf(f, c.token), c.price, 0);
    if (refused(s, "exchange", c.token)) {
      await expect(list()).to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed").withArgs(f.tokenAddress);
      return;
    }
    await list();
    expect((await f.exchange.listingOf(workId)).price).to.equal(c.price);
  },

  async buyWork(s, c) {
    const { f } = s;
    const workId = pick(f.works, (await aimAt(c.aim, c.pick, () => listed(f), c)).work);
    const listing = await f.exchange.listingOf(workId);
    const { owner, moves, encumbrances } = await f.registry.titleOf(workId);
    const buyer = pick(tradersOf(f), c.buyer);
    const token = listing.currency !== zeroAddress;
    const buy = () =>
      f.exchange
        .connect(buyer)
        .buyWork(workId, listing.currency, listing.price, encumbrances, { value: token ? 0n : listing.price });
    if (listing.price === 0n) {
      await expect(buy()).to.be.revertedWithCustomError(f.exchange, "NotListed").withArgs(workId);
    } else if (listing.moves !== moves) {
      await expect(buy()).to.be.revertedWithCustomError(f.exchange, "ListingVoid").withArgs(workId);
    } else if (refused(s, "exchange", token)) {
      await expect(buy()).to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed").withArgs(f.tokenAddress);
    } else if (buyer.address === owner) {
      await expect(buy()).to.be.revertedWithCustomError(f.exchange, "SelfPurchase").withArgs(workId, buyer.address);
    } else if (await settleSale(s, workId, owner, token, listing.price, buy, true)) {
      expect((await titleOf(f, workId)).owner).to.equal(buyer.address);
    }
  },

  async placeBid(s, c) {
    const { f } = s;
    const workId = pick(f.works, c.work);
    const bidder = pick(tradersOf(f), c.bidder);
    const { owner, encumbrances } = await f.registry.titleOf(workId);
    const existing = await f.exchange.bidOf(workId, bidder.address);
    const place = () =>
      f.exchange
        .connect(bidder)
        .placeBid(workId, currencyOf(f, c.token), c.amount, 0, { value: c.token ? 0n : c.amount });
    if (owner === bidder.address) {
      await expect(place()).to.be.revertedWithCustomError(f.exchange, "SelfPurchase").withArgs(workId, bidder.address);
    } else if (refused(s, "exchange", c.token)) {
      await expect(place()).to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed").withArgs(f.tokenAddress);
    } else if (existing.amount !== 0n) {
      await expect(place()).to.be.revertedWithCustomError(f.exchange, "BidExists").withArgs(workId, bidder.address);
    } else {
      await place();
      expect((await f.exchange.bidOf(workId, bidder.address)).encumbrances).to.equal(encumbrances);
      s.held.exchange[potOf(c.token)] += c.amount;
    }
  },

  async withdrawBid(s, c) {
    const { f } = s;
    const target = await aimAt(c.aim, c.pick, () => openBids(f), c);
    const workId = pick(f.works, target.work);
    const bidder = pick(tradersOf(f), target.bidder);
    const bid = await f.exchange.bidOf(workId, bidder.address);
    if (bid.amount === 0n) {
      await expect(f.exchange.connect(bidder).withdrawBid(workId))
        .to.be.revertedWithCustomError(f.exchange, "NoBid")
        .withArgs(workId, bidder.address);
      return;
    }
    await f.exchange.connect(bidder).withdrawBid(workId);
    expect((await f.exchange.bidOf(workId, bidder.address)).amount).to.equal(0n);
    s.held.exchange[potOf(bid.currency !== zeroAddress)] -= bid.amount;
  },

  /**
   * The holder accepts a trader's bid: refused when it is its own (placed before it came to hold the work), or when
   * the work gained an encumbrance since the bid (BidVoid).
   */
  async acceptBid(s, c) {
    const { f } = s;
    const target = await aimAt(c.aim, c.pick, () => openBids(f), c);
    const workId = pick(f.works, target.work);
    const bidder = pick(tradersOf(f), target.bidder);
    const { owner, encumbrances } = await f.registry.titleOf(workId);
    const bid = await f.exchange.bidOf(workId, bidder.address);
    const token = bid.currency !== zeroAddress;
    const accept = () =>
      f.exchange.connect(signerOf(tradersOf(f), owner)).acceptBid(workId, bidder.address, bid.currency, bid.amount);
    if (bidder.address === owner) {
      await expect(accept()).to.be.revertedWithCustomError(f.exchange, "SelfPurchase").withArgs(workId, owner);
    } else if (bid.amount === 0n) {
      await expect(accept()).to.be.revertedWithCustomError(f.exchange, "NoBid").withArgs(workId, bidder.address);
    } else if (bid.encumbrances !== encumbrances) {
      await expect(accept())
        .to.be.revertedWithCustomError(f.exchange, "BidVoid")
        .withArgs(workId, bidder.address, bid.encumbrances, encumbrances);
    } else if (refused(s, "exchange", token)) {
      await expect(accept()).to.be.revertedWithCustomError(f.exchange, "CurrencyNotAllowed").withArgs(f.tokenAddress);
    } else if (await settleSale(s, workId, owner, token, bid.amount, accept, false)) {
      expect((await titleOf(f, workId)).owner).to.equal(bidder.address);
    }
  },

  async wait(_s, c) {
    await increaseTime(c.days * DAY);
  },
};

/** Balance of each contract in each currency = what accounts can withdraw + what awaits release or sits in bids. */
async function expectValueConserved(s: TradeState): Promise<void> {
  const { f } = s;
  const accounts = accountsOf(f).map((a) => a.address);
  for (const token of [false, true]) {
    const currency = currencyOf(f, token);
    const pot = potOf(token);
    let unreleased = 0n;
    let escrowed = 0n;
    for (const workId of f.works) {
      const [current] = await f.ledger.currentSplit(workId);
      for (let version = 0n; version <= current; version += 1n) {
        unreleased += (await f.ledger.revenueOf(workId, version, currency))[1];
      }
      for (const bidder of tradersOf(f)) {
        const bid = await f.exchange.bidOf(workId, bidder.address);
        if (bid.currency === currency) escrowed += bid.amount;
      }
    }
    const ledger = await balanceOf(f, f.ledgerAddress, token);
    const exchange = await balanceOf(f, f.exchangeAddress, token);
    expect(ledger, `ledger ${pot}: paid in minus paid out`).to.equal(s.held.ledger[pot]);
    expect(ledger, `ledger ${pot}: owed plus unreleased`).to.equal(
      (await sumOwed(paymentsOf(f, false).contract, accounts, currency)) + unreleased,
    );
    expect(exchange, `exchange ${pot}: paid in minus paid out`).to.equal(s.held.exchange[pot]);
    expect(exchange, `exchange ${pot}: owed plus open bids`).to.equal(
      (await sumOwed(paymentsOf(f, true).contract, accounts, currency)) + escrowed,
    );
  }
}

describe("LicenceLedger and Exchange: value conservation", () => {
  it("conserves value through royalty lineages: each contract holds what is owed plus unreleased revenue and open bids", async () => {
    await assertSequences(tradeCommand, [10, 25], deployTrading, { numRuns: 25 }, async (f, commands) => {
      const s: TradeState = {
        f,
        offers: new Map(),
        grants: [],
        held: { ledger: { native: 0n, token: 0n }, exchange: { native: 0n, token: 0n } },
        allowed: { ledger: true, exchange: true },
      };
      for (const c of commands) await dispatch(trade, s, c);
      await expectValueConserved(s);
    });
  });
});
