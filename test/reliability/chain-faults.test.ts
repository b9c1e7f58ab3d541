// The whole server on a chain that misbehaves: an RPC that drops, delays, reorders and fails 20% of requests, an RPC
// outage, and reorgs up to 64 blocks deep on anvil, with traffic throughout. Its answers converge to the chain's truth,
// and /ready says not ready, with a reason, while they have not.
import { createServer, type Server } from "node:http";
import { expect } from "chai";
import { type Hex, toHex } from "viem";
import { openDatabase } from "../../server/db/database.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { pgliteBackend } from "../db/backends.ts";
import { faultyProxy, rpcCall, seeded } from "../indexer/chain.ts";
import { dump, freshSync } from "../indexer/mirror.ts";
import { type Chain, call, chainFacts, chainHead, eventually, System, startChain } from "./system.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The reorgs injected, deepest last: the indexer's finality depth is 64. */
const DEPTHS = [1, 7, 23, 64];
/** How long an outage of the node lasts, and how soon /ready must say so (the indexer polls the head every second). */
const OUTAGE_MS = 20_000;
const READY_TRUTH_MS = 5_000;

/**
 * The RPC the server is given: straight to anvil, through the faulty proxy (which drops, delays and fails 20%), with
 * batched answers shuffled and answers held back at random so that they overtake each other, or down altogether.
 */
async function switchableRpc(anvil: string, faulty: string) {
  const random = seeded(99);
  const state = { mode: "direct" as "direct" | "faulty" | "down", reordered: 0 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (state.mode === "down") {
      res.writeHead(503).end("the node is down");
      return;
    }
    try {
      const target = state.mode === "faulty" ? faulty : anvil;
      const answer = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      });
      let body = await answer.text();
      if (state.mode === "faulty") {
        const parsed = JSON.parse(body) as unknown;
        if (Array.isArray(parsed) && parsed.length > 1) {
          body = JSON.stringify(parsed.sort(() => random() - 0.5));
          state.reordered++;
        }
        await sleep(Math.floor(random() * 30));
      }
      res.writeHead(answer.status, { "content-type": "application/json" }).end(body);
    } catch {
      req.socket.destroy(); // the faulty proxy dropped it: so do we
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, state, close: () => new Promise((r) => server.close(r)) };
}

/** A `/ready` answer as sampled, with the chain's true head when it was asked. */
type Sample = { at: number; status: number; synced: bigint | null; reasons: string[]; trueHead: bigint };

