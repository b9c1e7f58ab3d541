/** The market mirror against the contracts after random workloads, a scripted run of the new paths, and reorgs. */
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
import { expectMirrorEqualsContracts } from "./market-check.ts";
import { royaltyAndPriorityScenario } from "./market-scenario.ts";
import { randomMarketWorkload, type WorkloadOptions } from "./market-workload.ts";
import { deploymentIndexer } from "./mirror.ts";
import { emptyReport, type WorkloadReport, workloadAccounts } from "./workload-context.ts";

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

/**
 * Every kind of transaction the workload sends (its report's operation names, each in any of its variants: "renewLicence"
 * is sent when "renewLicence (derivative)" is, "withdraw (ledger)" when "withdraw (ledger, token)" is).
 */
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
  "withdrawFor (ledger)",
  "withdrawFor (exchange)",
  "disallowCurrency (ledger)",
  "allowCurrency (ledger)",
  "disallowCurrency (exchange)",
  "allowCurrency (exchange)",
  "commit",
  "anchorBatch",
  "reveal",
];

/** The paths of derivative royalties and priority claims the random workloads must take (by operation name). */
const NEW_PATHS: [string, RegExp][] = [
  ["a derivative registered under an adapt licence owing a royalty", /^register derivative \(.*owing a royalty/],
  ["a derivative of a derivative", /^register derivative \(of a derivative, owing a royalty\)$/],
  ["a licence of a derivative sold", /^buyLicence \(derivative/],
  ["a licence of a derivative renewed", /^renewLicence \(derivative/],
  ["a licence sold in the token", /^buyLicence \(token\)$/],
  ["a derivative sold on the exchange", /^(buyWork|acceptBid) \(derivative/],
  ["a licence sale voiding a bid", /^buyLicence \(.*voids a bid/],
  ["a registration of a file committed a day before", /\(front-run\)$/],
  ["a priority claim by a single commitment", /^reveal \(priority claim\)$/],
  ["a priority claim from a batch", /^reveal \(from a batch, priority claim\)$/],
  ["a pledge to the same pledgee again", /^pledge \(same pledgee again\)$/],
  ["a bid in the token", /^placeBid \(token\)$/],
];

/** Whether `op`, or a variant of it, is among `seen`. */
const sent = (seen: ReadonlySet<string>, op: string) =>
  [...seen].some(
    (s) => s === op || s.startsWith(`${op} (`) || (op.endsWith(")") && s.startsWith(`${op.slice(0, -1)}, `)),
  );

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

    it("after a random workload of 250 steps the mirror equals the contracts", async () => {
      const report = await workload(anvil.url, deployment, 1001, 250);
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
      const report = await workload(anvil.url, deployment, 2002, 200);
      for (const op of Object.keys(report.ops)) seen.add(op);
      // Between them, the two workloads sent every operation the mirror follows, and took every new path.
      const ops = JSON.stringify([...seen].sort());
      expect(
        EVERY_OPERATION.filter((op) => !sent(seen, op)),
        ops,
      ).to.deep.equal([]);
      expect(
        NEW_PATHS.filter(([, path]) => ![...seen].some((op) => path.test(op))).map(([what]) => what),
        ops,
      ).to.deep.equal([]);
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

    it("after the scripted derivative royalties and priority claims the mirror equals the contracts and shows them", async () => {
      const made = await royaltyAndPriorityScenario(anvil.url, deployment, "main");
      const rpc = new RpcClient({ urls: [anvil.url] });
      await indexer(rpc).syncTo(await latest(rpc));
      await expectMirrorEqualsContracts(db, anvil.url, deployment);
      const one = async (sql: string, params: unknown[]) => (await db.query<Record<string, unknown>>(sql, params))[0];
      const [parent, derivative, grandchild] = [made.parent, made.derivative, made.grandchild].map(String);
      // Royalty edges up two generations, and the royalties credited along them: to P's split pot, to Q's holder.
      expect(
        await db.query(
          "select work_id::text as work, parent_id::text as parent, royalty_bps from royalty_edges where work_id = " +
            "any($1::numeric[]) order by work_id",
          [`{${derivative},${grandchild}}`],
        ),
      ).to.have.deep.members([
        { work: derivative, parent, royalty_bps: 2_000 },
        { work: grandchild, parent: derivative, royalty_bps: 1_500 },
      ]);
      const pots = await one(
        "select count(distinct currency)::int as currencies from revenue_pots where work_id = $1 and received > 0",
        [parent],
      );
      expect(pots, "P's pot received royalties in the native coin and the token").to.deep.equal({ currencies: 2 });
      const credited = await one(
        "select count(*)::int as n from balance_movements where reason = 'derivative_royalty' and work_id = $1",
        [derivative],
      );
      expect(Number(credited?.["n"]), "Q's holder credited royalties from R").to.be.at.least(3);
      const sales = await one(
        "select count(*)::int as n, count(distinct currency)::int as currencies from work_sales where work_id = $1 " +
          "and parent_royalty > 0",
        [grandchild],
      );
      expect(sales).to.deep.equal({ n: 2, currencies: 2 });
      // The priority claims: the displaced registrations kept, the claimed works' rows the claimants'.
      const claims = await db.query<Record<string, unknown>>(
        "select c.work_id::text as work, c.displaced_owed_royalties as owed, c.cleared_pledgee is not null as " +
          "cleared, w.creator = c.creator and w.creator <> c.displaced_creator as replaced, w.parents = '[]' as " +
          "no_parents, w.owes_royalties as owes, w.pledged from priority_claims c join works w using (chain_id, work_id) " +
          "where c.work_id = any($1::numeric[]) order by c.block_number",
        [`{${made.claimed.join(",")}}`],
      );
      expect(claims).to.deep.equal([
        {
          work: String(made.claimed[0]),
          owed: true,
          cleared: true,
          replaced: true,
          no_parents: true,
          owes: false,
          pledged: false,
        },
        {
          work: String(made.claimed[1]),
          owed: false,
          cleared: false,
          replaced: true,
          no_parents: true,
          owes: false,
          pledged: false,
        },
      ]);
      const late = await one("select recorded_at > registered_at as late from works where work_id = $1", [
        String(made.revealedLate),
      ]);
      expect(late, "a reveal days after its batch is recorded later than its priority time").to.deep.equal({
        late: true,
      });
      // The bid on Q placed before a licence of Q was sold: void, and the mirror tells so.
      const bid = await one(
        "select b.encumbrances < w.encumbrances as void from bids b join works w using (chain_id, work_id) where " +
          "b.work_id = $1",
        [derivative],
      );
      expect(bid).to.deep.equal({ void: true });
      const pushed = await one(
        "select count(*)::int as n from balance_movements where reason = 'withdrawal' and withdrawn_by <> account",
        [],
      );
      expect(Number(pushed?.["n"]), "withdrawals pushed by someone else").to.be.at.least(2);
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
          "event_contracts[cardinality(log_indexes)], event_names[cardinality(log_indexes)], args -> -1, " +
          "event_works[cardinality(log_indexes)]::text)::text " +
          "as event from chain_transactions order by block_number desc, tx_index desc limit 1",
      );
      expect(last).to.not.equal(undefined);
      const lastTx = `where (block_number, tx_index) = (${last?.block_number}, ${last?.tx_index})`;
      const changes: Change[] = [
        update("works", "work_id::text", "moves = moves + 1", "moves = moves - 1"),
        update("works", "work_id::text", "encumbrances = encumbrances + 1", "encumbrances = encumbrances - 1"),
        update("works", "work_id::text", "owes_royalties = not owes_royalties", "owes_royalties = not owes_royalties"),
        update(
          "works",
          "work_id::text",
          "recorded_at = recorded_at + interval '1 day'",
          "recorded_at = recorded_at - interval '1 day'",
        ),
        update(
          "works",
          "work_id::text",
          "licence_consent_pledge = licence_consent_pledge + 1",
          "licence_consent_pledge = licence_consent_pledge - 1",
        ),
        update(
          "licence_offers",
          "work_id::text || ':' || offer_index",
          "derivative_royalty_bps = derivative_royalty_bps + 1",
          "derivative_royalty_bps = derivative_royalty_bps - 1",
        ),
        update(
          "royalty_edges",
          "work_id::text || ':' || edge_index",
          "royalty_bps = royalty_bps + 1",
          "royalty_bps = royalty_bps - 1",
        ),
        update(
          "royalty_edges",
          "work_id::text || ':' || edge_index",
          "grant_id = grant_id + 1",
          "grant_id = grant_id - 1",
        ),
        update(
          "priority_claims",
          "block_number::text || ':' || log_index",
          "displaced_holder = upper(displaced_holder)",
          "displaced_holder = lower(displaced_holder)",
        ),
        update(
          "priority_claims",
          "block_number::text || ':' || log_index",
          "displaced_recorded_at = displaced_recorded_at + interval '1 second'",
          "displaced_recorded_at = displaced_recorded_at - interval '1 second'",
        ),
        update("bids", "work_id::text || bidder", "encumbrances = encumbrances + 1", "encumbrances = encumbrances - 1"),
        update(
          "licence_payments",
          "block_number::text || ':' || log_index",
          "royalty = royalty + 1",
          "royalty = royalty - 1",
        ),
        update(
          "work_sales",
          "block_number::text || ':' || log_index",
          "parent_royalty = parent_royalty + 1",
          "parent_royalty = parent_royalty - 1",
        ),
        {
          what: "balance_movements: who withdrew",
          change:
            "update balance_movements set withdrawn_by = withdrawn_by || 'x' where (block_number, log_index) = " +
            "(select block_number, log_index from balance_movements where reason = 'withdrawal' order by " +
            "block_number, log_index limit 1) returning 1",
          undo: () =>
            db.query("update balance_movements set withdrawn_by = left(withdrawn_by, -1) where withdrawn_by like '%x'"),
        },
        update("currencies", "contract || currency_id", "allowed = not allowed", "allowed = not allowed"),
        update(
          "currencies",
          "contract || currency_id",
          "source = case source when 'ledger' then 'exchange' else 'ledger' end",
          "source = case source when 'ledger' then 'exchange' else 'ledger' end",
        ),
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
            "trim_array(event_contracts, 1), event_names = trim_array(event_names, 1), args = args - -1, " +
            "event_works = trim_array(event_works, 1) " +
            `${lastTx} returning 1`,
          undo: () =>
            db.query(
              "update chain_transactions set log_indexes = log_indexes || ($1::jsonb->>0)::integer, event_contracts = " +
                "event_contracts || ($1::jsonb->>1)::integer, event_names = event_names || ($1::jsonb->>2)::integer, " +
                "args = args || jsonb_build_array($1::jsonb->3), event_works = event_works || " +
                "($1::jsonb->>4)::numeric " +
                lastTx,
              [last?.event],
            ),
        },
        {
          what: "chain_events: an event's work",
          change:
            "update chain_transactions set event_works[1] = event_works[1] + 1 where (block_number, tx_index) = " +
            "(select block_number, tx_index from chain_transactions where event_works[1] is not null order by " +
            "block_number, tx_index limit 1) returning 1",
          undo: () =>
            db.query(
              "update chain_transactions set event_works[1] = event_works[1] - 1 where (block_number, tx_index) = " +
                "(select block_number, tx_index from chain_transactions where event_works[1] is not null order by " +
                "block_number, tx_index limit 1)",
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

    /**
     * Mirrors `orphan` (a branch of at least `depth` blocks off the current head), reverts the chain to the fork and
     * mirrors `canonical` instead: the event log must be the chain's exactly, no orphaned row may be left, and the
     * mirror must equal the contracts. Returns the rows of `tables` (their keys as text) before the orphaned branch, with
     * it, and after the reorg.
     */
    const reorg = async (
      orphan: () => Promise<number>,
      canonical: () => Promise<unknown>,
      tables: Record<string, string> = {},
    ) => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const follower = indexer(rpc, { finalityDepth: 128 });
      const fork = await latest(rpc);
      await follower.syncTo(fork);
      const rowsOf = async () => {
        const rows: Record<string, string[]> = {};
        for (const [table, key] of Object.entries(tables)) {
          rows[table] = (await db.query<{ k: string }>(`select ${key} as k from ${table}`)).map((r) => r.k);
        }
        return rows;
      };
      const before = await rowsOf();
      const snapshot = await rpcCall<string>(anvil.url, "evm_snapshot");
      const depth = await orphan();
      const orphanHead = await latest(rpc);
      expect(Number(orphanHead - fork), "blocks orphaned").to.be.at.least(depth);
      await follower.syncTo(orphanHead);
      const orphaned = await db.query<{ k: string }>(
        "select block_number::text || ':' || log_index::text || ':' || block_hash as k from chain_event_log " +
          "where block_number > $1",
        [fork.toString()],
      );
      expect(orphaned.length, "the orphaned branch was mirrored").to.be.greaterThan(0);
      const mirrored = await rowsOf();

      expect(await rpcCall<boolean>(anvil.url, "evm_revert", [snapshot])).to.equal(true);
      await canonical();
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
      return { before, mirrored, after: await rowsOf() };
    };

    for (const [orphan, canonical] of [
      [1, 3],
      [20, 25],
      [64, 70],
    ] as const) {
      it(`follows a reorg of ${orphan} market step(s) replaced by ${canonical}: no orphan row`, async () => {
        // One block per transaction (and one per time jump): the reorg is at least as deep as the transactions sent.
        await reorg(
          async () => (await workload(anvil.url, deployment, 3000 + orphan, orphan)).sent,
          () => workload(anvil.url, deployment, 4000 + orphan, canonical),
        );
      });
    }

    it("follows a reorg of blocks carrying derivative royalties, priority claims, pushed withdrawals and currency changes", async () => {
      let made: Awaited<ReturnType<typeof royaltyAndPriorityScenario>> | undefined;
      const { before, mirrored, after } = await reorg(
        async () => {
          made = await royaltyAndPriorityScenario(anvil.url, deployment, "orphaned");
          return 40;
        },
        () => workload(anvil.url, deployment, 4444, 30),
        {
          royalty_edges: "work_id::text || ':' || edge_index",
          priority_claims: "work_id::text || ':' || block_number",
          works: "work_id::text || ':' || encumbrances || ':' || owes_royalties || ':' || creator",
          balance_movements:
            "block_number::text || ':' || log_index || ':' || seq || ':' || reason || ':' || account || ':' || amount",
          revenue_pots: "work_id::text || ':' || version || ':' || currency || ':' || received",
        },
      );
      // The orphaned branch's edges, claims, works and credits were mirrored, and are gone with it.
      for (const table of Object.keys(mirrored)) {
        const orphaned = (mirrored[table] ?? []).filter((k) => !(before[table] ?? []).includes(k));
        expect(orphaned.length, `${table} rows of the orphaned branch`).to.be.greaterThan(0);
        expect(
          orphaned.filter((k) => (after[table] ?? []).includes(k)),
          `${table} rows of the orphaned branch left`,
        ).to.deep.equal([]);
      }
      const gone = [made?.derivative, made?.grandchild, ...(made?.claimed ?? [])].map(String);
      for (const table of ["royalty_edges", "priority_claims"]) {
        expect(mirrored[table]?.filter((k) => gone.some((w) => k.startsWith(`${w}:`))).length, table).to.be.at.least(2);
        expect(
          after[table]?.filter((k) => gone.some((w) => k.startsWith(`${w}:`))),
          table,
        ).to.deep.equal([]);
      }
    });

    // LicenceLedger._end brings a grant's end down to the time it is ended only when the term is still running.
    it("mirrors the end of a grant ended after it expired", async () => {
      const report = await workload(anvil.url, deployment, 6006, 150, { endExpiredGrants: true });
      const expired = (report.ops["terminateLicence (expired)"] ?? 0) + (report.ops["surrenderLicence (expired)"] ?? 0);
      expect(expired, JSON.stringify(report.ops)).to.be.at.least(1);
      const rpc = new RpcClient({ urls: [anvil.url] });
      await indexer(rpc).syncTo(await latest(rpc));
      await expectMirrorEqualsContracts(db, anvil.url, deployment);
    });

    // The registry emits WorkDerived (and the ledger DerivativeLicensed) before the Transfer/WorkRegistered pair that
    // creates the work. Run on a fresh deployment and database, so that a failure leaves the other tests' mirror alone.
    it("mirrors derivative registrations", async () => {
      const fresh = await deployTitlechainViem(anvil.url);
      const report = await workload(anvil.url, fresh, 5005, 250);
      const derivatives = Object.entries(report.ops).filter(([op]) => op.startsWith("register derivative"));
      expect(derivatives.length, JSON.stringify(report.ops)).to.be.at.least(1);
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
