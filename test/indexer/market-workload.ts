/**
 * A seeded random workload on the real Titlechain contracts (registry, licence ledger, exchange) deployed on anvil.
 *
 * The workload picks, at each step, an operation by weight and looks for a candidate whose preconditions hold by
 * reading the contracts (a work the caller owns and that is not pledged, an open offer that is not sold out...); an
 * operation without a candidate is skipped for another one. A transaction the node would revert is not sent (viem
 * estimates the gas first) and counts as a failed step. Block times advance by exactly one second per block
 * (`anvil_setBlockTimestampInterval`), and time jumps (pledge maturity, licence terms, a day before a registration
 * that a commitment may displace) set the next block's time, so the same seed on the same chain state gives the same
 * transactions. The operations live by contract in `workload-registry.ts`, `workload-ledger.ts`,
 * `workload-exchange.ts` and `workload-payments.ts`.
 */
import { createPublicClient, type Hex, http, type Log, type PublicClient, parseEventLogs } from "viem";
import { foundry } from "viem/chains";
import { bytecodeOf, type Deployment } from "../../scripts/deploy/viem.ts";
import { testTokenBytecode } from "../../types/abi/bytecode.js";
import { exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi, testTokenAbi } from "../../types/abi/index.js";
import { rpcCall, seeded } from "./chain.ts";
import {
  type Commitment,
  type Ctx,
  chance,
  emptyReport,
  int,
  jump,
  type Outcome,
  setup,
  type WorkloadReport,
  walletOf,
  workloadAccounts,
} from "./workload-context.ts";
import { acceptBid, buyWork, cancelListing, listWork, placeBid, withdrawBid } from "./workload-exchange.ts";
import {
  buyLicence,
  closeOffer,
  createOffer,
  issueSublicence,
  pauseOrResume,
  pledgeeConsent,
  release,
  renewLicence,
  repriceOffer,
  setSplits,
  surrenderLicence,
  terminateLicence,
  transferLicence,
} from "./workload-ledger.ts";
import { allowCurrency, platformFee, withdraw, withdrawFor } from "./workload-payments.ts";
import {
  ARBITER_ROLE,
  anchorBatch,
  assign,
  clearDispute,
  commit,
  flagDispute,
  foreclose,
  frontRun,
  pledge,
  register,
  registerDerivative,
  releasePledge,
  reveal,
  transfer,
  updateMetadata,
} from "./workload-registry.ts";

export type WorkloadOptions = {
  /** Filled with what the workload did. */
  report?: WorkloadReport;
  /**
   * Whether terminations and surrenders may pick grants whose term already ran out (whose end the ledger then keeps).
   * Off by default: grants still running are the usual case.
   */
  endExpiredGrants?: boolean;
};

type Op = { name: string; weight: number; run: (c: Ctx) => Promise<Outcome> };

const OPS: Op[] = [
  { name: "register", weight: 10, run: register },
  { name: "registerDerivative", weight: 6, run: registerDerivative },
  { name: "commit", weight: 3, run: commit },
  { name: "anchorBatch", weight: 2, run: anchorBatch },
  { name: "frontRun", weight: 3, run: frontRun },
  { name: "reveal", weight: 4, run: reveal },
  { name: "assign", weight: 4, run: assign },
  { name: "transfer", weight: 3, run: transfer },
  { name: "updateMetadata", weight: 2, run: updateMetadata },
  { name: "pledge", weight: 4, run: pledge },
  { name: "releasePledge", weight: 3, run: releasePledge },
  { name: "foreclose", weight: 2, run: foreclose },
  { name: "pledgeeConsent", weight: 3, run: pledgeeConsent },
  { name: "flagDispute", weight: 2, run: flagDispute },
  { name: "clearDispute", weight: 2, run: clearDispute },
  { name: "platformFee", weight: 3, run: platformFee },
  { name: "allowCurrency", weight: 2, run: allowCurrency },
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
  { name: "release", weight: 5, run: release },
  { name: "listWork", weight: 5, run: listWork },
  { name: "cancelListing", weight: 2, run: cancelListing },
  { name: "buyWork", weight: 5, run: buyWork },
  { name: "placeBid", weight: 5, run: placeBid },
  { name: "withdrawBid", weight: 2, run: withdrawBid },
  { name: "acceptBid", weight: 3, run: acceptBid },
  { name: "withdraw", weight: 3, run: withdraw },
  { name: "withdrawFor", weight: 2, run: withdrawFor },
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

/**
 * The commitments the workloads of this process made and have not revealed, by node and registry: the chain shows
 * only their hashes. Each is checked against the chain before it is used (a reorg may have taken it).
 */
const commitments = new Map<string, Commitment[]>();

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
    } else if (log.eventName === "DerivativeLicensed" && log.args.royaltyBps > 0) {
      c.known.derivatives.add(log.args.workId);
    } else if (log.eventName === "CurrencyAllowed" && c.token === "0x") {
      c.token = log.args.token.toLowerCase() as Hex;
    }
  }
  for (const log of parseEventLogs({ abi: exchangeAbi, logs: await logsOf(c.d.exchange) })) {
    if (log.eventName === "BidPlaced") {
      const bidder = log.args.bidder.toLowerCase() as Hex;
      c.known.bids.set(`${log.args.workId}:${bidder}`, { workId: log.args.workId, bidder });
    }
  }
}

