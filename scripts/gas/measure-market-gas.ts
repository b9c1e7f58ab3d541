import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
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
};

/** Figures reported beside the targeted ones: other ordinary cases of the same operations. */
export type MarketGasDetail = {
  createOfferWorldwide: number;
  createOfferThreeWords: number;
  buyLicenceNoAdapt: number;
  buyLicenceErc20: number;
  release3: number;
  acceptBid: number;
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
 * - withdraw: a payee withdrawing its whole native balance.
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
  const buyWork = await gasOf(exchange.connect(buyer).buyWork(sold, zeroAddress, salePrice, { value: salePrice }));

  const bidder = await fresh();
  await (await registry.connect(buyer).setApprovalForAll(await exchange.getAddress(), true)).wait();
  await (await exchange.connect(bidder).placeBid(sold, zeroAddress, salePrice, 0, { value: salePrice })).wait();
  const acceptBid = await gasOf(exchange.connect(buyer).acceptBid(sold, bidder.address, zeroAddress, salePrice));

  return {
    createOffer,
    buyLicence,
    renewLicence,
    listWork,
    buyWork,
    withdraw,
    detail: { createOfferWorldwide, createOfferThreeWords, buyLicenceNoAdapt, buyLicenceErc20, release3, acceptBid },
  };
}

async function gasOf(sent: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await sent).wait();
  if (receipt?.status !== 1) throw new Error("benchmark transaction failed");
  return Number(receipt.gasUsed);
}
