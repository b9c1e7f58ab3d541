/**
 * A seeded random workload on the real Titlechain contracts (registry, licence ledger, exchange) deployed on anvil,
 * and the check that the indexer's market mirror equals what the contracts themselves read.
 *
 * The workload picks, at each step, an operation by weight and looks for a candidate whose preconditions hold by
 * reading the contracts (a work the caller owns and that is not pledged, an open offer that is not sold out...); an
 * operation without a candidate is skipped for another one. A transaction the node would revert is not sent (viem
 * estimates the gas first) and counts as a failed step. Block times advance by exactly one second per block
 * (`anvil_setBlockTimestampInterval`), and time jumps (pledge maturity, licence terms) set the next block's time, so the
 * same seed on the same chain state gives the same transactions.
 */
import { expect } from "chai";
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type Log,
  type PublicClient,
  padHex,
  parseEventLogs,
  toHex,
  type WalletClient,
} from "viem";
import { foundry } from "viem/chains";
import { cidFromHex } from "../../core/cid.ts";
import { territoryOf } from "../../core/licence.ts";
import type { Deployment } from "../../scripts/deploy/viem.ts";
import type { Database } from "../../server/db/database.ts";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import { rpcCall, seeded } from "./chain.ts";

export type { Deployment } from "../../scripts/deploy/viem.ts";

const ZERO = "0x0000000000000000000000000000000000000000" as const;
const FOREVER = 2 ** 40 - 1;
const ARBITER_ROLE = keccak256(toHex("ARBITER_ROLE"));
const GWEI = 1_000_000_000n;
/** Anvil accounts the workload uses: 0 is the admin (and arbiter), 1..6 artisans, licensees, bidders, lenders. */
const ACCOUNTS = 7;

/** What a workload did: steps that produced a transaction, steps the node would have reverted, steps skipped. */
export type WorkloadReport = {
  steps: number;
  sent: number;
  reverted: number;
  skipped: number;
  /** Set-up transactions (roles, approvals) sent besides the steps. */
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

// ---------------------------------------------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------------------------------------------

type Target = "registry" | "ledger" | "exchange";
type Outcome = "sent" | "reverted" | "none";
type OfferRef = { workId: bigint; index: number; termsHash: Hex; sub: boolean };
type GrantCoords = { workId: bigint; offerIndex: number; serial: number; id: bigint };

/** What the chain holds, found from its logs when the workload starts and kept up as the workload acts. */
type Known = {
  works: bigint[];
  offers: OfferRef[];
  grants: GrantCoords[];
  splits: { workId: bigint; version: number }[];
  bids: Map<string, { workId: bigint; bidder: Hex }>;
};

type Ctx = {
  url: string;
  d: Deployment;
  seed: number;
  rng: () => number;
  pub: PublicClient;
  accounts: Hex[];
  actors: Hex[];
  admin: Hex;
  known: Known;
  report: WorkloadReport;
  wallets: Map<string, WalletClient>;
  step: number;
  derivatives: boolean;
  endExpiredGrants: boolean;
};

export type WorkloadOptions = {
  /** Filled with what the workload did. */
  report?: WorkloadReport;
  /**
   * Whether some registrations name parent works (owned by the registrant, or licensed to it with the adapt right).
   * Off by default: the indexer cannot apply a derivative registration yet (its WorkDerived event comes before the
   * WorkRegistered that creates the work; see the failing test "mirrors derivative registrations" in market.test.ts).
   */
  derivatives?: boolean;
  /**
   * Whether terminations and surrenders may pick grants whose term already ran out. Off by default: the indexer then
   * records the event's time as the grant's end where the ledger keeps the earlier end (see the failing test "mirrors
   * the end of a grant ended after it expired" in market.test.ts).
   */
  endExpiredGrants?: boolean;
};

const ABIS: Record<Target, Abi> = {
  registry: provenanceRegistryAbi as Abi,
  ledger: licenceLedgerAbi as Abi,
  exchange: exchangeAbi as Abi,
};

const int = (c: Ctx, lo: number, hi: number): number => lo + Math.floor(c.rng() * (hi - lo + 1));
const chance = (c: Ctx, p: number): boolean => c.rng() < p;
function pick<T>(c: Ctx, items: readonly T[]): T {
  const item = items[Math.floor(c.rng() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}
function shuffled<T>(c: Ctx, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(c.rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
const otherThan = (c: Ctx, account: string, pool: readonly Hex[] = c.actors): Hex =>
  pick(
    c,
    pool.filter((a) => a !== account.toLowerCase()),
  );
/** The first of up to `tries` shuffled items whose (async) test passes. */
async function findOne<T, R>(
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
function cidOf(c: Ctx, label: string): Hex {
  const digest = keccak256(toHex(label)).slice(2);
  const prefix = pick(c, ["0x01551220", "0x01701220", "0x01711220", "0x01a9021220"]);
  return `${prefix}${digest}` as Hex;
}

async function now(c: Ctx): Promise<number> {
  const block = await c.pub.getBlock({ blockTag: "latest" });
  return Number(block.timestamp);
}

/** Moves time forward: the next block is `seconds` after the latest one (an empty block is mined at that time). */
async function jump(c: Ctx, seconds: number): Promise<void> {
  const t = await now(c);
  await rpcCall(c.url, "evm_setNextBlockTimestamp", [t + seconds]);
  await rpcCall(c.url, "evm_mine");
  c.report.timeJumps++;
}

function wallet(c: Ctx, account: Hex): WalletClient {
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
async function send(
  c: Ctx,
  op: string,
  from: Hex,
  target: Target,
  functionName: string,
  args: readonly unknown[],
  value = 0n,
  step = true,
): Promise<Outcome> {
  const call = { address: c.d[target], abi: ABIS[target], functionName, args, value, account: from } as const;
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
  const hash = await wallet(c, from).writeContract({ ...call, gas: gas + gas / 4n, chain: foundry } as never);
  const receipt = await c.pub.waitForTransactionReceipt({ hash, pollingInterval: 10 });
  if (receipt.status !== "success") throw new Error(`${op} ${functionName} was mined but reverted (${hash})`);
  if (step) c.report.ops[op] = (c.report.ops[op] ?? 0) + 1;
  return "sent";
}

// Reads --------------------------------------------------------------------------------------------------------

type Title = { owner: Hex; pledged: boolean; disputed: boolean; moves: number; pledges: number };

async function titleOf(c: Ctx, workId: bigint): Promise<Title> {
  const [owner, pledged, disputed, moves, pledges] = await c.pub.readContract({
    address: c.d.registry,
    abi: provenanceRegistryAbi,
    functionName: "titleOf",
    args: [workId],
  });
  return { owner: owner.toLowerCase() as Hex, pledged, disputed, moves, pledges };
}

async function pledgeOf(c: Ctx, workId: bigint) {
  const p = await c.pub.readContract({
    address: c.d.registry,
    abi: provenanceRegistryAbi,
    functionName: "pledgeOf",
    args: [workId],
  });
  return { pledgee: p.pledgee.toLowerCase() as Hex, maturity: Number(p.maturity) };
}

async function offerOf(c: Ctx, o: { workId: bigint; index: number }) {
  return c.pub.readContract({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    functionName: "offerOf",
    args: [o.workId, o.index],
  });
}

async function grantOf(c: Ctx, id: bigint) {
  return c.pub.readContract({ address: c.d.ledger, abi: licenceLedgerAbi, functionName: "grantOf", args: [id] });
}

const GRANT_TERMINATED = 4;
const GRANT_SURRENDERED = 5;
const isLive = (status: number) => status !== GRANT_TERMINATED && status !== GRANT_SURRENDERED;

// Operations ---------------------------------------------------------------------------------------------------

type Op = { name: string; weight: number; run: (c: Ctx) => Promise<Outcome> };

/** A work held by someone, read with its title, passing `test`. */
async function findWork(c: Ctx, test: (t: Title, workId: bigint) => boolean | Promise<boolean>, tries = 12) {
  return findOne(
    c,
    c.known.works,
    async (workId) => {
      const t = await titleOf(c, workId);
      return (await test(t, workId)) ? { workId, ...t } : null;
    },
    tries,
  );
}

async function register(c: Ctx): Promise<Outcome> {
  const artisan = pick(c, c.actors);
  const to = chance(c, 0.85) ? artisan : otherThan(c, artisan);
  const receiverRoll = c.rng();
  const royaltyReceiver = receiverRoll < 0.4 ? ZERO : receiverRoll < 0.7 ? artisan : otherThan(c, artisan, c.accounts);
  const royaltyBps = chance(c, 0.15) ? 0 : int(c, 1, 2500);
  const parents: bigint[] = [];
  // Drawn whether or not derivatives are on, so that turning them on changes nothing else of a seed's workload.
  if (c.known.works.length > 0 && chance(c, 0.3) && c.derivatives) {
    // Parents the artisan owns, or holds a licence with the adapt right for.
    for (const workId of shuffled(c, c.known.works).slice(0, 8)) {
      if (parents.length >= 2) break;
      const t = await titleOf(c, workId);
      if (t.owner === artisan) parents.push(workId);
      else {
        const grant = await c.pub.readContract({
          address: c.d.ledger,
          abi: licenceLedgerAbi,
          functionName: "derivativeGrantOf",
          args: [artisan, workId],
        });
        if (grant !== 0n) parents.push(workId);
      }
    }
  }
  const contentHash = keccak256(toHex(`market ${c.seed} work ${c.step}`));
  const outcome = await send(c, parents.length ? "register derivative" : "register", artisan, "registry", "register", [
    {
      to,
      contentHash,
      metadataCid: cidOf(c, `metadata ${c.seed} ${c.step}`),
      royaltyReceiver,
      royaltyBps,
      parents,
    },
  ]);
  if (outcome === "sent") c.known.works.push(BigInt(contentHash));
  return outcome;
}

async function assign(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.pledged);
  if (!w) return "none";
  const deedCid = chance(c, 0.8) ? cidOf(c, `deed ${c.seed} ${c.step}`) : "0x";
  return send(c, "assign", w.owner, "registry", "assign", [
    otherThan(c, w.owner),
    w.workId,
    keccak256(toHex(`deed ${c.seed} ${c.step}`)),
    deedCid,
  ]);
}

async function transfer(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.pledged);
  if (!w) return "none";
  const to = otherThan(c, w.owner);
  if (chance(c, 0.5)) return send(c, "transferFrom", w.owner, "registry", "transferFrom", [w.owner, to, w.workId]);
  return send(c, "safeTransferFrom", w.owner, "registry", "safeTransferFrom", [w.owner, to, w.workId]);
}

async function updateMetadata(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, () => true, 1);
  if (!w) return "none";
  return send(c, "updateMetadata", w.owner, "registry", "updateMetadata", [
    w.workId,
    cidOf(c, `new metadata ${c.seed} ${c.step}`),
  ]);
}

async function pledge(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.pledged);
  if (!w) return "none";
  const maturity = (await now(c)) + int(c, 600, 20_000);
  const agreement = chance(c, 0.7) ? cidOf(c, `agreement ${c.seed} ${c.step}`) : "0x";
  return send(c, "pledge", w.owner, "registry", "pledge", [w.workId, otherThan(c, w.owner), maturity, agreement]);
}

async function releasePledge(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => t.pledged);
  if (!w) return "none";
  const p = await pledgeOf(c, w.workId);
  return send(c, "releasePledge", p.pledgee, "registry", "releasePledge", [w.workId]);
}

async function foreclose(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => t.pledged);
  if (!w) return "none";
  const p = await pledgeOf(c, w.workId);
  const t = await now(c);
  if (t + 1 < p.maturity) await jump(c, p.maturity - t);
  return send(c, "foreclose", p.pledgee, "registry", "foreclose", [w.workId]);
}

async function pledgeeConsent(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => t.pledged);
  if (!w) return "none";
  const p = await pledgeOf(c, w.workId);
  return send(c, "setPledgeeConsent", p.pledgee, "ledger", "setPledgeeConsent", [w.workId, chance(c, 0.75)]);
}

