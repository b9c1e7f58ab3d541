// The market fixture: registry, ledger and exchange wired as in production, users funded.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { type Address, type Hex, zeroAddress } from "viem";
import {
  ALL_FIELDS,
  type GrantRef,
  grantIdOf,
  type LicenceTerms,
  type SublicenceTerms,
  termsHashOf,
  territoryOf,
  usesOf,
} from "../../core/licence.ts";
import { workIdOf } from "../../core/registration.ts";
import { deployTitlechain } from "../../scripts/deploy/titlechain.ts";
import type { Exchange, LicenceLedger, ProvenanceRegistry, TestToken } from "../../types/ethers-contracts/index.ts";
import { ethers, metadataCid, networkHelpers, newWork, now, unique } from "../registry/fixture.ts";
import { licenceTermsWith } from "./terms.ts";

export { ethers, networkHelpers, nextBlockAt, now, unique } from "../registry/fixture.ts";

export { DAY, YEAR } from "./terms.ts";
/** The platform fee the fixture sets on both contracts: 2.5%. */
export const FEE_BPS = 250n;

export type MarketFixture = {
  registry: ProvenanceRegistry;
  ledger: LicenceLedger;
  exchange: Exchange;
  token: TestToken;
  tokenAddress: Address;
  ledgerAddress: Address;
  exchangeAddress: Address;
  admin: HardhatEthersSigner;
  arbiter: HardhatEthersSigner;
  treasury: HardhatEthersSigner;
  artisan: HardhatEthersSigner;
  coop: HardhatEthersSigner;
  custodian: HardhatEthersSigner;
  licensee: HardhatEthersSigner;
  other: HardhatEthersSigner;
  lender: HardhatEthersSigner;
  buyer: HardhatEthersSigner;
};

/**
 * Registry, ledger and exchange wired together as in production (`deployTitlechain`), a 2.5% platform fee on both to
 * `treasury`, an allowed ERC-20 (`token`, 18 decimals) minted to every user and approved to both contracts.
 */
export async function deployMarket(): Promise<MarketFixture> {
  const signers = await ethers.getSigners();
  const [admin, arbiter, treasury, artisan, coop, custodian, licensee, other, lender, buyer] = signers;
  if (!admin || !arbiter || !treasury || !artisan || !coop || !custodian || !licensee || !other || !lender || !buyer) {
    throw new Error("need ten accounts");
  }
  const { registry, ledger, exchange } = await deployTitlechain(ethers, admin);
  await registry.connect(admin).grantRole(await registry.ARBITER_ROLE(), arbiter.address);
  await ledger.connect(admin).setPlatformFee(treasury.address, Number(FEE_BPS));
  await exchange.connect(admin).setPlatformFee(treasury.address, Number(FEE_BPS));
  const token = (await ethers.deployContract("TestToken", ["Yuan Stable", "CNYS", 18], admin)) as unknown as TestToken;
  const tokenAddress = (await token.getAddress()) as Address;
  await ledger.connect(admin).allowCurrency(tokenAddress, true);
  await exchange.connect(admin).allowCurrency(tokenAddress, true);
  const ledgerAddress = (await ledger.getAddress()) as Address;
  const exchangeAddress = (await exchange.getAddress()) as Address;
  for (const user of [artisan, coop, custodian, licensee, other, lender, buyer]) {
    await token.mint(user.address, 10n ** 24n);
    await token.connect(user).approve(ledgerAddress, 2n ** 255n);
    await token.connect(user).approve(exchangeAddress, 2n ** 255n);
  }
  return {
    registry,
    ledger,
    exchange,
    token,
    tokenAddress,
    ledgerAddress,
    exchangeAddress,
    admin,
    arbiter,
    treasury,
    artisan,
    coop,
    custodian,
    licensee,
    other,
    lender,
    buyer,
  };
}

/** Registers a new work created by `creator`, held by `holder`; returns its id. */
export async function registerWork(
  registry: ProvenanceRegistry,
  creator: HardhatEthersSigner,
  holder: HardhatEthersSigner = creator,
  royaltyReceiver: string = zeroAddress,
): Promise<bigint> {
  const r = newWork(holder.address, { royaltyReceiver: royaltyReceiver as Address });
  await registry.connect(creator).register(r);
  return workIdOf(r.contentHash);
}

/** A binary raw/sha2-256 CIDv1, as a legal text or reason document would have. */
export function cid(): Hex {
  return metadataCid();
}

/** Licence terms with overrides (see ./terms.ts), with a new legal text. */
export function licenceTerms(overrides: Partial<LicenceTerms> = {}): LicenceTerms {
  return licenceTermsWith({ textHash: unique("legal-text"), textCid: cid() }, overrides);
}

/** Sublicence terms with overrides: reproduce and display in China, every field, from now, perpetual. */
export function sublicenceTerms(overrides: Partial<SublicenceTerms> = {}): SublicenceTerms {
  return {
    uses: usesOf(["reproduce", "display"]),
    fields: ALL_FIELDS,
    transferable: false,
    worldwide: false,
    territory: territoryOf(["CN"]),
    start: 0,
    end: 0,
    textHash: unique("sublicence-text"),
    textCid: cid(),
    ...overrides,
  };
}

/** Publishes an offer of `workId` by its holder; returns the offer index. */
export async function createOffer(
  ledger: LicenceLedger,
  holder: HardhatEthersSigner,
  workId: bigint,
  terms: LicenceTerms,
  price: bigint,
): Promise<number> {
  const index = Number(await ledger.offerCount(workId));
  await ledger.connect(holder).createOffer(workId, terms, price);
  return index;
}

/** Buys one licence of an offer for `buyer` itself, paying in the offer's currency; returns the grant coordinates. */
export async function buyLicence(
  ledger: LicenceLedger,
  buyer: HardhatEthersSigner,
  workId: bigint,
  offerIndex: number,
  terms: LicenceTerms,
  price: bigint,
): Promise<GrantRef & { grantId: bigint }> {
  const offer = await ledger.offerOf(workId, offerIndex);
  const serial = Number(offer.sold) + 1;
  const value = terms.currency === zeroAddress ? price : 0n;
  await ledger.connect(buyer).buyLicence(workId, offerIndex, termsHashOf(terms), price, buyer.address, { value });
  const ref = { workId, offerIndex, serial };
  return { ...ref, grantId: grantIdOf(ref) };
}

/** The latest block time as a number. */
export async function nowSeconds(): Promise<number> {
  return Number(await now());
}

/** Moves the chain's clock forward. */
export async function increaseTime(seconds: number): Promise<void> {
  await networkHelpers.time.increase(seconds);
}

/** The fee and net of a price under the fixture's fee. */
export function feeOf(price: bigint): { fee: bigint; net: bigint } {
  const fee = (price * FEE_BPS) / 10_000n;
  return { fee, net: price - fee };
}
