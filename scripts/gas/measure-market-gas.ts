// Measures the gas of licensing and exchange operations for `npm run bench:gas`.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse, Signer } from "ethers";
import { type Address, type Hex, keccak256, toHex, zeroAddress } from "viem";
import { ALL_FIELDS, LicenceKind, type LicenceTerms, termsHashOf, territoryOf, usesOf } from "../../core/licence.ts";
import type { Registration } from "../../core/registration.ts";
import { deployTitlechain } from "../deploy/titlechain.ts";

/** Gas of each licensing and exchange operation, keyed as in `npm run bench:gas`. */
export type MarketGas = {
  createOffer: number;
  buyLicence: number;
  renewLicence: number;
  listWork: number;
  buyWork: number;
  withdraw: number;
  buyLicenceDerivative: number;
  createOfferAfter300Sublicences: number;
};

/** Figures reported beside the targeted ones: other ordinary cases of the same operations. */
export type MarketGasDetail = {
  createOfferWorldwide: number;
  createOfferThreeWords: number;
  buyLicenceNoAdapt: number;
  buyLicenceErc20: number;
  release3: number;
  acceptBid: number;
  buyWorkDerivative: number;
  withdrawFor: number;
  createOfferFullBook: number;
  buyLicenceRoyaltyChain8: number;
};

const YEAR = 365 * 86_400;

/**
 * Measures the licence ledger and the exchange from transaction receipts on a fresh deployment, with a 2.5% platform
 * fee. Each operation runs in its most expensive ordinary case:
 * - createOffer: the first offer of a work (its ledger record is new), territory one country (one set word);
 * - buyLicence: native coin, a split of three payees in force, a licensee that never held a licence, terms that
 *   include adaptation (the holder's derivative index is written too);
 * - renewLicence: a one-year grant renewed within its last term;
 * - listWork: a first listing of the work;
 * - buyWork: native coin, royalty receiver, seller and buyer all new to the exchange and the buyer new to the registry;
 * - withdraw: a payee withdrawing its whole native balance;
 * - buyLicenceDerivative: as buyLicence, of a derivative that owes its one parent 5% (the parent's split pot in force
 *   and already holding revenue);
 * - createOfferAfter300Sublicences: a work's new offer (one country) after 300 sublicences were issued on it.
 * Two bounds in the detail: an exclusive offer checked against a full book (63 open offers, each reading its three
 * territory words), and a licence of a derivative at the end of a chain of eight royalty edges.
 */
