// The realtime indexer following heads over WebSocket and polling, through reorgs and kills.
import { type ChildProcess, spawn } from "node:child_process";
import { expect } from "chai";
import type { Hex } from "viem";
import type { Database } from "../../server/db/database.ts";
import { Vacuum } from "../../server/db/vacuum.ts";
import { Heads } from "../../server/indexer/heads.ts";
import type { Indexer } from "../../server/indexer/indexer.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type Anvil, headOf, rpcCall, seeded, startAnvil, waitFor } from "./chain.ts";
import { CHAIN_ID, Databases, dump, expectMirrorMatchesContracts, freshSync, Workload } from "./mirror.ts";

const child = new URL("./run-child.ts", import.meta.url).pathname;

async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.query<{ n: string }>(`select count(*)::text as n from (${sql}) q`, params);
  return Number(row?.n);
}

/** `indexer.run` in the background until `stop()`. */
function follow(indexer: Indexer, heads: Heads): { stop: () => Promise<void> } {
  const controller = new AbortController();
  const running = indexer.run(heads, controller.signal);
  return {
    stop: async () => {
      controller.abort();
      await running;
      heads.close();
    },
  };
}

/**
 * Waits until the running indexer's checkpoint (in the database) is the chain's head and stays there for `stableMs`;
 * returns the head.
 */
async function settled(indexer: Indexer, url: string, timeoutMs: number, stableMs = 500): Promise<bigint> {
  let since = 0;
  let head = -1n;
  let synced = -1n;
  try {
    await waitFor("the indexer to reach the head and stay", timeoutMs, async () => {
      const now = await headOf(url);
      synced = await indexer.syncedBlock();
      if (now !== head || synced !== now) {
        head = now;
        since = 0;
        return false;
      }
      since ||= Date.now();
      return Date.now() - since >= stableMs;
    });
  } catch (error) {
    const status = JSON.stringify(indexer.status());
    throw new Error(`${(error as Error).message}: head ${head}, synced ${synced}, status ${status}`);
  }
  return head;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** run-child.ts in its own process. */
function spawnChild(w: Workload, target: string, anvil: Anvil) {
  const d = w.deployment;
  const proc: ChildProcess = spawn(
    process.execPath,
    [child, anvil.url, anvil.wsUrl, target, d.registry, d.ledger, d.exchange, d.startBlock.toString()],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  let synced = -1n;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  proc.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes("ready\n")) onReady();
    for (const match of out.matchAll(/synced (\d+)\n/g)) synced = BigInt(match[1] as string);
  });
  proc.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    proc,
    /** Resolves on "ready"; rejects when the child exits first. */
    ready: Promise.race([
      ready,
      exited.then((e) => {
        throw new Error(`run-child exited before ready (${e.code ?? e.signal}): ${err.slice(-2000)}`);
      }),
    ]),
    exited,
    synced: () => synced,
    stderr: () => err,
  };
}