async function flagDispute(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.disputed);
  if (!w) return "none";
  return send(c, "flagDispute", c.admin, "registry", "flagDispute", [w.workId, cidOf(c, `evidence ${c.step}`)]);
}

async function clearDispute(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => t.disputed, 30);
  if (!w) return "none";
  return send(c, "clearDispute", c.admin, "registry", "clearDispute", [w.workId, "0x"]);
}

async function platformFee(c: Ctx): Promise<Outcome> {
  const target: Target = chance(c, 0.5) ? "ledger" : "exchange";
  const off = chance(c, 0.15);
  const treasury = off ? ZERO : pick(c, c.accounts);
  const fee = off ? 0 : int(c, 0, 1000);
  return send(c, `setPlatformFee (${target})`, c.admin, target, "setPlatformFee", [treasury, fee]);
}

const COUNTRIES = ["CN", "US", "FR", "JP", "DE", "BR", "NZ", "ZW"];

async function createOffer(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.disputed);
  if (!w) return "none";
  const t = await now(c);
  const kindRoll = c.rng();
  const kind = kindRoll < 0.6 ? 0 : kindRoll < 0.8 ? 1 : 2;
  const exclusive = kind !== 0;
  let uses = int(c, 1, 63);
  if (chance(c, 0.5)) uses |= 32;
  if (chance(c, 0.3)) uses |= 8;
  const worldwide = exclusive ? chance(c, 0.2) : chance(c, 0.6);
  const countries = shuffled(c, COUNTRIES).slice(0, exclusive ? 1 : int(c, 1, 3));
  const end = chance(c, exclusive ? 0.2 : 0.5) ? 0 : t + int(c, 5_000, 200_000);
  const terms = {
    kind,
    uses,
    fields: chance(c, exclusive ? 0.2 : 0.5) ? 0xffff : 1 << int(c, 0, 15),
    transferable: chance(c, 0.5),
    worldwide,
    territory: worldwide ? [0n, 0n, 0n] : territoryOf(countries),
    start: chance(c, 0.7) ? 0 : t + int(c, 10, 3_000),
    end,
    duration: chance(c, 0.5) ? 0 : int(c, 300, 5_000),
    supply: exclusive ? 1 : chance(c, 0.4) ? 0 : int(c, 1, 4),
    derivativeRoyaltyBps: int(c, 0, 10_000),
    currency: ZERO,
    textHash: keccak256(toHex(`licence text ${c.seed} ${c.step}`)),
    textCid: cidOf(c, `licence text ${c.seed} ${c.step}`),
  };
  const price = chance(c, 0.2) ? 0n : BigInt(int(c, 1, 1_000_000)) * GWEI;
  const index = await c.pub.readContract({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    functionName: "offerCount",
    args: [w.workId],
  });
  const op = ["createOffer (non-exclusive)", "createOffer (sole)", "createOffer (exclusive)"][kind] as string;
  const outcome = await send(c, op, w.owner, "ledger", "createOffer", [w.workId, terms, price]);
  if (outcome === "sent") {
    const logs = await c.pub.getContractEvents({
      address: c.d.ledger,
      abi: licenceLedgerAbi,
      eventName: "OfferCreated",
      args: { workId: w.workId, offerIndex: index },
      fromBlock: "latest",
    });
    const termsHash = logs[0]?.args.termsHash;
    if (!termsHash) throw new Error("OfferCreated not found after createOffer");
    c.known.offers.push({ workId: w.workId, index, termsHash, sub: false });
  }
  return outcome;
}

