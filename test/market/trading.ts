// The trading world of the value-conservation property test: works with a royalty lineage, and the money reads it checks.
import type { ContractTransactionReceipt } from "ethers";
import { type Address, zeroAddress } from "viem";
import { termsHashOf, usesOf } from "../../core/licence.ts";
import { workIdOf } from "../../core/registration.ts";
import type { Payments } from "../../types/ethers-contracts/index.ts";
import { newWork } from "../registry/fixture.ts";
import { createOffer, deployMarket, ethers, licenceTerms, type MarketFixture, registerWork } from "./fixture.ts";
import type { Signer } from "./sequences.ts";
import { tradersOf } from "./sequences.ts";

export type Trading = MarketFixture & {
  /** A (artisan), B (cooperative), D1 (licensee; derives from A, owes it 10%), D2 (other; derives from D1 owing it
   * 5%, and from B owing it 20%). */
  works: bigint[];
};

/** Royalty rates of the lineage: D1 owes A, D2 owes D1 and B. */
export const LINEAGE_BPS = { a: 1_000, d1: 500, b: 2_000 } as const;

/** `licensee` buys, for itself and for free, an adapt licence of `workId` from its holder, with `royaltyBps`. */
async function adaptLicence(f: MarketFixture, holder: Signer, workId: bigint, licensee: Signer, royaltyBps: number) {
  const terms = licenceTerms({ uses: usesOf(["reproduce", "adapt"]), derivativeRoyaltyBps: royaltyBps, duration: 0 });
  const index = await createOffer(f.ledger, holder, workId, terms, 0n);
  await f.ledger.connect(licensee).buyLicence(workId, index, termsHashOf(terms), 0n, licensee.address);
}

/** `registrant` registers a derivative of `parents`, which it holds adapt licences of. */
async function registerDerivative(f: MarketFixture, registrant: Signer, parents: bigint[]): Promise<bigint> {
  const r = newWork(registrant.address, { parents });
  await f.registry.connect(registrant).register(r);
  return workIdOf(r.contentHash);
}

/**
 * Four works and the lineage between them (see {Trading}); every trader lets the exchange move its works. The
 * licences that authorised the derivatives were free, so no money moved in setting up.
 */
export async function deployTrading(): Promise<Trading> {
  const f = await deployMarket();
  const a = await registerWork(f.registry, f.artisan);
  const b = await registerWork(f.registry, f.coop);
  await adaptLicence(f, f.artisan, a, f.licensee, LINEAGE_BPS.a);
  const d1 = await registerDerivative(f, f.licensee, [a]);
  await adaptLicence(f, f.licensee, d1, f.other, LINEAGE_BPS.d1);
  await adaptLicence(f, f.coop, b, f.other, LINEAGE_BPS.b);
  const d2 = await registerDerivative(f, f.other, [d1, b]);
  for (const trader of tradersOf(f)) await f.registry.connect(trader).setApprovalForAll(f.exchangeAddress, true);
  return { ...f, works: [a, b, d1, d2] };
}

export type Pot = "native" | "token";

export function currencyOf(f: MarketFixture, token: boolean): Address {
  return token ? (f.tokenAddress as Address) : zeroAddress;
}

export function potOf(token: boolean): Pot {
  return token ? "token" : "native";
}

/** The ledger or the exchange, through the money interface they share. */
export function paymentsOf(f: MarketFixture, exchange: boolean): { contract: Payments; address: Address } {
  return exchange
    ? { contract: f.exchange as unknown as Payments, address: f.exchangeAddress }
    : { contract: f.ledger as unknown as Payments, address: f.ledgerAddress };
}

export async function balanceOf(f: MarketFixture, address: Address, token: boolean): Promise<bigint> {
  return token ? f.token.balanceOf(address) : ethers.provider.getBalance(address);
}

export async function sumOwed(contract: Payments, accounts: readonly string[], currency: Address): Promise<bigint> {
  let total = 0n;
  for (const account of accounts) total += await contract.owed(account, currency);
  return total;
}

/** The royalty a work owes its parents on `earned`, from the rates `royaltyParentsOf` reports. */
export async function parentRoyaltyOn(f: MarketFixture, workId: bigint, earned: bigint): Promise<bigint> {
  let bps = 0n;
  for (const parent of await f.ledger.royaltyParentsOf(workId)) bps += parent.royaltyBps;
  return (earned * bps) / 10_000n;
}

/** The platform fee a contract takes on `price` now. */
export async function feeOn(contract: Payments, price: bigint): Promise<bigint> {
  const [, feeBps] = await contract.platformFee();
  return (price * feeBps) / 10_000n;
}

/** The arguments of each `RoyaltyCredited` the ledger emitted in a receipt. */
export function royaltyCredits(f: MarketFixture, receipt: ContractTransactionReceipt | null) {
  const credits: { workId: bigint; parentId: bigint; amount: bigint; upstream: bigint }[] = [];
  for (const log of receipt?.logs ?? []) {
    if (log.address.toLowerCase() !== f.ledgerAddress.toLowerCase()) continue;
    const parsed = f.ledger.interface.parseLog(log);
    if (parsed?.name !== "RoyaltyCredited") continue;
    const [workId, parentId, , amount, upstream] = parsed.args as unknown as [bigint, bigint, string, bigint, bigint];
    credits.push({ workId, parentId, amount, upstream });
  }
  return credits;
}