for (const make of [pgliteBackend, postgresBackend]) {
  const name = make().name;
  describe(`realtime indexer on anvil and ${name}`, function () {
    this.timeout(180_000);
    let anvil: Anvil;
    let w: Workload;
    /** The in-process tests share one mirror (a PGlite start costs seconds), each test resuming where the last one left. */
    let db: Database;
    const databases = new Databases(make);

    before(async () => {
      anvil = await startAnvil();
      w = await Workload.deploy(anvil.url, { fee: true });
      await w.act("before", 2);
      db = await databases.fresh();
    });

    after(async () => {
      await db?.close();
      await databases.cleanup();
      await anvil?.stop();
    });

    for (const mode of ["WebSocket", "polling"] as const) {
      it(`follows new transactions as they are mined (${mode}): each shows within 2 s, then equals a fresh sync`, async () => {
        const rpc = new RpcClient({ urls: [anvil.url] });
        // With a subscription the heads come pushed; its safety-net poll (10 x 5 s) is far slower than the 2 s allowed.
        const heads =
          mode === "WebSocket"
            ? new Heads({ rpc, wsUrl: anvil.wsUrl, pollIntervalMs: 5_000 })
            : new Heads({ rpc, pollIntervalMs: 100 });
        if (mode === "WebSocket") await waitFor("the newHeads subscription", 5_000, () => heads.subscribed);
        const indexer = w.indexer(db, rpc);
        const running = follow(indexer, heads);
        try {
          await settled(indexer, anvil.url, 20_000, 100);
          const random = seeded(mode === "WebSocket" ? 1 : 2);
          const latencies: number[] = [];
          for (let i = 0; i < 10; i++) {
            const tx = await w.act(`${mode} ${i}`, 1 + Math.floor(random() * 3));
            latencies.push(
              await waitFor(`the works of tx ${i} in the mirror`, 2_000, async () => {
                const found = await count(db, "select 1 from works where work_id = any($1::numeric[])", [
                  tx.works.map(String),
                ]);
                return found === tx.works.length;
              }),
            );
            if (i % 3 === 2) {
              const moved = await w.transfer();
              latencies.push(
                await waitFor(`transfer of work ${moved.workId} in the mirror`, 2_000, async () => {
                  const [row] = await db.query<{ owner: string }>("select owner from works where work_id = $1", [
                    moved.workId.toString(),
                  ]);
                  return row?.owner === moved.to.toLowerCase();
                }),
              );
            }
          }
          expect(heads.subscribed).to.equal(mode === "WebSocket");
          expect(Math.max(...latencies)).to.be.lessThan(2_000);
          const head = await settled(indexer, anvil.url, 10_000);
          await running.stop();
          expect(await indexer.syncedBlock()).to.equal(head);
          expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
          await expectMirrorMatchesContracts(db, w, { grantsToBuyer: true });
        } finally {
          await running.stop();
        }
      });
    }

    it("follows a reorg while running: orphaned rows are gone, the mirror equals a fresh sync of the new chain", async () => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const heads = new Heads({ rpc, wsUrl: anvil.wsUrl, pollIntervalMs: 100 });
      const indexer = w.indexer(db, rpc, { finalityDepth: 128 });
      const running = follow(indexer, heads);
      try {
        await settled(indexer, anvil.url, 20_000, 100);
        const snapshot = await rpcCall<string>(anvil.url, "evm_snapshot");
        const restore = w.save();
        const orphans: { hash: Hex; works: bigint[] }[] = [];
        for (let i = 0; i < 5; i++) orphans.push(await w.act(`orphan ${i}`, 1 + (i % 3)));
        const orphanHead = await settled(indexer, anvil.url, 10_000, 100);
        const orphanWorks = orphans.flatMap((o) => o.works.map(String));
        const orphanTxs = orphans.map((o) => o.hash);
        // The orphaned branch was mirrored: what follows has something to remove.
        expect(await count(db, "select 1 from works where work_id = any($1::numeric[])", [orphanWorks])).to.equal(
          orphanWorks.length,
        );

        expect(await rpcCall<boolean>(anvil.url, "evm_revert", [snapshot])).to.equal(true);
        restore();
        for (let i = 0; i < 7; i++) await w.act(`canonical ${i}`, 1 + ((i + 1) % 3));
        const head = await settled(indexer, anvil.url, 20_000, 1_000);
        expect(head).to.be.greaterThan(orphanHead);
        await running.stop();

        expect(await indexer.syncedBlock()).to.equal(head);
        expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
        for (const table of [
          "works",
          "licence_offers",
          "licence_grants",
          "licence_payments",
          "title_transfers",
          "balance_movements",
        ]) {
          expect(
            await count(db, `select 1 from ${table} where work_id = any($1::numeric[])`, [orphanWorks]),
            table,
          ).to.equal(0);
        }
        expect(await count(db, "select 1 from chain_event_log where tx_hash = any($1)", [orphanTxs])).to.equal(0);
        await expectMirrorMatchesContracts(db, w, { grantsToBuyer: true });
      } finally {
        await running.stop();
      }
    });

    it("status() reports the head it settled on and no error while running, and vacuums PGlite as it writes", async () => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const vacuum = new Vacuum(db, 1);
      const indexer = w.indexer(db, rpc, { vacuum });
      const running = follow(indexer, new Heads({ rpc, wsUrl: anvil.wsUrl, pollIntervalMs: 100 }));
      try {
        await settled(indexer, anvil.url, 20_000, 100);
        for (let i = 0; i < 3; i++) await w.act(`status ${i}`, 2);
        const head = await settled(indexer, anvil.url, 10_000);
        const status = indexer.status();
        expect(status.chainId).to.equal(CHAIN_ID);
        expect(status.syncedBlock).to.equal(head.toString());
        expect(status.head).to.equal(head.toString());
        expect(status.lastError).to.equal(null);
        expect(status.lastSyncAt).to.be.a("number");
        expect(status.rpc.map((s) => s.ok)).to.deep.equal([true]);
        expect(await indexer.syncedBlock()).to.equal(head);
        // Every sync that applied events vacuumed once caught up (PostgreSQL's autovacuum is left to do it there).
        expect(vacuum.written).to.equal(0);
        if (db.kind === "pglite") {
          const [row] = await db.query<{ n: string }>(
            "select reltuples::text as n from pg_class where relname = 'chain_transactions'",
          );
          expect(Number(row?.n)).to.be.greaterThan(0);
        }
      } finally {
        await running.stop();
      }
    });

    it("status() of an indexer restarted on an up-to-date mirror reports its synced block", async () => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const first = w.indexer(db, rpc);
      const head = await headOf(anvil.url);
      await first.syncTo(head);
      const restarted = w.indexer(db, rpc);
      const running = follow(restarted, new Heads({ rpc, pollIntervalMs: 50 }));
      try {
        // A few rounds of the loop: it saw the head, found nothing to sync, and reported success.
        await waitFor("the restarted indexer's first round", 10_000, () => restarted.status().lastSyncAt !== null);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await headOf(anvil.url)).to.equal(head);
        const status = restarted.status();
        expect({ head: status.head, lastError: status.lastError }).to.deep.equal({
          head: head.toString(),
          lastError: null,
        });
        expect(status.syncedBlock).to.equal(head.toString());
      } finally {
        await running.stop();
      }
    });

    it("converges to a fresh sync after 20 SIGKILLs of the realtime indexer at random points", async function () {
      // Each PGlite child spends seconds starting its database before "ready" (more on a loaded machine).
      this.timeout(600_000);
      const backend = databases.backend();
      const target = await backend.target();
      const random = seeded(0x5eed);
      const outcomes: Exit[] = [];
      for (let round = 0; round < 20; round++) {
        const proc = spawnChild(w, target, anvil);
        await proc.ready;
        const delay = Math.floor(random() * 300);
        const timer = setTimeout(() => proc.proc.kill("SIGKILL"), delay);
        const txs = 1 + Math.floor(random() * 3);
        for (let i = 0; i < txs; i++) await w.act(`kill ${round} ${i}`, 1 + Math.floor(random() * 3));
        const exit = await proc.exited;
        clearTimeout(timer);
        if (exit.signal !== "SIGKILL") throw new Error(`run-child exited with ${exit.code}: ${proc.stderr()}`);
        outcomes.push(exit);
      }
      expect(outcomes.filter((o) => o.signal === "SIGKILL")).to.have.length(20);

      const head = await headOf(anvil.url);
      const last = spawnChild(w, target, anvil);
      await last.ready;
      try {
        if (backend.name === "PostgreSQL") {
          // PostgreSQL can be read beside the child: wait on its checkpoint.
          const watcher = await backend.open();
          try {
            await waitFor("indexer_state to reach the head", 60_000, async () => {
              const [row] = await watcher.query<{ b: string }>("select synced_block::text as b from indexer_state");
              return row !== undefined && BigInt(row.b) >= head;
            });
          } finally {
            await watcher.close();
          }
        } else {
          // PGlite is one process's: the child reports each sync, and the checkpoint is checked once it stopped.
          await waitFor("the child to sync to the head", 60_000, () => last.synced() >= head);
        }
      } finally {
        last.proc.kill("SIGTERM");
      }
      const exit = await last.exited;
      expect(exit, last.stderr()).to.deep.equal({ code: 0, signal: null });

      const db = await backend.open();
      try {
        const [state] = await db.query<{ b: string }>("select synced_block::text as b from indexer_state");
        expect(state?.b).to.equal(head.toString());
        expect(await count(db, "select 1 from chain_events")).to.equal((await w.logs(head)).length);
        expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
        await expectMirrorMatchesContracts(db, w, { grantsToBuyer: true });
      } finally {
        await db.close();
      }
    });

    // Regression: the projection once failed on the first licence sale of a ledger without fee settings.
    it("follows licence sales on a deployment whose platform fee was never set", async () => {
      const bare = await startAnvil();
      const own = await databases.fresh();
      try {
        const unset = await Workload.deploy(bare.url, { fee: false });
        const rpc = new RpcClient({ urls: [bare.url] });
        const indexer = unset.indexer(own, rpc);
        const running = follow(indexer, new Heads({ rpc, pollIntervalMs: 100 }));
        try {
          await unset.act("no fee", 2);
          const head = await headOf(bare.url);
          await waitFor(
            "the indexer to reach the head",
            5_000,
            () => indexer.status().syncedBlock === head.toString(),
          ).catch(() => undefined);
          expect(indexer.status().lastError).to.equal(null);
          expect(indexer.status().syncedBlock).to.equal(head.toString());
          await running.stop();
          await expectMirrorMatchesContracts(own, unset, { grantsToBuyer: true });
        } finally {
          await running.stop();
        }
      } finally {
        await own.close();
        await bare.stop();
      }
    });
  });
}