/** Whether the pledgee of a pledged work allows licence sales: its last PledgeeConsentSet, if by this pledgee. */
async function consented(c: Ctx, workId: bigint): Promise<boolean> {
  const { pledgee } = await pledgeOf(c, workId);
  const logs = await c.pub.getContractEvents({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    eventName: "PledgeeConsentSet",
    args: { workId },
    fromBlock: c.d.startBlock,
  });
  const last = logs[logs.length - 1]?.args;
  return last?.allowed === true && last.pledgee?.toLowerCase() === pledgee;
}

/** A licensor's own offer (not a sublicence), read, passing `test`, with the work's title. */
async function findOffer(
  c: Ctx,
  test: (offer: Awaited<ReturnType<typeof offerOf>>, title: Title) => boolean,
  includeSublicences = false,
) {
  return findOne(
    c,
    c.known.offers.filter((o) => includeSublicences || !o.sub),
    async (o) => {
      const offer = await offerOf(c, o);
      const title = await titleOf(c, o.workId);
      return test(offer, title) ? { ref: o, offer, title } : null;
    },
    12,
  );
}

async function repriceOffer(c: Ctx): Promise<Outcome> {
  const found = await findOffer(c, (o) => o.status !== 3);
  if (!found) return "none";
  const price = chance(c, 0.2) ? 0n : BigInt(int(c, 1, 1_000_000)) * GWEI;
  return send(c, "repriceOffer", found.title.owner, "ledger", "repriceOffer", [
    found.ref.workId,
    found.ref.index,
    price,
  ]);
}

async function pauseOrResume(c: Ctx): Promise<Outcome> {
  // Paused offers are the rarer: looked for first half of the time.
  const found =
    (chance(c, 0.5) ? await findOffer(c, (o) => o.status === 2) : null) ??
    (await findOffer(c, (o) => o.status === 1 || o.status === 2));
  if (!found) return "none";
  const pause = found.offer.status === 1;
  return send(c, pause ? "pauseOffer" : "resumeOffer", found.title.owner, "ledger", "setOfferPaused", [
    found.ref.workId,
    found.ref.index,
    pause,
  ]);
}

async function closeOffer(c: Ctx): Promise<Outcome> {
  const found = await findOffer(c, (o) => o.status !== 3);
  if (!found) return "none";
  return send(c, "closeOffer", found.title.owner, "ledger", "closeOffer", [found.ref.workId, found.ref.index]);
}

async function buyLicence(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  const found = await findOffer(
    c,
    (o, title) =>
      o.status === 1 &&
      (o.supply === 0 || o.sold < o.supply) &&
      t < o.end &&
      o.moves === title.moves &&
      !title.disputed,
  );
  if (!found) return "none";
  if (found.title.pledged && !(await consented(c, found.ref.workId))) return "none";
  const payer = pick(c, c.actors);
  const licensee = chance(c, 0.7) ? payer : pick(c, c.accounts);
  const outcome = await send(
    c,
    "buyLicence",
    payer,
    "ledger",
    "buyLicence",
    [found.ref.workId, found.ref.index, found.ref.termsHash, found.offer.price, licensee],
    found.offer.price,
  );
  if (outcome === "sent") {
    const serial = found.offer.sold + 1;
    const id = await c.pub.readContract({
      address: c.d.ledger,
      abi: licenceLedgerAbi,
      functionName: "grantIdOf",
      args: [{ workId: found.ref.workId, offerIndex: found.ref.index, serial }],
    });
    c.known.grants.push({ workId: found.ref.workId, offerIndex: found.ref.index, serial, id });
  }
  return outcome;
}

/** A grant, read, passing `test`. */
async function findGrant(c: Ctx, test: (g: Awaited<ReturnType<typeof grantOf>>, ref: GrantCoords) => Promise<boolean>) {
  return findOne(
    c,
    c.known.grants,
    async (ref) => {
      const grant = await grantOf(c, ref.id);
      return (await test(grant, ref)) ? { ref, grant } : null;
    },
    14,
  );
}

const coords = (g: GrantCoords) => ({ workId: g.workId, offerIndex: g.offerIndex, serial: g.serial });

async function renewLicence(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  let price = 0n;
  const found = await findGrant(c, async (g, ref) => {
    if (!isLive(g.status) || g.end <= t) return false;
    const offer = await offerOf(c, { workId: ref.workId, index: ref.offerIndex });
    if (offer.duration === 0 || offer.status !== 1 || g.end > t + offer.duration) return false;
    if (Math.min(g.end + offer.duration, offer.end) <= g.end) return false;
    const title = await titleOf(c, ref.workId);
    if (title.moves !== offer.moves || title.disputed) return false;
    if (title.pledged && !(await consented(c, ref.workId))) return false;
    price = offer.price;
    return true;
  });
  if (!found) return "none";
  return send(c, "renewLicence", pick(c, c.actors), "ledger", "renewLicence", [coords(found.ref), price], price);
}

/**
 * A live grant that may be ended now: one still running, or (with `endExpiredGrants`) one that ran out already, whose
 * end the contract then keeps.
 */
async function findEndable(c: Ctx) {
  const t = (await now(c)) + 1;
  // With `endExpiredGrants`, grants that ran out are looked for first (they are the rarer case).
  const found =
    (c.endExpiredGrants ? await findGrant(c, async (g) => isLive(g.status) && g.end <= t) : null) ??
    (await findGrant(c, async (g) => isLive(g.status) && g.end > t));
  return found ? { ...found, expired: found.grant.end <= t } : null;
}

