// The whole indexer through an RPC that drops, delays and fails requests, and a PGlite worker that crashes.
import { expect } from "chai";
import { crashWorkerForTests, type Database } from "../../server/db/database.ts";
import { Heads } from "../../server/indexer/heads.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type Anvil, faultyProxy, headOf, seeded, startAnvil, waitFor } from "./chain.ts";
import { Databases, dump, expectMirrorMatchesContracts, freshSync, Workload } from "./mirror.ts";

/** Retries generous enough to ride out a 20% fault rate; timeouts above the proxy's 300 ms delays. */
const faultTolerantRpc = (url: string) =>
  new RpcClient({ urls: [url], timeoutMs: 3_000, maxAttempts: 40, baseDelayMs: 5, maxDelayMs: 100 });

/**
 * The database, whose worker stops during its `at`-th write: a transaction just before its commit, or a pipeline's
 * transaction just sent.
 */
function crashingAt(db: Database, at: number): Database & { crashed: boolean } {
  let writes = 0;
  const crash = () => (db as unknown as { [crashWorkerForTests]: () => Promise<number> })[crashWorkerForTests]();
  const crashing: Database & { crashed: boolean } = {
    crashed: false,
    kind: db.kind,
    query: (text, params) => db.query(text, params),
    exec: (text) => db.exec(text),
    close: () => db.close(),
    transaction: (fn) =>
      db.transaction(async (tx) => {
        const result = await fn(tx);
        if (++writes === at) {
          crashing.crashed = true;
          await crash();
        }
        return result;
      }),
    pipeline: () => {
      const pipeline = db.pipeline();
      return {
        send: (statements) => {
          const sent = pipeline.send(statements);
          if (++writes === at) {
            crashing.crashed = true;
            void crash();
          }
          return sent;
        },
      };
    },
  };
  return crashing;
}

for (const make of [pgliteBackend, postgresBackend]) {
  const name = make().name;
  describe(`full indexer through a faulty RPC on anvil and ${name}`, function () {
    this.timeout(180_000);
    let anvil: Anvil;
    let w: Workload;
    const databases = new Databases(make);

    before(async () => {
      anvil = await startAnvil();
      w = await Workload.deploy(anvil.url, { fee: true });
      await w.run("backfill", 60, seeded(42));
    });

    after(async () => {
      await databases.cleanup();
      await anvil?.stop();
    });

    it("syncTo(head) through dropped, slow, failing and range-limited answers equals a fresh sync", async () => {
      const head = await headOf(anvil.url);
      const logs = await w.logs(head);
      expect(logs.length).to.be.greaterThan(300);
      expect(new Set(logs.map((l) => l.blockNumber)).size).to.be.greaterThan(55);
      const proxy = await faultyProxy(anvil.url, { faultRate: 0.2, maxRange: 8, seed: 1234 });
      const db = await databases.fresh();
      try {
        // Ranges start wider than the proxy's 8 blocks, so that some are refused as too large whatever the fetcher does.
        const indexer = w.indexer(db, faultTolerantRpc(proxy.url), { ranges: { initialRange: 64n } });
        expect(await indexer.syncTo(head)).to.equal(logs.length);
        expect(await indexer.syncedBlock()).to.equal(head);
        // Every kind of fault was injected and survived.
        const { stats } = proxy;
        // The proxy draws one roll per request in arrival order; seed 1234's first 7 rolls hold all four kinds.
        expect(stats.requests).to.be.at.least(7);
        for (const kind of ["dropped", "delayed", "http500", "rpcErrors", "tooLarge"] as const) {
          expect(stats[kind], `${kind} in ${JSON.stringify(stats)}`).to.be.greaterThan(0);
        }
        expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
        await expectMirrorMatchesContracts(db, w);
      } finally {
        await db.close();
        await proxy.close();
      }
    });

    it("run() polling through the faulty RPC while transactions are sent converges to a fresh sync", async () => {
      const proxy = await faultyProxy(anvil.url, { faultRate: 0.2, maxRange: 8, seed: 77 });
      const db = await databases.fresh();
      const rpc = faultTolerantRpc(proxy.url);
      const indexer = w.indexer(db, rpc, { ranges: { initialRange: 64n } });
      const heads = new Heads({ rpc, pollIntervalMs: 50 });
      const controller = new AbortController();
      const running = indexer.run(heads, controller.signal);
      try {
        await w.run("realtime", 20, seeded(43));
        // Settled: synced to the head, and still there 500 ms later.
        let head = -1n;
        let since = 0;
        await waitFor("the indexer to reach the head", 60_000, async () => {
          const now = await headOf(anvil.url);
          if (now !== head || indexer.status().syncedBlock !== now.toString()) {
            head = now;
            since = 0;
            return false;
          }
          since ||= Date.now();
          return Date.now() - since >= 500;
        });
        controller.abort();
        await running;
        expect(await indexer.syncedBlock()).to.equal(head);
        // Seed 77's first 10 rolls hold all four kinds; the 50 ms polling alone makes far more requests.
        expect(proxy.stats.requests).to.be.at.least(10);
        for (const kind of ["dropped", "delayed", "http500", "rpcErrors", "tooLarge"] as const) {
          expect(proxy.stats[kind], `${kind} in ${JSON.stringify(proxy.stats)}`).to.be.greaterThan(0);
        }
        expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
        await expectMirrorMatchesContracts(db, w);
      } finally {
        controller.abort();
        await running;
        heads.close();
        await db.close();
        await proxy.close();
      }
    });

    // PGlite's worker is a thread of this process, whose crash is injected here (a PostgreSQL server ending its
    // connections is tested in test/db).
    if (make === pgliteBackend) {
      it("a sync under way fails, and the next resumes on a new worker from the last commit: equal to a fresh sync", async () => {
        const head = await headOf(anvil.url);
        const db = await databases.fresh();
        try {
          // Pages of two blocks: each round commits a few pages, then the worker stops under the next one.
          const ranges = { initialRange: 2n, maxRange: 2n };
          const rpc = new RpcClient({ urls: [anvil.url] });
          let synced = await w.indexer(db, rpc).syncedBlock();
          for (const at of [5, 6, 7]) {
            const crashing = crashingAt(db, at);
            const error = await w
              .indexer(crashing, rpc, { ranges })
              .syncTo(head)
              .then(
                () => expect.fail(`the sync went on after the worker stopped (write ${at})`),
                (e: unknown) => e as Error,
              );
            expect(crashing.crashed).to.equal(true);
            expect(error.message).to.match(/^the PGlite worker stopped/);
            // What was committed before the crash stays; the sync is not over.
            const now = await w.indexer(db, rpc).syncedBlock();
            expect(now > synced && now < head, `synced ${synced} -> ${now} of ${head}`).to.equal(true);
            synced = now;
          }
          const indexer = w.indexer(db, rpc, { ranges });
          await indexer.syncTo(head);
          expect(await indexer.syncedBlock()).to.equal(head);
          expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
          await expectMirrorMatchesContracts(db, w);
        } finally {
          await db.close();
        }
      });
    }
  });
}