describe("the whole server on a faulty RPC with reorgs up to 64 blocks deep", function () {
  this.timeout(300_000);
  let chain: Chain;
  let sys: System;
  let faulty: Awaited<ReturnType<typeof faultyProxy>>;
  let rpc: Awaited<ReturnType<typeof switchableRpc>>;

  before(async () => {
    chain = await startChain();
    // Enough history that the deepest reorg stays above the deployment.
    await chain.w.run("history", 20, seeded(5));
    await rpcCall(chain.anvil.url, "anvil_mine", [toHex(80)]);
    faulty = await faultyProxy(chain.anvil.url, { faultRate: 0.2, maxRange: 4, seed: 4321 });
    rpc = await switchableRpc(chain.anvil.url, faulty.url);
    sys = await System.inTemp(chain, rpc.url);
  });

  after(async () => {
    await sys?.remove();
    await rpc?.close();
    await faulty?.close();
    await chain?.stop();
  });

  /** Whether the API answers every work of `works` as the chain has it: its owner, or 404 when the chain has none. */
  const agrees = async (url: string, works: bigint[]) => {
    for (const id of works) {
      const onChain = await chain.w.client
        .readContract({
          address: chain.w.deployment.registry,
          abi: provenanceRegistryAbi,
          functionName: "ownerOf",
          args: [id],
        })
        .then(
          (o) => (o as string).toLowerCase(),
          () => null,
        );
      const answer = await call(url, `/api/works/${toHex(id, { size: 32 })}`);
      const seen =
        answer?.status === 200 ? (answer.json?.["owner"] as string) : answer?.status === 404 ? null : undefined;
      if (seen !== onChain) return false;
    }
    return true;
  };

  /** When /ready still said ready more than READY_TRUTH_MS into the node's outage (ms into it). */
  let lateDuringOutage: number[] | undefined;

  it("converges to the chain's truth, and /ready is false with a reason until it has", async () => {
    // Started on a healthy RPC (the start checks the deployment once), then the faults begin.
    await sys.start();
    const url = sys.url;
    rpc.state.mode = "faulty";
    const samples: Sample[] = [];
    // A reorg never lands between a direct transaction and its receipt (which it would take away for good).
    let turn: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
      const next = turn.then(fn);
      turn = next.catch(() => undefined);
      return next;
    };
    const works: bigint[] = [];
    let on = true;
    const loops = [
      (async () => {
        for (let i = 0; on; i++) {
          await exclusive(async () => works.push(...(await chain.w.act(`faults ${i}`, 1 + (i % 3))).works));
          await sleep(150);
        }
      })(),
      (async () => {
        while (on) {
          const trueHead = await chainHead(chain.anvil.url);
          const ready = await call(url, "/ready");
          if (!ready) throw new Error("the server did not answer /ready");
          const synced = ready.json?.["syncedBlock"];
          samples.push({
            at: Date.now(),
            status: ready.status,
            synced: synced ? BigInt(synced as string) : null,
            reasons: ready.json?.["reasons"] as string[],
            trueHead,
          });
          await sleep(100);
        }
      })(),
      // Readers: any 5xx they get must be a 503 with a retry hint; what they read is checked at the end.
      (async () => {
        while (on) {
          const answer = await call(url, "/api/works?limit=10");
          if (answer && answer.status >= 500 && answer.status !== 503) throw new Error(`/api/works: ${answer.status}`);
          await sleep(100);
        }
      })(),
    ];
    const converged = async (what: string) => {
      const head = await chainHead(chain.anvil.url);
      await eventually(
        what,
        90_000,
        async () => {
          const ready = await call(url, "/ready");
          const synced = ready?.json?.["syncedBlock"];
          return ready?.status === 200 &&
            synced &&
            BigInt(synced as string) >= head &&
            (await agrees(url, works.slice(-12)))
            ? true
            : undefined;
        },
        500,
      );
    };

    try {
      await sleep(3_000);
      // An outage of the node: the mirror falls behind the chain, and /ready says so.
      rpc.state.mode = "down";
      const outage = Date.now();
      await sleep(OUTAGE_MS);
      const during = samples.filter((s) => s.at > outage);
      const firstUnready = during.find((s) => s.status === 503);
      console.log(
        `      /ready first said not ready ${firstUnready ? firstUnready.at - outage : "never"} ms into the outage`,
      );
      expect(during.length).to.be.greaterThan(5);
      // It does say so before the outage ends (how soon: the test after this one).
      expect(firstUnready?.reasons.length, "a reason while the node is unreachable").to.be.greaterThan(0);
      lateDuringOutage = during
        .filter((x) => x.at > outage + READY_TRUTH_MS && x.status !== 503)
        .map((x) => x.at - outage);
      rpc.state.mode = "faulty";
      await converged("convergence after the outage");

      // Reorgs, each replacing the newest `depth` blocks with empty ones while the traffic goes on.
      for (const depth of DEPTHS) {
        const [orphaned, replaced, head] = await exclusive(async () => {
          const at = toHex(await chainHead(chain.anvil.url));
          const before = await rpcCall<{ hash: Hex }>(chain.anvil.url, "eth_getBlockByNumber", [at, false]);
          await rpcCall(chain.anvil.url, "anvil_reorg", [depth, []]);
          const after = await rpcCall<{ hash: Hex }>(chain.anvil.url, "eth_getBlockByNumber", [at, false]);
          return [before.hash, after.hash, at];
        });
        expect(replaced, `the reorg of depth ${depth} replaced block ${head}`).not.to.equal(orphaned);
        await converged(`convergence after the reorg of depth ${depth}`);
      }
    } finally {
      on = false;
      await Promise.allSettled(loops);
    }
    await Promise.all(loops);
    // The last word: a reorg at the head with no block after it, and the mirror as a fresh sync of the chain.
    await rpcCall(chain.anvil.url, "anvil_reorg", [3, []]);
    await converged("convergence after the last reorg");
    const head = await chainHead(chain.anvil.url);

    // Every kind of fault was met.
    for (const kind of ["dropped", "delayed", "http500", "rpcErrors", "tooLarge"] as const) {
      expect(faulty.stats[kind], `${kind} in ${JSON.stringify(faulty.stats)}`).to.be.greaterThan(0);
    }
    expect(rpc.state.reordered, "batched answers reordered").to.be.greaterThan(0);
    // /ready never claimed a mirror behind the chain as it stood 10 s before (the indexer polls every second).
    for (const s of samples.filter((x) => x.status === 200)) {
      const old = samples.filter((x) => x.at <= s.at - 10_000).at(-1);
      if (old)
        expect(
          s.synced !== null && s.synced + 2n >= old.trueHead,
          JSON.stringify(s, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
        ).to.equal(true);
    }
    expect(samples.filter((s) => s.status === 503).length).to.be.greaterThan(0);

    expect(await sys.stop()).to.equal(0);
    const db = await openDatabase({ dataDir: sys.dataDir });
    try {
      expect(chainFacts(await dump(db))).to.deep.equal(chainFacts(await freshSync(pgliteBackend, chain.w, head)));
    } finally {
      await db.close();
    }
  });

  // The indexer's own error comes only once its RPC client's retries are spent (8 attempts, backoff up to 5 s); /ready
  // also reads the client's endpoints, failing for 2 s and more.
  it(`says not ready within ${READY_TRUTH_MS / 1000} s of the node becoming unreachable`, () => {
    expect(lateDuringOutage, "the outage of the test before").not.to.equal(undefined);
    expect(lateDuringOutage, "ms into the outage when /ready still said ready").to.deep.equal([]);
  });
});