async function terminateLicence(c: Ctx): Promise<Outcome> {
  const found = await findEndable(c);
  if (!found) return "none";
  const licensor =
    found.grant.parentGrantId === 0n
      ? (await titleOf(c, found.ref.workId)).owner
      : ((await grantOf(c, found.grant.parentGrantId)).holder.toLowerCase() as Hex);
  const op = found.expired ? "terminateLicence (expired)" : "terminateLicence";
  return send(c, op, licensor, "ledger", "terminateLicence", [coords(found.ref), cidOf(c, `breach ${c.step}`)]);
}

async function surrenderLicence(c: Ctx): Promise<Outcome> {
  const found = await findEndable(c);
  if (!found) return "none";
  const op = found.expired ? "surrenderLicence (expired)" : "surrenderLicence";
  return send(c, op, found.grant.holder.toLowerCase() as Hex, "ledger", "surrenderLicence", [found.ref.id]);
}

async function transferLicence(c: Ctx): Promise<Outcome> {
  const found = await findGrant(c, async (g) => isLive(g.status) && g.transferable);
  if (!found) return "none";
  const from = found.grant.holder.toLowerCase() as Hex;
  return send(c, "transferLicence", from, "ledger", "safeTransferFrom", [
    from,
    otherThan(c, from),
    found.ref.id,
    1n,
    "0x",
  ]);
}

async function issueSublicence(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  const found = await findGrant(c, async (g, ref) => {
    if (!isLive(g.status) || g.end <= t + 2) return false;
    const offer = await offerOf(c, { workId: ref.workId, index: ref.offerIndex });
    if ((offer.uses & 32) === 0) return false;
    for (let id = g.parentGrantId; id !== 0n; ) {
      const parent = await grantOf(c, id);
      if (!isLive(parent.status)) return false;
      id = parent.parentGrantId;
    }
    return true;
  });
  if (!found) return "none";
  const parentOffer = await offerOf(c, { workId: found.ref.workId, index: found.ref.offerIndex });
  const g = found.grant;
  const uses = parentOffer.uses & int(c, 1, 63) || parentOffer.uses;
  const fields = parentOffer.fields & int(c, 1, 0xffff) || parentOffer.fields;
  const parentWorldwide = parentOffer.territory.every((w) => w === 0n);
  const worldwide = parentWorldwide && chance(c, 0.7);
  const territory: readonly [bigint, bigint, bigint] = parentWorldwide
    ? worldwide
      ? [0n, 0n, 0n]
      : territoryOf([pick(c, COUNTRIES)])
    : [parentOffer.territory[0], parentOffer.territory[1], parentOffer.territory[2]];
  const start = g.start > t ? g.start : chance(c, 0.8) ? 0 : t + int(c, 1, 100);
  const from = Math.max(start, t);
  let end: number;
  if (g.end === FOREVER) end = chance(c, 0.5) ? 0 : from + int(c, 1_000, 100_000);
  else end = chance(c, 0.5) ? g.end : from + Math.max(1, Math.floor((g.end - from) * c.rng()));
  if (end !== 0 && end <= from) return "none";
  const licensee = otherThan(c, g.holder, c.accounts);
  const outcome = await send(c, "issueSublicence", g.holder.toLowerCase() as Hex, "ledger", "issueSublicence", [
    coords(found.ref),
    licensee,
    {
      uses,
      fields,
      transferable: chance(c, 0.5),
      worldwide,
      territory,
      start,
      end,
      textHash: keccak256(toHex(`sublicence text ${c.seed} ${c.step}`)),
      textCid: cidOf(c, `sublicence text ${c.seed} ${c.step}`),
    },
  ]);
  if (outcome === "sent") {
    const logs = await c.pub.getContractEvents({
      address: c.d.ledger,
      abi: licenceLedgerAbi,
      eventName: "SublicenceIssued",
      fromBlock: "latest",
    });
    const log = logs[0];
    if (!log) throw new Error("SublicenceIssued not found after issueSublicence");
    const { workId, offerIndex, termsHash, grantId } = log.args;
    if (workId === undefined || offerIndex === undefined || termsHash === undefined || grantId === undefined) {
      throw new Error("SublicenceIssued without its arguments");
    }
    c.known.offers.push({ workId, index: offerIndex, termsHash, sub: true });
    c.known.grants.push({ workId, offerIndex, serial: 1, id: grantId });
  }
  return outcome;
}

async function setSplits(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, () => true, 1);
  if (!w) return "none";
  const payees: { account: Hex; shareBps: number }[] = [];
  if (chance(c, 0.8)) {
    const accounts = shuffled(c, c.accounts).slice(0, int(c, 1, 3));
    let left = 10_000;
    for (const [i, account] of accounts.entries()) {
      const share = i === accounts.length - 1 ? left : int(c, 1, left - (accounts.length - 1 - i));
      payees.push({ account, shareBps: share });
      left -= share;
    }
  }
  const version = await c.pub.readContract({
    address: c.d.ledger,
    abi: licenceLedgerAbi,
    functionName: "currentSplit",
    args: [w.workId],
  });
  const outcome = await send(
    c,
    payees.length ? "setSplits" : "setSplits (owner alone)",
    w.owner,
    "ledger",
    "setSplits",
    [w.workId, payees],
  );
  if (outcome === "sent") c.known.splits.push({ workId: w.workId, version: version[0] + 1 });
  return outcome;
}

async function release(c: Ctx): Promise<Outcome> {
  const found = await findOne(
    c,
    c.known.splits,
    async (s) => {
      const [, unreleased] = await c.pub.readContract({
        address: c.d.ledger,
        abi: licenceLedgerAbi,
        functionName: "revenueOf",
        args: [s.workId, s.version, ZERO],
      });
      if (unreleased === 0n) return null;
      const [, payees] = await c.pub.readContract({
        address: c.d.ledger,
        abi: licenceLedgerAbi,
        functionName: "splitOf",
        args: [s.workId, s.version],
      });
      return payees.length > 0 ? s : null;
    },
    20,
  );
  if (!found) return "none";
  return send(c, "release", pick(c, c.accounts), "ledger", "release", [found.workId, found.version, ZERO]);
}

async function listWork(c: Ctx): Promise<Outcome> {
  const w = await findWork(c, (t) => !t.pledged && !t.disputed);
  if (!w) return "none";
  const expiry = chance(c, 0.7) ? 0 : (await now(c)) + int(c, 100, 100_000);
  return send(c, "listWork", w.owner, "exchange", "listWork", [
    w.workId,
    ZERO,
    BigInt(int(c, 1, 1_000_000)) * GWEI,
    expiry,
  ]);
}

async function listingOf(c: Ctx, workId: bigint) {
  return c.pub.readContract({ address: c.d.exchange, abi: exchangeAbi, functionName: "listingOf", args: [workId] });
}

async function cancelListing(c: Ctx): Promise<Outcome> {
  const found = await findWork(c, async (_t, workId) => (await listingOf(c, workId)).price !== 0n, 30);
  if (!found) return "none";
  const listing = await listingOf(c, found.workId);
  const isVoid = listing.moves !== found.moves || listing.pledges !== found.pledges;
  return send(
    c,
    isVoid ? "cancelListing (void)" : "cancelListing",
    isVoid ? pick(c, c.accounts) : found.owner,
    "exchange",
    "cancelListing",
    [found.workId],
  );
}