/** How much of the token each actor holds and allows the ledger and the exchange to take, at least. */
const TOKEN_FLOAT = 10n ** 30n;

/**
 * Roles, approvals and the token the workload relies on, sent only when missing: the arbiter role, the exchange's
 * approval by every actor, and an ERC-20 allowed on the ledger and the exchange that every actor holds and has
 * approved to both.
 */
async function setUp(c: Ctx): Promise<void> {
  const arbiter = await c.pub.readContract({
    address: c.d.registry,
    abi: provenanceRegistryAbi,
    functionName: "hasRole",
    args: [ARBITER_ROLE, c.admin],
  });
  if (!arbiter) await setup(c, c.admin, "registry", "grantRole", [ARBITER_ROLE, c.admin]);
  if (c.token === "0x") {
    const hash = await walletOf(c, c.admin).deployContract({
      abi: testTokenAbi,
      bytecode: bytecodeOf(testTokenBytecode),
      args: ["Workload Yuan", "WCNY", 18],
      account: c.admin,
      chain: foundry,
    });
    const receipt = await c.pub.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress) throw new Error("the workload's token was not deployed");
    c.token = receipt.contractAddress.toLowerCase() as Hex;
    c.report.setup++;
    await setup(c, c.admin, "ledger", "allowCurrency", [c.token, true]);
    await setup(c, c.admin, "exchange", "allowCurrency", [c.token, true]);
  }
  for (const actor of c.actors) {
    const approved = await c.pub.readContract({
      address: c.d.registry,
      abi: provenanceRegistryAbi,
      functionName: "isApprovedForAll",
      args: [actor, c.d.exchange],
    });
    if (!approved) await setup(c, actor, "registry", "setApprovalForAll", [c.d.exchange, true]);
    const read = (functionName: "balanceOf" | "allowance", args: readonly Hex[]) =>
      c.pub.readContract({ address: c.token, abi: testTokenAbi, functionName, args } as never) as Promise<bigint>;
    if ((await read("balanceOf", [actor])) < TOKEN_FLOAT) {
      await setup(c, c.admin, "token", "mint", [actor, TOKEN_FLOAT * 10n]);
    }
    for (const spender of [c.d.ledger, c.d.exchange]) {
      if ((await read("allowance", [actor, spender])) < TOKEN_FLOAT) {
        await setup(c, actor, "token", "approve", [spender, 2n ** 255n]);
      }
    }
  }
}

/**
 * Drives the real contracts of `deployment` on the anvil at `url` with `steps` seeded random operations by anvil
 * accounts 0 (admin and arbiter) to 6: registrations (with varying royalties; derivatives under adapt licences with
 * derivative royalties, derivatives of derivatives; by reveal of a commitment, single or batched), priority claims
 * against registrations a day later than the commitment, assignments with deeds, transfers, metadata updates, pledges
 * (to the same pledgee again too), releases and foreclosures, disputes, platform fees, the token taken off and put
 * back on the allow-lists, licence offers of every kind in the native coin or the token (repriced, paused, resumed,
 * closed), purchases and renewals (of derivatives, paying royalties up their lineage; some voiding bids), terminations,
 * surrenders, licence token transfers, sublicences, revenue splits and releases, listings, purchases of works, bids,
 * withdrawals and withdrawals pushed for others. Each step sends at most one transaction, automined in its own block.
 * See {@link WorkloadOptions}.
 */
export async function randomMarketWorkload(
  url: string,
  deployment: Deployment,
  seed: number,
  steps: number,
  options: WorkloadOptions = {},
): Promise<void> {
  const c = await workloadContext(url, deployment, seed, options);
  const report = c.report;
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

/**
 * The context a workload (random, or the scripted one of market-scenario.ts) acts in on `deployment`: what the chain
 * holds, found from its logs, and the roles, approvals and token it needs, set up when missing. Block times advance
 * by one second per block from now on.
 */
export async function workloadContext(
  url: string,
  deployment: Deployment,
  seed: number,
  options: WorkloadOptions = {},
): Promise<Ctx> {
  const accounts = await workloadAccounts(url);
  // By node and registry: a new anvil deploys its registry at the same address.
  const chain = `${url} ${deployment.registry.toLowerCase()}`;
  const pending = commitments.get(chain) ?? [];
  commitments.set(chain, pending);
  const c: Ctx = {
    url,
    d: deployment,
    seed,
    rng: seeded(seed),
    pub: createPublicClient({ chain: foundry, transport: http(url), pollingInterval: 10 }) as PublicClient,
    endExpiredGrants: options.endExpiredGrants ?? false,
    accounts,
    actors: accounts.slice(1),
    admin: accounts[0] as Hex,
    token: "0x",
    known: {
      works: [],
      offers: [],
      grants: [],
      splits: [],
      bids: new Map(),
      derivatives: new Set(),
      commitments: pending,
    },
    report: options.report ?? emptyReport(),
    wallets: new Map(),
    step: 0,
  };
  // One second per block, whatever the wall clock does: the same seed gives the same chain.
  await rpcCall(url, "anvil_setBlockTimestampInterval", [1]);
  await discover(c);
  await setUp(c);
  return c;
}