export async function measureMarketGas(ethers: HardhatEthers): Promise<MarketGas & { detail: MarketGasDetail }> {
  const [admin, treasury, artisan, coop, custodian, collector] = (await ethers.getSigners()) as HardhatEthersSigner[];
  if (!admin || !treasury || !artisan || !coop || !custodian || !collector) throw new Error("need six accounts");
  const { registry, ledger, exchange } = await deployTitlechain(ethers, admin);
  await (await ledger.connect(admin).setPlatformFee(treasury.address, 250)).wait();
  await (await exchange.connect(admin).setPlatformFee(treasury.address, 250)).wait();
  const token = await ethers.deployContract("TestToken", ["Yuan Stable", "CNYS", 18], admin);
  await (await ledger.connect(admin).allowCurrency(await token.getAddress(), true)).wait();

  let serial = 0;
  const next = (label: string) => keccak256(toHex(`${label}-${serial++}`));
  const cid = () => `0x01551220${next("cid").slice(2)}` as Hex;
  const fresh = async () => {
    const wallet = ethers.Wallet.createRandom(ethers.provider);
    await (await admin.sendTransaction({ to: wallet.address, value: ethers.parseEther("100") })).wait();
    return wallet;
  };
  const register = async (owner: { address: string }, royaltyReceiver: string = zeroAddress) => {
    const r: Registration = {
      to: owner.address as Address,
      contentHash: next("content"),
      metadataCid: cid(),
      royaltyReceiver: royaltyReceiver as Address,
      royaltyBps: 500,
      parents: [],
    };
    await (await registry.connect(artisan).register(r)).wait();
    return BigInt(r.contentHash);
  };
  const terms = (overrides: Partial<LicenceTerms> = {}): LicenceTerms => ({
    kind: LicenceKind.NonExclusive,
    uses: usesOf(["reproduce", "distribute", "display", "adapt", "commercial"]),
    fields: ALL_FIELDS,
    transferable: false,
    worldwide: false,
    territory: territoryOf(["CN"]),
    start: 0,
    end: 0,
    duration: YEAR,
    supply: 0,
    derivativeRoyaltyBps: 300,
    currency: zeroAddress,
    textHash: next("text"),
    textCid: cid(),
    ...overrides,
  });
  const price = ethers.parseEther("0.5");

  // A work with a three-payee split, and a first sale so the treasury and the pot are warm, as on a live exchange.
  const workId = await register(artisan);
  const offer = terms();
  const createOffer = await gasOf(ledger.connect(artisan).createOffer(workId, offer, price));
  await (
    await ledger.connect(artisan).setSplits(workId, [
      { account: artisan.address, shareBps: 7_000 },
      { account: coop.address, shareBps: 2_000 },
      { account: custodian.address, shareBps: 1_000 },
    ])
  ).wait();
  const hash = termsHashOf(offer);
  await (
    await ledger.connect(collector).buyLicence(workId, 0, hash, price, collector.address, { value: price })
  ).wait();

  const licensee = await fresh();
  const buyLicence = await gasOf(
    ledger.connect(licensee).buyLicence(workId, 0, hash, price, licensee.address, { value: price }),
  );

  const plain = terms({ uses: usesOf(["reproduce", "distribute", "display", "commercial"]) });
  await (await ledger.connect(artisan).createOffer(workId, plain, price)).wait();
  const other = await fresh();
  const buyLicenceNoAdapt = await gasOf(
    ledger.connect(other).buyLicence(workId, 1, termsHashOf(plain), price, other.address, { value: price }),
  );

  const paidInToken = terms({ currency: (await token.getAddress()) as Address });
  await (await ledger.connect(artisan).createOffer(workId, paidInToken, price)).wait();
  await (await token.mint(collector.address, price * 2n)).wait();
  await (await token.connect(collector).approve(await ledger.getAddress(), price * 2n)).wait();
  await (
    await ledger.connect(collector).buyLicence(workId, 2, termsHashOf(paidInToken), price, collector.address)
  ).wait();
  const buyLicenceErc20 = await gasOf(
    ledger.connect(collector).buyLicence(workId, 2, termsHashOf(paidInToken), price, other.address),
  );

  // Renew the first licensee's grant within its last term.
  await ethers.provider.send("evm_increaseTime", [YEAR - 30 * 86_400]);
  const renewLicence = await gasOf(
    ledger.connect(licensee).renewLicence({ workId, offerIndex: 0, serial: 2 }, price, { value: price }),
  );

  const release3 = await gasOf(ledger.connect(custodian).release(workId, 1, zeroAddress));
  const withdraw = await gasOf(ledger.connect(coop).withdraw(zeroAddress));

  const worldWork = await register(artisan);
  const createOfferWorldwide = await gasOf(
    ledger.connect(artisan).createOffer(worldWork, terms({ worldwide: true, territory: [0n, 0n, 0n] }), price),
  );
  const chinaWork = await register(artisan);
  const createOfferThreeWords = await gasOf(
    ledger.connect(artisan).createOffer(chinaWork, terms({ territory: territoryOf(["CN", "HK", "MO", "TW"]) }), price),
  );

  // The exchange: a collector resells a work whose royalty goes to its creator.
  const seller = await fresh();
  const sold = await register(seller, (await fresh()).address);
  await (await registry.connect(seller).setApprovalForAll(await exchange.getAddress(), true)).wait();
  const salePrice = ethers.parseEther("10");
  const listWork = await gasOf(exchange.connect(seller).listWork(sold, zeroAddress, salePrice, 0));
  const buyer = await fresh();
  const encumbrances = async (workId: bigint) => (await registry.titleOf(workId)).encumbrances;
  const buyWork = await gasOf(
    exchange.connect(buyer).buyWork(sold, zeroAddress, salePrice, await encumbrances(sold), { value: salePrice }),
  );

  const bidder = await fresh();
  await (await registry.connect(buyer).setApprovalForAll(await exchange.getAddress(), true)).wait();
  await (await exchange.connect(bidder).placeBid(sold, zeroAddress, salePrice, 0, { value: salePrice })).wait();
  const acceptBid = await gasOf(exchange.connect(buyer).acceptBid(sold, bidder.address, zeroAddress, salePrice));
  const withdrawFor = await gasOf(exchange.connect(collector).withdrawFor(buyer.address, zeroAddress));

  // A derivative: the licensee of an adapt licence (5% derivative royalty) of `workId` registers its adaptation,
  // sets a three-payee split and sells licences of it; the parent's pot already holds revenue.
  const adaptTerms = terms({ derivativeRoyaltyBps: 500 });
  const adaptIndex = Number(await ledger.offerCount(workId));
  await (await ledger.connect(artisan).createOffer(workId, adaptTerms, price)).wait();
  const adapter = await fresh();
  await (
    await ledger
      .connect(adapter)
      .buyLicence(workId, adaptIndex, termsHashOf(adaptTerms), price, adapter.address, { value: price })
  ).wait();
  const derivative: Registration = {
    to: adapter.address as Address,
    contentHash: next("content"),
    metadataCid: cid(),
    royaltyReceiver: zeroAddress,
    royaltyBps: 500,
    parents: [workId],
  };
  await (await registry.connect(adapter).register(derivative)).wait();
  const derivativeId = BigInt(derivative.contentHash);
  const derivativeOffer = terms();
  await (await ledger.connect(adapter).createOffer(derivativeId, derivativeOffer, price)).wait();
  await (
    await ledger.connect(adapter).setSplits(derivativeId, [
      { account: adapter.address, shareBps: 7_000 },
      { account: coop.address, shareBps: 2_000 },
      { account: custodian.address, shareBps: 1_000 },
    ])
  ).wait();
  const derivativeHash = termsHashOf(derivativeOffer);
  await (
    await ledger
      .connect(collector)
      .buyLicence(derivativeId, 0, derivativeHash, price, collector.address, { value: price })
  ).wait();
  const derivativeLicensee = await fresh();
  const buyLicenceDerivative = await gasOf(
    ledger
      .connect(derivativeLicensee)
      .buyLicence(derivativeId, 0, derivativeHash, price, derivativeLicensee.address, { value: price }),
  );
  // The derivative itself sold on the exchange: its parent's royalty is paid into the ledger.
  await (await registry.connect(adapter).setApprovalForAll(await exchange.getAddress(), true)).wait();
  await (await exchange.connect(adapter).listWork(derivativeId, zeroAddress, salePrice, 0)).wait();
  const derivativeBuyer = await fresh();
  const buyWorkDerivative = await gasOf(
    exchange
      .connect(derivativeBuyer)
      .buyWork(derivativeId, zeroAddress, salePrice, await encumbrances(derivativeId), { value: salePrice }),
  );

  // 300 sublicences under one grant, then a new offer of the same work.
  const sublicensed = await register(artisan);
  const sublicensable = terms({
    uses: usesOf(["reproduce", "sublicense"]),
    duration: 0,
    derivativeRoyaltyBps: 0,
  });
  await (await ledger.connect(artisan).createOffer(sublicensed, sublicensable, 0n)).wait();
  const distributor = await fresh();
  await (
    await ledger.connect(distributor).buyLicence(sublicensed, 0, termsHashOf(sublicensable), 0n, distributor.address)
  ).wait();
  const parentRef = { workId: sublicensed, offerIndex: 0, serial: 1 };
  for (let i = 0; i < 300; i++) {
    await (
      await ledger.connect(distributor).issueSublicence(parentRef, ethers.Wallet.createRandom().address, {
        uses: usesOf(["reproduce"]),
        fields: ALL_FIELDS,
        transferable: false,
        worldwide: false,
        territory: territoryOf(["CN"]),
        start: 0,
        end: 0,
        textHash: next("text"),
        textCid: cid(),
      })
    ).wait();
  }
  const createOfferAfter300Sublicences = await gasOf(
    ledger.connect(artisan).createOffer(sublicensed, terms({ territory: territoryOf(["HK"]) }), price),
  );

  // The most an exclusivity check reads: 63 open offers whose territories fill all three words, none meeting the new one.
  const crowded = await register(artisan);
  for (let i = 0; i < 63; i++) {
    await (
      await ledger.connect(artisan).createOffer(crowded, terms({ territory: territoryOf(["AD", "NA", "ZA"]) }), price)
    ).wait();
  }
  const createOfferFullBook = await gasOf(
    ledger
      .connect(artisan)
      .createOffer(crowded, terms({ kind: LicenceKind.Exclusive, supply: 1, territory: territoryOf(["ZZ"]) }), price),
  );

  // A chain of eight royalty edges: each work derives, under a 1% licence, from the one before.
  let chainHolder: Signer = artisan;
  let chainWork = await register(artisan);
  for (let edge = 0; edge < 8; edge++) {
    const adapt = terms({ derivativeRoyaltyBps: 100, duration: 0 });
    const index = Number(await ledger.offerCount(chainWork));
    await (await ledger.connect(chainHolder).createOffer(chainWork, adapt, 0n)).wait();
    const next = await fresh();
    await (await ledger.connect(next).buyLicence(chainWork, index, termsHashOf(adapt), 0n, next.address)).wait();
    const child: Registration = {
      to: next.address as Address,
      contentHash: keccak256(toHex(`chain-${edge}`)),
      metadataCid: cid(),
      royaltyReceiver: zeroAddress,
      royaltyBps: 500,
      parents: [chainWork],
    };
    await (await registry.connect(next).register(child)).wait();
    chainWork = BigInt(child.contentHash);
    chainHolder = next;
  }
  const chainOffer = terms();
  await (await ledger.connect(chainHolder).createOffer(chainWork, chainOffer, price)).wait();
  const chainBuyer = await fresh();
  const buyLicenceRoyaltyChain8 = await gasOf(
    ledger
      .connect(chainBuyer)
      .buyLicence(chainWork, 0, termsHashOf(chainOffer), price, chainBuyer.address, { value: price }),
  );

  return {
    createOffer,
    buyLicence,
    renewLicence,
    listWork,
    buyWork,
    withdraw,
    buyLicenceDerivative,
    createOfferAfter300Sublicences,
    detail: {
      createOfferWorldwide,
      createOfferThreeWords,
      buyLicenceNoAdapt,
      buyLicenceErc20,
      release3,
      acceptBid,
      buyWorkDerivative,
      withdrawFor,
      createOfferFullBook,
      buyLicenceRoyaltyChain8,
    },
  };
}

async function gasOf(sent: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await sent).wait();
  if (receipt?.status !== 1) throw new Error("benchmark transaction failed");
  return Number(receipt.gasUsed);
}