async function buyWork(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  let price = 0n;
  const found = await findWork(
    c,
    async (title, workId) => {
      const l = await listingOf(c, workId);
      if (l.price === 0n || l.moves !== title.moves || l.pledges !== title.pledges || title.disputed) return false;
      if (l.expiry !== 0 && t >= l.expiry) return false;
      price = l.price;
      return true;
    },
    30,
  );
  if (!found) return "none";
  return send(c, "buyWork", otherThan(c, found.owner), "exchange", "buyWork", [found.workId, ZERO, price], price);
}

async function bidOf(c: Ctx, workId: bigint, bidder: Hex) {
  return c.pub.readContract({
    address: c.d.exchange,
    abi: exchangeAbi,
    functionName: "bidOf",
    args: [workId, bidder],
  });
}

async function placeBid(c: Ctx): Promise<Outcome> {
  const bidder = pick(c, c.actors);
  const w = await findWork(
    c,
    async (t, workId) => t.owner !== bidder && (await bidOf(c, workId, bidder)).amount === 0n,
  );
  if (!w) return "none";
  const amount = BigInt(int(c, 1, 1_000_000)) * GWEI;
  const expiry = chance(c, 0.7) ? 0 : (await now(c)) + int(c, 100, 100_000);
  const outcome = await send(c, "placeBid", bidder, "exchange", "placeBid", [w.workId, ZERO, amount, expiry], amount);
  if (outcome === "sent") c.known.bids.set(`${w.workId}:${bidder}`, { workId: w.workId, bidder });
  return outcome;
}

async function withdrawBid(c: Ctx): Promise<Outcome> {
  const found = await findOne(c, [...c.known.bids.values()], async (b) =>
    (await bidOf(c, b.workId, b.bidder)).amount !== 0n ? b : null,
  );
  if (!found) return "none";
  return send(c, "withdrawBid", found.bidder, "exchange", "withdrawBid", [found.workId]);
}

async function acceptBid(c: Ctx): Promise<Outcome> {
  const t = (await now(c)) + 1;
  const found = await findOne(c, [...c.known.bids.values()], async (b) => {
    const bid = await bidOf(c, b.workId, b.bidder);
    if (bid.amount === 0n || (bid.expiry !== 0 && t >= bid.expiry)) return null;
    const title = await titleOf(c, b.workId);
    if (title.owner === b.bidder || title.pledged || title.disputed) return null;
    return { ...b, owner: title.owner, amount: bid.amount };
  });
  if (!found) return "none";
  return send(c, "acceptBid", found.owner, "exchange", "acceptBid", [found.workId, found.bidder, ZERO, found.amount]);
}

async function withdraw(c: Ctx): Promise<Outcome> {
  const target: Target = chance(c, 0.5) ? "ledger" : "exchange";
  const account = await findOne(
    c,
    c.accounts,
    async (a) => {
      const owed = await c.pub.readContract({
        address: c.d[target],
        abi: licenceLedgerAbi,
        functionName: "owed",
        args: [a, ZERO],
      });
      return owed > 0n ? a : null;
    },
    ACCOUNTS,
  );
  if (!account) return "none";
  return send(c, `withdraw (${target})`, account, target, "withdraw", [ZERO]);
}

const OPS: Op[] = [
  { name: "register", weight: 12, run: register },
  { name: "assign", weight: 4, run: assign },
  { name: "transfer", weight: 3, run: transfer },
  { name: "updateMetadata", weight: 2, run: updateMetadata },
  { name: "pledge", weight: 4, run: pledge },
  { name: "releasePledge", weight: 2, run: releasePledge },
  { name: "foreclose", weight: 2, run: foreclose },
  { name: "pledgeeConsent", weight: 3, run: pledgeeConsent },
  { name: "flagDispute", weight: 2, run: flagDispute },
  { name: "clearDispute", weight: 2, run: clearDispute },
  { name: "platformFee", weight: 3, run: platformFee },
  { name: "createOffer", weight: 12, run: createOffer },
  { name: "repriceOffer", weight: 3, run: repriceOffer },
  { name: "pauseOrResume", weight: 3, run: pauseOrResume },
  { name: "closeOffer", weight: 2, run: closeOffer },
  { name: "buyLicence", weight: 14, run: buyLicence },
  { name: "renewLicence", weight: 5, run: renewLicence },
  { name: "terminateLicence", weight: 2, run: terminateLicence },
  { name: "surrenderLicence", weight: 2, run: surrenderLicence },
  { name: "transferLicence", weight: 3, run: transferLicence },
  { name: "issueSublicence", weight: 4, run: issueSublicence },
  { name: "setSplits", weight: 4, run: setSplits },
  { name: "release", weight: 4, run: release },
  { name: "listWork", weight: 5, run: listWork },
  { name: "cancelListing", weight: 2, run: cancelListing },
  { name: "buyWork", weight: 4, run: buyWork },
  { name: "placeBid", weight: 4, run: placeBid },
  { name: "withdrawBid", weight: 2, run: withdrawBid },
  { name: "acceptBid", weight: 3, run: acceptBid },
  { name: "withdraw", weight: 3, run: withdraw },
];
const TOTAL_WEIGHT = OPS.reduce((sum, op) => sum + op.weight, 0);

function pickOp(c: Ctx): Op {
  let roll = c.rng() * TOTAL_WEIGHT;
  for (const op of OPS) {
    roll -= op.weight;
    if (roll < 0) return op;
  }
  return OPS[OPS.length - 1] as Op;
}

/** Rebuilds what the workload needs to know of the chain from the contracts' logs. */
async function discover(c: Ctx): Promise<void> {
  const logsOf = async (address: Hex) =>
    rpcCall<Log[]>(c.url, "eth_getLogs", [
      { address, fromBlock: `0x${c.d.startBlock.toString(16)}`, toBlock: "latest" },
    ]);
  for (const log of parseEventLogs({ abi: provenanceRegistryAbi, logs: await logsOf(c.d.registry) })) {
    if (log.eventName === "WorkRegistered") c.known.works.push(log.args.workId);
  }
  for (const log of parseEventLogs({ abi: licenceLedgerAbi, logs: await logsOf(c.d.ledger) })) {
    if (log.eventName === "OfferCreated") {
      const { workId, offerIndex, termsHash } = log.args;
      c.known.offers.push({ workId, index: offerIndex, termsHash, sub: false });
    } else if (log.eventName === "SublicenceIssued") {
      const { workId, offerIndex, termsHash, grantId } = log.args;
      c.known.offers.push({ workId, index: offerIndex, termsHash, sub: true });
      c.known.grants.push({ workId, offerIndex, serial: 1, id: grantId });
    } else if (log.eventName === "LicencePurchased") {
      const { workId, offerIndex, serial, grantId } = log.args;
      c.known.grants.push({ workId, offerIndex, serial, id: grantId });
    } else if (log.eventName === "SplitsSet") {
      c.known.splits.push({ workId: log.args.workId, version: log.args.version });
    }
  }
  for (const log of parseEventLogs({ abi: exchangeAbi, logs: await logsOf(c.d.exchange) })) {
    if (log.eventName === "BidPlaced") {
      const bidder = log.args.bidder.toLowerCase() as Hex;
      c.known.bids.set(`${log.args.workId}:${bidder}`, { workId: log.args.workId, bidder });
    }
  }
}

