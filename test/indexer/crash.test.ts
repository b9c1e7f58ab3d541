// The indexer killed with SIGKILL at random points, in backfill and realtime, converges to a fresh sync.
import { spawn } from "node:child_process";
import { expect } from "chai";
import { type Deployment, deployTitlechainViem } from "../../scripts/deploy/viem.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { Indexer } from "../../server/indexer/indexer.ts";
import type { RpcLog } from "../../server/indexer/logs.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { type Backend, pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type Anvil, marketActivity, startAnvil } from "./chain.ts";

const child = new URL("./sync-child.ts", import.meta.url).pathname;
const KILLS = 20;

/** Where to kill the indexer: `delayMs` after it reports having synced to `block` or beyond. */
type KillPoint = { block: bigint; delayMs: number };

/** Runs the indexer in its own process; kills it with SIGKILL at `kill` (never, if undefined). */
function runIndexer(url: string, database: string, d: Deployment, kill?: KillPoint): Promise<"done" | "killed"> {
  return new Promise((resolve, reject) => {
    const args = [child, url, database, d.registry, d.ledger, d.exchange, d.startBlock.toString()];
    const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let armed = false;
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (kill === undefined || armed) return;
      const synced = [...out.matchAll(/^synced (\d+)$/gm)].map((m) => BigInt(m[1] as string));
      if (synced.some((block) => block >= kill.block)) {
        armed = true;
        setTimeout(() => proc.kill("SIGKILL"), kill.delayMs);
      }
    });
    proc.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    proc.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve("killed");
      else if (code === 0 && out.includes("done")) resolve("done");
      else reject(new Error(`indexer exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Everything the mirror holds that a fresh sync must reproduce. */
async function snapshotOf(db: Database) {
  const events = await db.query<{ k: string }>(
    "select block_number::text || ':' || log_index::text || ':' || name as k from chain_events " +
      "order by block_number, log_index",
  );
  const works = await db.query(
    "select work_id::text, owner, creator, pledged, disputed, moves, metadata_cid from works order by work_id",
  );
  const offers = await db.query(
    "select work_id::text, offer_index, sold, status, price::text from licence_offers order by work_id, offer_index",
  );
  const grants = await db.query(
    "select grant_id::text, holder, start_at::text, end_at::text, state from licence_grants order by grant_id",
  );
  const balances = await db.query(
    "select contract, account, currency, owed::text from balances order by contract, account, currency",
  );
  const movements = await db.query(
    "select block_number::text, log_index, seq, account, amount::text, reason from balance_movements " +
      "order by block_number, log_index, seq",
  );
  const transfers = await db.query(
    "select block_number::text, log_index, work_id::text, to_address from title_transfers order by block_number, log_index",
  );
  const state = await db.query("select synced_block::text from indexer_state");
  // Secondary indexes set aside during the backfill are all back, whichever run finished it.
  const indexes = await db.query(
    "select indexname, indexdef from pg_indexes where schemaname = current_schema() order by indexname",
  );
  const deferred = await db.query("select name from deferred_indexes");
  return {
    events: events.map((e) => e.k),
    works,
    offers,
    grants,
    balances,
    movements,
    transfers,
    state,
    indexes,
    deferred,
  };
}

for (const make of [pgliteBackend, postgresBackend]) {
  const backend: Backend = make();
  describe(`indexer killed with SIGKILL during backfill (${backend.name})`, function () {
    this.timeout(300_000);
    let anvil: Anvil;
    let deployment: Deployment;

    before(async () => {
      anvil = await startAnvil(["--gas-limit", "100000000"]);
      deployment = await deployTitlechainViem(anvil.url);
      await marketActivity(anvil.url, deployment, 100);
    });

    after(async () => {
      await backend.cleanup();
      await anvil?.stop();
    });

    it(`converges to the state of a fresh sync after ${KILLS} kills at random points`, async () => {
      const db = await backend.open();
      await migrate(db);
      const target = await backend.target();
      await db.close();
      let seed = 12345;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      // Kill points spread over the whole chain: a block drawn from it (one the last run already passed kills the next
      // as soon as it has read its checkpoint), then 0-30 ms on, which lands inside a page, between pages, or
      // after the last one, while the deferred indexes are being built.
      const rpc = new RpcClient({ urls: [anvil.url] });
      const head = BigInt(await rpc.request<string>("eth_blockNumber"));
      const span = Number(head - deployment.startBlock) + 1;
      const outcomes: string[] = [];
      for (let i = 0; i < KILLS; i++) {
        const block = deployment.startBlock + BigInt(Math.floor(random() * span));
        outcomes.push(await runIndexer(anvil.url, target, deployment, { block, delayMs: Math.floor(random() * 30) }));
      }
      const killed = outcomes.filter((o) => o === "killed").length;
      console.log(`      ${killed} of ${KILLS} runs killed, over blocks ${deployment.startBlock}-${head}`);
      expect(killed).to.be.greaterThan(KILLS / 2);
      expect(await runIndexer(anvil.url, target, deployment)).to.equal("done");

      const crashed = await backend.open();
      const afterCrashes = await snapshotOf(crashed);
      await crashed.close();

      const { registry, ledger, exchange, startBlock } = deployment;
      const logs = await rpc.request<RpcLog[]>("eth_getLogs", [
        { address: [registry, ledger, exchange], fromBlock: "0x0", toBlock: `0x${head.toString(16)}` },
      ]);
      const fresh = make();
      const freshDb = await fresh.open();
      try {
        await migrate(freshDb);
        await new Indexer({ db: freshDb, rpc, chainId: 31337, registry, ledger, exchange, startBlock }).syncTo(head);
        const expected = await snapshotOf(freshDb);
        expect(afterCrashes.events).to.have.length(logs.length);
        expect(afterCrashes).to.deep.equal(expected);
      } finally {
        await freshDb.close();
        await fresh.cleanup();
      }
    });
  });
}
