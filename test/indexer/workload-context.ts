/**
 * What the random market workload's operations share (see market-workload.ts): its context, seeded choices, sending
 * a transaction only when the node would not revert it, and the contract reads each operation checks its
 * preconditions with. A helper module: it registers no tests.
 */
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  toHex,
  type WalletClient,
} from "viem";
import { foundry } from "viem/chains";
import type { Deployment } from "../../scripts/deploy/viem.ts";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi, testTokenAbi } from "../../types/abi/index.js";
import { rpcCall } from "./chain.ts";

export const ZERO = "0x0000000000000000000000000000000000000000" as const;
export const FOREVER = 2 ** 40 - 1;
export const DAY = 86_400;
export const GWEI = 1_000_000_000n;
/** Anvil accounts the workload uses: 0 is the admin (and arbiter), 1..6 artisans, licensees, bidders, lenders. */
export const ACCOUNTS = 7;

/** What a workload did: steps that produced a transaction, steps the node would have reverted, steps skipped. */
export type WorkloadReport = {
  steps: number;
  sent: number;
  reverted: number;
  skipped: number;
  /** Set-up transactions (roles, approvals, the token) sent besides the steps. */
  setup: number;
  /** Transactions sent, by operation. */
  ops: Record<string, number>;
  /** Reverts, by operation and error name: a workload bug when frequent. */
  reverts: Record<string, number>;
  /** Blocks mined to move time forward (no transaction). */
  timeJumps: number;
};

export function emptyReport(): WorkloadReport {
  return { steps: 0, sent: 0, reverted: 0, skipped: 0, setup: 0, ops: {}, reverts: {}, timeJumps: 0 };
}

/** The anvil accounts the workload acts with (0: admin), as lower-case addresses. */
export async function workloadAccounts(url: string): Promise<Hex[]> {
  const all = await createWalletClient({ chain: foundry, transport: http(url) }).getAddresses();
  if (all.length < ACCOUNTS) throw new Error(`anvil has ${all.length} accounts, the workload needs ${ACCOUNTS}`);
  return all.slice(0, ACCOUNTS).map((a) => a.toLowerCase() as Hex);
}

export type Target = "registry" | "ledger" | "exchange" | "token";
export type Outcome = "sent" | "reverted" | "none";
export type OfferRef = { workId: bigint; index: number; termsHash: Hex; sub: boolean };
export type GrantCoords = { workId: bigint; offerIndex: number; serial: number; id: bigint };

/**
 * A commitment the workload made and has not revealed: its preimage (which the chain does not show), and for a batch
 * the submitter, root and proof. Kept in memory per registry across workloads; checked against the chain before use.
 */
export type Commitment = {
  creator: Hex;
  contentHash: Hex;
  salt: Hex;
  batch: { submitter: Hex; root: Hex; proof: Hex[] } | null;
};

/** What the chain holds, found from its logs when the workload starts and kept up as the workload acts. */
export type Known = {
  works: bigint[];
  offers: OfferRef[];
  grants: GrantCoords[];
  splits: { workId: bigint; version: number }[];
  bids: Map<string, { workId: bigint; bidder: Hex }>;
  /** Works registered owing a derivative royalty (a priority claim may have cleared it since). */
  derivatives: Set<bigint>;
  commitments: Commitment[];
};

export type Ctx = {
  url: string;
  d: Deployment;
  seed: number;
  rng: () => number;
  pub: PublicClient;
  accounts: Hex[];
  actors: Hex[];
  admin: Hex;
  /** The ERC-20 the workload pays in besides the native coin (a TestToken every account holds and approved). */
  token: Hex;
  known: Known;
  report: WorkloadReport;
  wallets: Map<string, WalletClient>;
  step: number;
  endExpiredGrants: boolean;
};

const ABIS: Record<Target, Abi> = {
  registry: provenanceRegistryAbi as Abi,
  ledger: licenceLedgerAbi as Abi,
  exchange: exchangeAbi as Abi,
  token: testTokenAbi as Abi,
};

export const addressOf = (c: Ctx, target: Target): Hex => (target === "token" ? c.token : c.d[target]);