/** Roles and approvals the workload relies on, sent only when missing. */
async function setUp(c: Ctx): Promise<void> {
  const setup = async (from: Hex, target: Target, functionName: string, args: readonly unknown[]) => {
    if ((await send(c, "setup", from, target, functionName, args, 0n, false)) !== "sent") {
      throw new Error(`set-up ${functionName} failed`);
    }
    c.report.setup++;
  };
  const arbiter = await c.pub.readContract({
    address: c.d.registry,
    abi: provenanceRegistryAbi,
    functionName: "hasRole",
    args: [ARBITER_ROLE, c.admin],
  });
  if (!arbiter) await setup(c.admin, "registry", "grantRole", [ARBITER_ROLE, c.admin]);
  for (const actor of c.actors) {
    const approved = await c.pub.readContract({
      address: c.d.registry,
      abi: provenanceRegistryAbi,
      functionName: "isApprovedForAll",
      args: [actor, c.d.exchange],
    });
    if (!approved) await setup(actor, "registry", "setApprovalForAll", [c.d.exchange, true]);
  }
}

/**
 * Drives the real contracts of `deployment` on the anvil at `url` with `steps` seeded random operations by anvil
 * accounts 0 (admin and arbiter) to 6: registrations (with varying royalties, some derivative), assignments with
 * deeds, transfers, metadata updates, pledges, releases and foreclosures, disputes, platform fees, licence offers of
 * every kind (repriced, paused, resumed, closed), purchases, renewals, terminations, surrenders, licence token
 * transfers, sublicences, revenue splits and releases, listings, purchases of works, bids, and withdrawals. Each step
 * sends at most one transaction, automined in its own block. See {@link WorkloadOptions}.
 */
