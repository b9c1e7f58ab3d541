import { expect } from "chai";
import { createPublicClient, http } from "viem";
import { foundry } from "viem/chains";
import { type Deployment, deployTitlechainViem } from "../../scripts/deploy/viem.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import type { IndexerOptions } from "../../server/indexer/indexer.ts";
import type { RpcLog } from "../../server/indexer/logs.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type Anvil, rpcCall, startAnvil } from "./chain.ts";
import {
  emptyReport,
  expectMirrorEqualsContracts,
  randomMarketWorkload,
  type WorkloadOptions,
  type WorkloadReport,
  workloadAccounts,
} from "./market-workload.ts";
import { deploymentIndexer } from "./mirror.ts";

/** Transactions the workload's accounts have sent, read from the chain (their nonces). */
async function sentByAccounts(url: string): Promise<number> {
  const client = createPublicClient({ chain: foundry, transport: http(url) });
  const counts = await Promise.all(
    (await workloadAccounts(url)).map((address) => client.getTransactionCount({ address })),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Runs a workload and checks that most steps produced a transaction, as the chain itself counts them. */
async function workload(
  url: string,
  deployment: Deployment,
  seed: number,
  steps: number,
  options: Omit<WorkloadOptions, "report"> = {},
): Promise<WorkloadReport> {
  const before = await sentByAccounts(url);
  const report = emptyReport();
  await randomMarketWorkload(url, deployment, seed, steps, { ...options, report });
  const context = JSON.stringify(report);
  expect(report.steps, context).to.equal(steps);
  expect(report.sent + report.reverted + report.skipped, context).to.equal(steps);
  expect(report.sent, `most steps send a transaction: ${context}`).to.be.at.least(Math.ceil(steps * 0.8));
  expect((await sentByAccounts(url)) - before, "transactions on chain").to.equal(report.sent + report.setup);
  return report;
}

/** Every kind of transaction the workload sends (its report's operation names). */
const EVERY_OPERATION = [
  "register",
  "assign",
  "transferFrom",
  "safeTransferFrom",
  "updateMetadata",
  "pledge",
  "releasePledge",
  "foreclose",
  "setPledgeeConsent",
  "flagDispute",
  "clearDispute",
  "setPlatformFee (ledger)",
  "setPlatformFee (exchange)",
  "createOffer (non-exclusive)",
  "createOffer (sole)",
  "createOffer (exclusive)",
  "repriceOffer",
  "pauseOffer",
  "resumeOffer",
  "closeOffer",
  "buyLicence",
  "renewLicence",
  "terminateLicence",
  "surrenderLicence",
  "transferLicence",
  "issueSublicence",
  "setSplits",
  "setSplits (owner alone)",
  "release",
  "listWork",
  "cancelListing",
  "buyWork",
  "placeBid",
  "withdrawBid",
  "acceptBid",
  "withdraw (ledger)",
  "withdraw (exchange)",
];

for (const make of [pgliteBackend, postgresBackend]) {
  const backend = make();
  describe(`market mirror on anvil and ${backend.name}`, function () {
    this.timeout(300_000);
    let anvil: Anvil;
    let deployment: Deployment;
    let db: Database;

    before(async () => {
      anvil = await startAnvil();
      deployment = await deployTitlechainViem(anvil.url);
      db = await backend.open();
      await migrate(db);
    });

    after(async () => {
      await db?.close();
      await backend.cleanup();
      await anvil?.stop();
    });

    /** Operations the workloads of this suite sent. */
    const seen = new Set<string>();
    const indexer = (rpc: RpcClient, extra: Partial<IndexerOptions> = {}) =>
      deploymentIndexer(db, rpc, deployment, extra);
    const latest = async (rpc: RpcClient) => BigInt(await rpc.request<string>("eth_blockNumber"));
    const logsBetween = (rpc: RpcClient, from: bigint, to: bigint) =>
      rpc.request<RpcLog[]>("eth_getLogs", [
        {
          address: [deployment.registry, deployment.ledger, deployment.exchange],
          fromBlock: `0x${from.toString(16)}`,
          toBlock: `0x${to.toString(16)}`,
        },
      ]);

    it("after a random workload of 150 steps the mirror equals the contracts", async () => {
      const report = await workload(anvil.url, deployment, 1001, 150);
      for (const op of Object.keys(report.ops)) seen.add(op);
      // The workload reaches every corner of the market, not only registrations.
      expect(Object.keys(report.ops).length, JSON.stringify(report.ops)).to.be.at.least(25);

      const rpc = new RpcClient({ urls: [anvil.url] });
      const head = await latest(rpc);
      const applied = await indexer(rpc).syncTo(head);
      expect(applied).to.equal((await logsBetween(rpc, deployment.startBlock, head)).length);
      const [rows] = await db.query<{ offers: string; grants: string; listings: string; bids: string }>(
        "select (select count(*) from licence_offers)::text as offers, (select count(*) from licence_grants)::text " +
          "as grants, (select count(*) from listings)::text as listings, (select count(*) from bids)::text as bids",
      );
      expect(Number(rows?.offers)).to.be.greaterThan(0);
      expect(Number(rows?.grants)).to.be.greaterThan(0);
      await expectMirrorEqualsContracts(db, anvil.url, deployment);
    });

    it("a restarted indexer syncing pages of 3 blocks after a second workload still equals the contracts", async () => {
      const report = await workload(anvil.url, deployment, 2002, 120);
      for (const op of Object.keys(report.ops)) seen.add(op);
      // Between them, the two workloads sent every operation the mirror follows.
      expect([...seen].sort()).to.include.members(EVERY_OPERATION);
      const rpc = new RpcClient({ urls: [anvil.url] });
      const restarted = indexer(rpc, { ranges: { initialRange: 3n, maxRange: 3n, batchSize: 1 } });
      const head = await latest(rpc);
      const before = await restarted.syncedBlock();
      expect(before).to.be.lessThan(head);
      const applied = await restarted.syncTo(head);
      expect(applied).to.equal((await logsBetween(rpc, before + 1n, head)).length);
      expect(await restarted.syncTo(head)).to.equal(0);
      expect(await restarted.syncedBlock()).to.equal(head);
      const [dupes] = await db.query<{ n: string }>(
        "select count(*)::text as n from (select 1 from chain_events group by chain_id, block_number, log_index " +
          "having count(*) > 1) d",
      );
      expect(dupes?.n).to.equal("0");
      await expectMirrorEqualsContracts(db, anvil.url, deployment);
    });

    it("the comparison itself notices one wrong, missing or extra row in any table of the mirror", async () => {
      type Change = { what: string; change: string; undo: () => Promise<unknown> };
      // One row of a table changed by `set` (its key as one text), and changed back by `undo`.
      const update = (table: string, key: string, set: string, undo: string): Change => {
        const where = `where ${key} = (select min(${key}) from ${table})`;
        return {
          what: `${table}: ${set}`,
          change: `update ${table} set ${set} ${where} returning 1`,
          undo: () => db.query(`update ${table} set ${undo} ${where}`),
        };
      };
      // The newest transaction's last event, to take out of the event log and put back.
      const [last] = await db.query<{ block_number: string; tx_index: number; event: string }>(
        "select block_number::text as block_number, tx_index, json_build_array(log_indexes[cardinality(log_indexes)], " +
          "event_contracts[cardinality(log_indexes)], event_names[cardinality(log_indexes)], args -> -1)::text " +
          "as event from chain_transactions order by block_number desc, tx_index desc limit 1",
      );
      expect(last).to.not.equal(undefined);
      const lastTx = `where (block_number, tx_index) = (${last?.block_number}, ${last?.tx_index})`;
      const changes: Change[] = [
        update("works", "work_id::text", "moves = moves + 1", "moves = moves - 1"),
        update("licence_offers", "work_id::text || ':' || offer_index", "sold = sold + 1", "sold = sold - 1"),
        update("licence_grants", "grant_id::text", "end_at = end_at + 1", "end_at = end_at - 1"),
        update("licence_grants", "grant_id::text", "holder = upper(holder)", "holder = lower(holder)"),
        update("revenue_splits", "work_id::text || ':' || version", "owner = upper(owner)", "owner = lower(owner)"),
        update(
          "revenue_pots",
          "work_id::text || ':' || version || currency",
          "released = released + 1",
          "released = released - 1",
        ),
        {
          // A bid of 1 wei (the workload bids in gwei) by an account that never bid.
          what: "bids: a bid the exchange does not have",
          change:
            "insert into bids (chain_id, work_id, bidder, currency, amount, expiry, placed_at) select chain_id, " +
            "work_id, '0x000000000000000000000000000000000000dead', '0x0000000000000000000000000000000000000000', 1, 0, " +
            "now() from works order by work_id limit 1 returning 1",
          undo: () => db.query("delete from bids where amount = 1"),
        },
        update("balances", "contract || account || currency", "owed = owed + 1", "owed = owed - 1"),
        {
          // A listing of 1 wei (the workload prices in gwei) of a work the exchange has no listing of.
          what: "listings: a listing the exchange does not have",
          change:
            "insert into listings (chain_id, work_id, seller, currency, price, expiry, moves, pledges, listed_at) " +
            "select chain_id, work_id, owner, '0x0000000000000000000000000000000000000000', 1, 0, moves, pledges, now() " +
            "from works w where not exists (select 1 from listings l where l.work_id = w.work_id) " +
            "order by w.work_id limit 1 returning 1",
          undo: () => db.query("delete from listings where price = 1"),
        },
        {
          what: "chain_events: the last event missing",
          change:
            "update chain_transactions set log_indexes = trim_array(log_indexes, 1), event_contracts = " +
            "trim_array(event_contracts, 1), event_names = trim_array(event_names, 1), args = args - -1 " +
            `${lastTx} returning 1`,
          undo: () =>
            db.query(
              "update chain_transactions set log_indexes = log_indexes || ($1::jsonb->>0)::integer, event_contracts = " +
                "event_contracts || ($1::jsonb->>1)::integer, event_names = event_names || ($1::jsonb->>2)::integer, " +
                "args = args || jsonb_build_array($1::jsonb->3) " +
                lastTx,
              [last?.event],
            ),
        },
      ];
      await expectMirrorEqualsContracts(db, anvil.url, deployment);
      for (const { what, change, undo } of changes) {
        const [changed] = await db.query<{ n: string }>(`with u as (${change}) select count(*)::text as n from u`);
        expect(changed?.n, `${what}: one row changed`).to.equal("1");
        let noticed = false;
        try {
          await expectMirrorEqualsContracts(db, anvil.url, deployment);
        } catch {
          noticed = true;
        }
        await undo();
        expect(noticed, `${what} went unnoticed`).to.equal(true);
      }
      await expectMirrorEqualsContracts(db, anvil.url, deployment);
    });

    for (const [orphan, canonical] of [
      [1, 3],
      [20, 25],
      [64, 70],
    ] as const) {
      it(`follows a reorg of ${orphan} market step(s) replaced by ${canonical}: no orphan row`, async () => {
        const rpc = new RpcClient({ urls: [anvil.url] });
        const follower = indexer(rpc, { finalityDepth: 128 });
        const fork = await latest(rpc);
        await follower.syncTo(fork);
        const snapshot = await rpcCall<string>(anvil.url, "evm_snapshot");
        const orphanReport = await workload(anvil.url, deployment, 3000 + orphan, orphan);
        const orphanHead = await latest(rpc);
        // One block per transaction (and one per time jump): the reorg is at least as deep as the transactions sent.
        expect(Number(orphanHead - fork), "blocks orphaned").to.be.at.least(orphanReport.sent);
        await follower.syncTo(orphanHead);
        const orphaned = await db.query<{ k: string }>(
          "select block_number::text || ':' || log_index::text || ':' || block_hash as k from chain_event_log " +
            "where block_number > $1",
          [fork.toString()],
        );
        expect(orphaned.length, "the orphaned branch was mirrored").to.be.greaterThan(0);

        expect(await rpcCall<boolean>(anvil.url, "evm_revert", [snapshot])).to.equal(true);
        await workload(anvil.url, deployment, 4000 + orphan, canonical);
        // The new branch may end below the orphaned head (time jumps mine empty blocks): the indexer must cope.
        const head = await latest(rpc);
        await follower.syncTo(head);

        const logs = await logsBetween(rpc, deployment.startBlock, head);
        const rows = await db.query<{ k: string }>(
          "select block_number::text || ':' || log_index::text || ':' || block_hash as k from chain_event_log " +
            "order by block_number, log_index",
        );
        expect(rows.map((r) => r.k)).to.deep.equal(
          logs.map((l) => `${BigInt(l.blockNumber)}:${BigInt(l.logIndex)}:${l.blockHash}`),
        );
        const left = new Set(rows.map((r) => r.k));
        expect(orphaned.filter((o) => left.has(o.k))).to.deep.equal([]);
        await expectMirrorEqualsContracts(db, anvil.url, deployment);
      });
    }

    // LicenceLedger._end brings a grant's end down to the time it is ended only when the term is still running.
    it("mirrors the end of a grant ended after it expired", async () => {
      const report = await workload(anvil.url, deployment, 6006, 150, { endExpiredGrants: true });
      const expired = (report.ops["terminateLicence (expired)"] ?? 0) + (report.ops["surrenderLicence (expired)"] ?? 0);
      expect(expired, JSON.stringify(report.ops)).to.be.at.least(1);
      const rpc = new RpcClient({ urls: [anvil.url] });
      await indexer(rpc).syncTo(await latest(rpc));
      await expectMirrorEqualsContracts(db, anvil.url, deployment);
    });

    // The registry emits WorkDerived before the Transfer/WorkRegistered pair that creates the work. Run on a fresh
    // deployment and database, so that a failure leaves the other tests' mirror alone.
    it("mirrors derivative registrations", async () => {
      const fresh = await deployTitlechainViem(anvil.url);
      const report = await workload(anvil.url, fresh, 5005, 150, { derivatives: true });
      expect(report.ops["register derivative"] ?? 0, JSON.stringify(report.ops)).to.be.at.least(1);
      const other = make();
      const freshDb = await other.open();
      try {
        await migrate(freshDb);
        const rpc = new RpcClient({ urls: [anvil.url] });
        const sync = deploymentIndexer(freshDb, rpc, fresh);
        await sync.syncTo(await latest(rpc));
        await expectMirrorEqualsContracts(freshDb, anvil.url, fresh);
      } finally {
        await freshDb.close();
        await other.cleanup();
      }
    });
  });
}