export const int = (c: Ctx, lo: number, hi: number): number => lo + Math.floor(c.rng() * (hi - lo + 1));
export const chance = (c: Ctx, p: number): boolean => c.rng() < p;
export function pick<T>(c: Ctx, items: readonly T[]): T {
  const item = items[Math.floor(c.rng() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}
export function shuffled<T>(c: Ctx, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(c.rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
export const otherThan = (c: Ctx, account: string, pool: readonly Hex[] = c.actors): Hex =>
  pick(
    c,
    pool.filter((a) => a !== account.toLowerCase()),
  );
/** The first of up to `tries` shuffled items whose (async) test passes. */
export async function findOne<T, R>(
  c: Ctx,
  items: readonly T[],
  test: (item: T) => Promise<R | null>,
  tries = 10,
): Promise<R | null> {
  for (const item of shuffled(c, items).slice(0, tries)) {
    const found = await test(item);
    if (found !== null) return found;
  }
  return null;
}

/** A binary CIDv1 (sha2-256) of `label`, in one of the codecs the registry accepts. */
export function cidOf(c: Ctx, label: string): Hex {
  const digest = keccak256(toHex(label)).slice(2);
  const prefix = pick(c, ["0x01551220", "0x01701220", "0x01711220", "0x01a9021220"]);
  return `${prefix}${digest}` as Hex;
}

/** An operation's name with what makes this instance of it notable, e.g. "buyWork (derivative, token)". */
export function variant(op: string, notes: Record<string, boolean>): string {
  const on = Object.entries(notes)
    .filter(([, yes]) => yes)
    .map(([note]) => note);
  return on.length ? `${op} (${on.join(", ")})` : op;
}

export async function now(c: Ctx): Promise<number> {
  const block = await c.pub.getBlock({ blockTag: "latest" });
  return Number(block.timestamp);
}

/** Moves time forward: the next block is `seconds` after the latest one (an empty block is mined at that time). */
export async function jump(c: Ctx, seconds: number): Promise<void> {
  const t = await now(c);
  await rpcCall(c.url, "evm_setNextBlockTimestamp", [t + seconds]);
  await rpcCall(c.url, "evm_mine");
  c.report.timeJumps++;
}

/** A wallet client sending as `account` (one per account, reused). */
export function walletOf(c: Ctx, account: Hex): WalletClient {
  let w = c.wallets.get(account);
  if (!w) {
    w = createWalletClient({ chain: foundry, transport: http(c.url), account });
    c.wallets.set(account, w);
  }
  return w;
}

/**
 * Sends one transaction as `from`. A call the node would revert is not sent (the gas estimate fails): "reverted".
 * A mined transaction must succeed.
 */
export async function send(
  c: Ctx,
  op: string,
  from: Hex,
  target: Target,
  functionName: string,
  args: readonly unknown[],
  value = 0n,
  step = true,
): Promise<Outcome> {
  const call = { address: addressOf(c, target), abi: ABIS[target], functionName, args, value, account: from } as const;
  let gas: bigint;
  try {
    gas = await c.pub.estimateContractGas(call as never);
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (!revert && !/revert/i.test(error.message)) throw error;
    const name = revert instanceof ContractFunctionRevertedError ? (revert.data?.errorName ?? "revert") : "revert";
    const key = `${op}: ${name}`;
    c.report.reverts[key] = (c.report.reverts[key] ?? 0) + 1;
    return "reverted";
  }
  const hash = await walletOf(c, from).writeContract({ ...call, gas: gas + gas / 4n, chain: foundry } as never);
  const receipt = await c.pub.waitForTransactionReceipt({ hash, pollingInterval: 10 });
  if (receipt.status !== "success") throw new Error(`${op} ${functionName} was mined but reverted (${hash})`);
  if (step) c.report.ops[op] = (c.report.ops[op] ?? 0) + 1;
  return "sent";
}

/** A set-up transaction (roles, approvals, tokens), counted apart from the steps; it must be sent. */
export async function setup(
  c: Ctx,
  from: Hex,
  target: Target,
  functionName: string,
  args: readonly unknown[],
): Promise<void> {
  if ((await send(c, "setup", from, target, functionName, args, 0n, false)) !== "sent") {
    throw new Error(`set-up ${functionName} failed`);
  }
  c.report.setup++;
}

// Reads --------------------------------------------------------------------------------------------------------

export type Title = {
  owner: Hex;
  pledged: boolean;
  disputed: boolean;
  owesRoyalties: boolean;
  moves: number;
  pledges: number;
  encumbrances: number;
};

export async function titleOf(c: Ctx, workId: bigint): Promise<Title> {
  const t = await c.pub.readContract({
    address: c.d.registry,
    abi: provenanceRegistryAbi,
    functionName: "titleOf",
    args: [workId],
  });
  return { ...t, owner: t.owner.toLowerCase() as Hex };
}

export async function workOf(c: Ctx, workId: bigint) {
  return c.pub.readContract({
    address: c.d.registry,
    abi: provenanceRegistryAbi,
    functionName: "workOf",
    args: [workId],
  });
}

export async function pledgeOf(c: Ctx, workId: bigint) {
  const p = await c.pub.readContract({
    address: c.d.registry,
    abi: provenanceRegistryAbi,
    functionName: "pledgeOf",
    args: [workId],
  });
  return { pledgee: p.pledgee.toLowerCase() as Hex, maturity: Number(p.maturity) };
}

export async function offerOf(c: Ctx, o: { workId: bigint; index: number }) {
  return c.pub.readContract({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    functionName: "offerOf",
    args: [o.workId, o.index],
  });
}

export async function grantOf(c: Ctx, id: bigint) {
  return c.pub.readContract({ address: c.d.ledger, abi: licenceLedgerAbi, functionName: "grantOf", args: [id] });
}

export async function listingOf(c: Ctx, workId: bigint) {
  return c.pub.readContract({ address: c.d.exchange, abi: exchangeAbi, functionName: "listingOf", args: [workId] });
}

export async function bidOf(c: Ctx, workId: bigint, bidder: Hex) {
  return c.pub.readContract({ address: c.d.exchange, abi: exchangeAbi, functionName: "bidOf", args: [workId, bidder] });
}

/** The token of an offer's currency id (zero: the native coin). */
export async function currencyOf(c: Ctx, currencyId: number): Promise<Hex> {
  if (currencyId === 0) return ZERO;
  const token = await c.pub.readContract({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    functionName: "currencyOf",
    args: [currencyId],
  });
  return token.toLowerCase() as Hex;
}

/** Whether the ledger or the exchange takes `currency` now (the native coin always). */
export async function allows(c: Ctx, target: "ledger" | "exchange", currency: Hex): Promise<boolean> {
  return c.pub.readContract({
    address: c.d[target],
    abi: licenceLedgerAbi,
    functionName: "isCurrencyAllowed",
    args: [currency],
  });
}

/** What the ledger or the exchange owes `account` in `currency`. */
export async function owed(c: Ctx, target: "ledger" | "exchange", account: Hex, currency: Hex): Promise<bigint> {
  return c.pub.readContract({
    address: c.d[target],
    abi: licenceLedgerAbi,
    functionName: "owed",
    args: [account, currency],
  });
}

/** The native coin, or (30%) the workload's token when `target` allows it now. */
export async function pickCurrency(c: Ctx, target: "ledger" | "exchange"): Promise<Hex> {
  return chance(c, 0.3) && (await allows(c, target, c.token)) ? c.token : ZERO;
}

/** The value a payment of `amount` in `currency` sends along (ERC-20 payments are pulled by allowance). */
export const valueFor = (currency: Hex, amount: bigint): bigint => (currency === ZERO ? amount : 0n);

export const GRANT_TERMINATED = 4;
export const GRANT_SURRENDERED = 5;
export const isLive = (status: number) => status !== GRANT_TERMINATED && status !== GRANT_SURRENDERED;

/** A work held by someone, read with its title, passing `test`. */
export async function findWork(
  c: Ctx,
  test: (t: Title, workId: bigint) => boolean | Promise<boolean>,
  tries = 12,
  works: readonly bigint[] = c.known.works,
) {
  return findOne(
    c,
    works,
    async (workId) => {
      const t = await titleOf(c, workId);
      return (await test(t, workId)) ? { workId, ...t } : null;
    },
    tries,
  );
}

/** A licensor's own offer (not a sublicence), read, passing `test`, with the work's title. */
export async function findOffer(
  c: Ctx,
  test: (offer: Awaited<ReturnType<typeof offerOf>>, title: Title, ref: OfferRef) => boolean,
  includeSublicences = false,
  offers: readonly OfferRef[] = c.known.offers,
) {
  return findOne(
    c,
    offers.filter((o) => includeSublicences || !o.sub),
    async (o) => {
      const offer = await offerOf(c, o);
      const title = await titleOf(c, o.workId);
      return test(offer, title, o) ? { ref: o, offer, title } : null;
    },
    12,
  );
}

/** A grant, read, passing `test`. */
export async function findGrant(
  c: Ctx,
  test: (g: Awaited<ReturnType<typeof grantOf>>, ref: GrantCoords) => Promise<boolean>,
  grants: readonly GrantCoords[] = c.known.grants,
  tries = 14,
) {
  return findOne(
    c,
    grants,
    async (ref) => {
      const grant = await grantOf(c, ref.id);
      return (await test(grant, ref)) ? { ref, grant } : null;
    },
    tries,
  );
}

export const coords = (g: GrantCoords) => ({ workId: g.workId, offerIndex: g.offerIndex, serial: g.serial });

/**
 * Whether the pledgee of a pledged work allows licence sales: its last PledgeeConsentSet, if it allowed them during
 * this pledge (consent belongs to one pledge, numbered by the registry's `pledges` count).
 */
export async function consented(c: Ctx, workId: bigint): Promise<boolean> {
  const { pledges } = await titleOf(c, workId);
  const logs = await c.pub.getContractEvents({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    eventName: "PledgeeConsentSet",
    args: { workId },
    fromBlock: c.d.startBlock,
  });
  const last = logs[logs.length - 1]?.args;
  return last?.allowed === true && last.pledge === pledges;
}

/** Whether a live bid on the work would be made void by one more encumbrance (it is bound to the count now). */
export async function hasLiveBid(c: Ctx, workId: bigint, encumbrances: number): Promise<boolean> {
  for (const b of c.known.bids.values()) {
    if (b.workId !== workId) continue;
    const bid = await bidOf(c, workId, b.bidder);
    if (bid.amount !== 0n && bid.encumbrances === encumbrances) return true;
  }
  return false;
}