export async function randomMarketWorkload(
  url: string,
  deployment: Deployment,
  seed: number,
  steps: number,
  options: WorkloadOptions = {},
): Promise<void> {
  const report = options.report ?? emptyReport();
  const accounts = await workloadAccounts(url);
  const admin = accounts[0] as Hex;
  const c: Ctx = {
    url,
    d: deployment,
    seed,
    rng: seeded(seed),
    pub: createPublicClient({ chain: foundry, transport: http(url), pollingInterval: 10 }) as PublicClient,
    derivatives: options.derivatives ?? false,
    endExpiredGrants: options.endExpiredGrants ?? false,
    accounts,
    actors: accounts.slice(1),
    admin,
    known: { works: [], offers: [], grants: [], splits: [], bids: new Map() },
    report,
    wallets: new Map(),
    step: 0,
  };
  // One second per block, whatever the wall clock does: the same seed gives the same chain.
  await rpcCall(url, "anvil_setBlockTimestampInterval", [1]);
  await discover(c);
  await setUp(c);
  for (let step = 0; step < steps; step++) {
    c.step = step;
    report.steps++;
    if (chance(c, 0.06)) await jump(c, int(c, 60, 4_000));
    let outcome: Outcome = "none";
    // An operation without a candidate is skipped for another; registration always has one.
    for (let attempt = 0; attempt < 6 && outcome === "none"; attempt++) {
      const op = c.known.works.length < 3 || attempt === 5 ? (OPS[0] as Op) : pickOp(c);
      outcome = await op.run(c);
    }
    if (outcome === "sent") report.sent++;
    else if (outcome === "reverted") report.reverted++;
    else report.skipped++;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The mirror against the contracts
// ---------------------------------------------------------------------------------------------------------------

/** Runs `fn` over `items`, `width` at a time (viem batches the concurrent calls into JSON-RPC batches). */
async function mapLimit<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

const lower = (value: string) => value.toLowerCase();
const word = (value: bigint) => padHex(toHex(value), { size: 32 });

/**
 * Compares every row of the market mirror with the contracts' own reads at the head block, and the event log with the
 * contracts' logs. The database must be synced to the head.
 *
 * - works: registry workOf, titleOf, pledgeOf and ownerOf; as many rows as WorkRegistered logs;
 * - licence_offers: ledger offerOf (termsHash is the first 20 bytes of the stored hash), offerCount rows per work;
 * - licence_grants: ledger grantOf and grantIdOf, `sold` grants per offer with serials 1..sold;
 * - revenue_splits and revenue_pots: ledger splitOf, currentSplit (every version present) and revenueOf;
 * - listings and bids: exchange listingOf and bidOf, and every work (and bidder) without a row reads as zeros;
 * - balances: owed() of the ledger and exchange, and every (account, native coin) owed something has its row;
 * - payment_settings: platformFee();
 * - chain_event_log: (block, log index, block hash) exactly the contracts' logs, none twice.
 */
export async function expectMirrorEqualsContracts(db: Database, url: string, deployment: Deployment): Promise<void> {
  const pub = createPublicClient({ chain: foundry, transport: http(url, { batch: { batchSize: 100 } }) });
  const blockNumber = await pub.getBlockNumber();
  const at = { blockNumber } as const;
  const registry = { address: deployment.registry, abi: provenanceRegistryAbi, ...at } as const;
  const ledger = { address: deployment.ledger, abi: licenceLedgerAbi, ...at } as const;
  const exchange = { address: deployment.exchange, abi: exchangeAbi, ...at } as const;
  const accounts = await workloadAccounts(url);

  // The event log ---------------------------------------------------------------------------------------------
  const logs = await rpcCall<Log[]>(url, "eth_getLogs", [
    {
      address: [deployment.registry, deployment.ledger, deployment.exchange],
      fromBlock: `0x${deployment.startBlock.toString(16)}`,
      toBlock: `0x${blockNumber.toString(16)}`,
    },
  ]);
  const events = await db.query<{ k: string }>(
    "select block_number::text || ':' || log_index::text || ':' || block_hash || ':' || contract as k " +
      "from chain_event_log order by block_number, log_index",
  );
  expect(
    events.map((e) => e.k),
    "chain_event_log = the contracts' logs",
  ).to.deep.equal(
    logs.map((l) => `${BigInt(l.blockNumber ?? 0)}:${BigInt(l.logIndex ?? 0)}:${l.blockHash}:${lower(l.address)}`),
  );
  const [counted] = await db.query<{ n: string }>("select count(*)::text as n from chain_events");
  expect(Number(counted?.n), "chain_events rows").to.equal(logs.length);
  const registered = parseEventLogs({ abi: provenanceRegistryAbi, logs, eventName: "WorkRegistered" });

  // Works -----------------------------------------------------------------------------------------------------
  const works = await db.query<WorkRow>(
    "select work_id::text as work_id, content_hash, creator, owner, " +
      "extract(epoch from registered_at)::bigint::text as registered_at, royalty_receiver, royalty_bps, parents, " +
      "metadata_cid, pledged, pledgee, extract(epoch from pledge_maturity)::bigint::text as pledge_maturity, " +
      "disputed, moves, pledges from works w order by w.work_id",
  );
  expect(works.length, "works rows = WorkRegistered logs").to.equal(registered.length);
  const workIds = works.map((w) => BigInt(w.work_id));
  expect(workIds, "works = the registered works").to.deep.equal(
    registered.map((l) => l.args.workId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  await mapLimit(works, 32, async (row) => {
    const workId = BigInt(row.work_id);
    const [work, title, pledge, ownerOf] = await Promise.all([
      pub.readContract({ ...registry, functionName: "workOf", args: [workId] }),
      pub.readContract({ ...registry, functionName: "titleOf", args: [workId] }),
      pub.readContract({ ...registry, functionName: "pledgeOf", args: [workId] }),
      pub.readContract({ ...registry, functionName: "ownerOf", args: [workId] }),
    ]);
    expect(lower(ownerOf)).to.equal(lower(work.owner));
    expect(row, `work ${workId}`).to.deep.equal({
      work_id: workId.toString(),
      content_hash: word(workId),
      creator: lower(work.creator),
      owner: lower(work.owner),
      registered_at: work.registeredAt.toString(),
      royalty_receiver: lower(work.royaltyReceiver),
      royalty_bps: work.royaltyBps,
      parents: work.parents.map(String),
      metadata_cid: cidFromHex(work.metadataCid),
      pledged: work.pledged,
      pledgee: pledge.pledgee === ZERO ? null : lower(pledge.pledgee),
      pledge_maturity: pledge.maturity === 0n ? null : pledge.maturity.toString(),
      disputed: work.disputed,
      moves: title[3],
      pledges: title[4],
    });
  });

  // Licence offers ----------------------------------------------------------------------------------------------
  const offers = await db.query<OfferRow>(
    "select work_id::text as work_id, offer_index, kind, status, uses, fields, transferable, territory, supply, sold, " +
      "start_at::text as start_at, end_at::text as end_at, duration::text as duration, currency, price::text as price, " +
      "moves, terms_hash from licence_offers o order by o.work_id, o.offer_index",
  );
  const offerCounts = await mapLimit(workIds, 32, (w) =>
    pub.readContract({ ...ledger, functionName: "offerCount", args: [w] }),
  );
  for (const [i, workId] of workIds.entries()) {
    const rows = offers.filter((o) => o.work_id === workId.toString()).map((o) => o.offer_index);
    expect(rows, `offers of work ${workId}`).to.deep.equal(Array.from({ length: offerCounts[i] ?? 0 }, (_, j) => j));
  }
  const solds = new Map<string, number>();
  await mapLimit(offers, 32, async (row) => {
    const workId = BigInt(row.work_id);
    const index = row.offer_index;
    const offer = await pub.readContract({ ...ledger, functionName: "offerOf", args: [workId, index] });
    const currency =
      offer.currencyId === 0
        ? ZERO
        : lower(await pub.readContract({ ...ledger, functionName: "currencyOf", args: [offer.currencyId] }));
    solds.set(`${workId}:${index}`, offer.sold);
    expect(row.terms_hash, `offer ${workId}/${index} terms hash (full)`).to.match(/^0x[0-9a-f]{64}$/);
    expect({ ...row, terms_hash: row.terms_hash.slice(0, 42) }, `offer ${workId}/${index}`).to.deep.equal({
      work_id: workId.toString(),
      offer_index: index,
      kind: offer.kind,
      status: offer.status,
      uses: offer.uses,
      fields: offer.fields,
      transferable: offer.transferable,
      territory: offer.territory.map(String),
      supply: offer.supply,
      sold: offer.sold,
      start_at: String(offer.start),
      end_at: String(offer.end),
      duration: String(offer.duration),
      currency,
      price: offer.price.toString(),
      moves: offer.moves,
      terms_hash: lower(offer.termsHash),
    });
  });

  // Licence grants ----------------------------------------------------------------------------------------------
  const grants = await db.query<GrantRow>(
    "select grant_id::text as grant_id, work_id::text as work_id, offer_index, serial, holder, " +
      "start_at::text as start_at, end_at::text as end_at, state, transferable, parent_grant_id::text as parent " +
      "from licence_grants g order by g.work_id, g.offer_index, g.serial",
  );
  for (const [key, sold] of solds) {
    const serials = grants.filter((g) => `${g.work_id}:${g.offer_index}` === key).map((g) => g.serial);
    expect(serials, `grants of offer ${key}`).to.deep.equal(Array.from({ length: sold }, (_, j) => j + 1));
  }
  expect(grants.length, "every grant belongs to an offer").to.equal([...solds.values()].reduce((a, b) => a + b, 0));
  await mapLimit(grants, 32, async (row) => {
    const grantId = BigInt(row.grant_id);
    const ref = { workId: BigInt(row.work_id), offerIndex: row.offer_index, serial: row.serial };
    const [id, grant] = await Promise.all([
      pub.readContract({ ...ledger, functionName: "grantIdOf", args: [ref] }),
      pub.readContract({ ...ledger, functionName: "grantOf", args: [grantId] }),
    ]);
    expect(grantId, `grant id of ${ref.workId}/${ref.offerIndex}/${ref.serial}`).to.equal(id);
    const state = grant.status === GRANT_TERMINATED ? 2 : grant.status === GRANT_SURRENDERED ? 3 : 1;
    expect(row, `grant ${grantId} (status ${grant.status})`).to.deep.equal({
      grant_id: grantId.toString(),
      work_id: ref.workId.toString(),
      offer_index: ref.offerIndex,
      serial: ref.serial,
      holder: lower(grant.holder),
      start_at: String(grant.start),
      end_at: String(grant.end),
      state,
      transferable: grant.transferable,
      parent: grant.parentGrantId.toString(),
    });
  });

  // Revenue splits and pots -------------------------------------------------------------------------------------
  const splits = await db.query<{ work_id: string; version: number; owner: string; payees: unknown }>(
    "select work_id::text as work_id, version, owner, payees from revenue_splits s order by s.work_id, s.version",
  );
  const versions = await mapLimit(workIds, 32, (w) =>
    pub.readContract({ ...ledger, functionName: "currentSplit", args: [w] }),
  );
  for (const [i, workId] of workIds.entries()) {
    const rows = splits.filter((s) => s.work_id === workId.toString()).map((s) => s.version);
    const current = versions[i]?.[0] ?? 0;
    expect(rows, `split versions of work ${workId}`).to.deep.equal(Array.from({ length: current }, (_, j) => j + 1));
  }
  const pots = await db.query<{
    work_id: string;
    version: number;
    currency: string;
    received: string;
    released: string;
  }>(
    "select work_id::text as work_id, version, currency, received::text as received, released::text as released " +
      "from revenue_pots",
  );
  await mapLimit(splits, 32, async (row) => {
    const workId = BigInt(row.work_id);
    const [owner, payees] = await pub.readContract({ ...ledger, functionName: "splitOf", args: [workId, row.version] });
    expect({ owner: row.owner, payees: row.payees }, `split ${workId} v${row.version}`).to.deep.equal({
      owner: lower(owner),
      payees: payees.map((p) => ({ account: lower(p.account), shareBps: p.shareBps })),
    });
    const [total, unreleased] = await pub.readContract({
      ...ledger,
      functionName: "revenueOf",
      args: [workId, row.version, ZERO],
    });
    const pot = pots.find((p) => p.work_id === row.work_id && p.version === row.version && p.currency === ZERO);
    expect(
      { received: pot?.received ?? "0", released: pot?.released ?? "0" },
      `revenue pot of ${workId} v${row.version}`,
    ).to.deep.equal({ received: total.toString(), released: (total - unreleased).toString() });
  });
  for (const pot of pots) {
    expect(
      splits.some((s) => s.work_id === pot.work_id && s.version === pot.version),
      `pot ${pot.work_id} v${pot.version} has its split`,
    ).to.equal(true);
  }

  // Listings and bids ---------------------------------------------------------------------------------------------
  const listings = await db.query<ListingRow>(
    "select work_id::text as work_id, seller, currency, price::text as price, expiry::text as expiry, moves, pledges " +
      "from listings",
  );
  const listed = new Map(listings.map((l) => [l.work_id, l]));
  for (const l of listings) expect(workIds.map(String), "listings are of registered works").to.include(l.work_id);
  await mapLimit(works, 32, async (w) => {
    const workId = BigInt(w.work_id);
    const listing = await pub.readContract({ ...exchange, functionName: "listingOf", args: [workId] });
    const row = listed.get(w.work_id);
    if (!row) {
      expect(listing.price, `work ${workId} has no listing row: listingOf reads zeros`).to.equal(0n);
      return;
    }
    const { seller, ...rest } = row;
    expect(rest, `listing of ${workId}`).to.deep.equal({
      work_id: w.work_id,
      currency: lower(listing.currency),
      price: listing.price.toString(),
      expiry: String(listing.expiry),
      moves: listing.moves,
      pledges: listing.pledges,
    });
    expect(listing.price, `listing of ${workId} is live`).to.not.equal(0n);
    // The seller is the holder for as long as the work has not moved since it was listed.
    if (listing.moves === w.moves) expect(seller, `seller of ${workId}`).to.equal(w.owner);
  });
  const bids = await db.query<BidRow>(
    "select work_id::text as work_id, bidder, currency, amount::text as amount, expiry::text as expiry from bids",
  );
  const bidRows = new Map(bids.map((b) => [`${b.work_id}:${b.bidder}`, b]));
  for (const b of bids) expect(workIds.map(String), "bids are on registered works").to.include(b.work_id);
  const bidders = [...new Set([...accounts, ...bids.map((b) => b.bidder as Hex)])];
  await mapLimit(
    workIds.flatMap((workId) => bidders.map((bidder) => ({ workId, bidder }))),
    64,
    async ({ workId, bidder }) => {
      const bid = await pub.readContract({ ...exchange, functionName: "bidOf", args: [workId, bidder] });
      const row = bidRows.get(`${workId}:${bidder}`);
      if (!row) {
        expect(bid.amount, `no bid row for ${workId} by ${bidder}: bidOf reads zero`).to.equal(0n);
        return;
      }
      expect(row, `bid on ${workId} by ${bidder}`).to.deep.equal({
        work_id: workId.toString(),
        bidder,
        currency: lower(bid.currency),
        amount: bid.amount.toString(),
        expiry: String(bid.expiry),
      });
      expect(bid.amount, `bid on ${workId} by ${bidder} is live`).to.not.equal(0n);
    },
  );

  // Balances and fees --------------------------------------------------------------------------------------------
  const balances = await db.query<{ contract: string; account: string; currency: string; owed: string }>(
    "select contract, account, currency, owed::text as owed from balances",
  );
  // owed() and platformFee() are the Payments base of both contracts: one ABI reads either.
  const paying = new Map<string, Hex>([
    [lower(deployment.ledger), deployment.ledger],
    [lower(deployment.exchange), deployment.exchange],
  ]);
  const owedBy = (contract: string, account: Hex, currency: Hex) =>
    pub.readContract({
      ...ledger,
      address: paying.get(contract) as Hex,
      functionName: "owed",
      args: [account, currency],
    });
  await mapLimit(balances, 32, async (row) => {
    expect([...paying.keys()], "balance rows are of the ledger and the exchange").to.include(row.contract);
    const owed = await owedBy(row.contract, row.account as Hex, row.currency as Hex);
    expect(row.owed, `owed by ${row.contract} to ${row.account} in ${row.currency}`).to.equal(owed.toString());
  });
  const byKey = new Map(balances.map((b) => [`${b.contract}:${b.account}:${b.currency}`, b.owed]));
  const pairs = [...paying.keys()].flatMap((contract) => accounts.map((account) => ({ contract, account })));
  await mapLimit(pairs, 32, async ({ contract, account }) => {
    const owed = await owedBy(contract, account, ZERO);
    const row = byKey.get(`${contract}:${account}:${ZERO}`);
    if (owed > 0n) expect(row, `balance row of ${account} at ${contract}`).to.equal(owed.toString());
    else if (row !== undefined) expect(row, `balance row of ${account} at ${contract}`).to.equal("0");
  });
  const settings = await db.query<{ contract: string; treasury: string; fee_bps: number }>(
    "select contract, treasury, fee_bps from payment_settings",
  );
  for (const [contract, address] of paying) {
    const [treasury, feeBps] = await pub.readContract({ ...ledger, address, functionName: "platformFee" });
    const row = settings.find((s) => s.contract === contract);
    expect(
      row ? { treasury: row.treasury, fee: row.fee_bps } : { treasury: ZERO, fee: 0 },
      `fee of ${contract}`,
    ).to.deep.equal({
      treasury: lower(treasury),
      fee: feeBps,
    });
  }
}

type WorkRow = {
  work_id: string;
  content_hash: string;
  creator: string;
  owner: string;
  registered_at: string;
  royalty_receiver: string;
  royalty_bps: number;
  parents: unknown;
  metadata_cid: string;
  pledged: boolean;
  pledgee: string | null;
  pledge_maturity: string | null;
  disputed: boolean;
  moves: number;
  pledges: number;
};

type OfferRow = {
  work_id: string;
  offer_index: number;
  kind: number;
  status: number;
  uses: number;
  fields: number;
  transferable: boolean;
  territory: unknown;
  supply: number;
  sold: number;
  start_at: string;
  end_at: string;
  duration: string;
  currency: string;
  price: string;
  moves: number;
  terms_hash: string;
};

type GrantRow = {
  grant_id: string;
  work_id: string;
  offer_index: number;
  serial: number;
  holder: string;
  start_at: string;
  end_at: string;
  state: number;
  transferable: boolean;
  parent: string;
};

type ListingRow = {
  work_id: string;
  seller: string;
  currency: string;
  price: string;
  expiry: string;
  moves: number;
  pledges: number;
};

type BidRow = { work_id: string; bidder: string; currency: string; amount: string; expiry: string };
