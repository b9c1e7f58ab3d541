/**
 * The indexer benchmark (`npm run bench:indexer -- [--json FILE]`). On a local anvil it builds two workloads from our
 * own contracts through {BulkActor} (registrations, licence offers and sales, assignments):
 *   sparse: one transaction per block, about 12 events each, at least 20,000 events;
 *   dense:  about 400 events per transaction and block, at least 100,000 events;
 * indexes each from scratch into a fresh PGlite in a data directory on disk (and PostgreSQL too when DATABASE_URL is
 * set), then measures realtime lag on a live chain: a transaction's receipt to its work being visible to a database
 * query, with the indexer following new heads over WebSocket. Peak RSS is the whole run's (this process: the indexer,
 * its database and the workload's clients; anvil is a separate process).
 *
 * `npm run bench:indexer` runs it with the memory settings the server's processes run with (package.json's `config`:
 * Node's flags and the C allocator's tunables); the report names them.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, encodeFunctionData, type Hex, http, keccak256, toHex } from "viem";
import { foundry } from "viem/chains";
import { type Database, openDatabase } from "../server/db/database.ts";
import { migrate } from "../server/db/migrate.ts";
import { Heads } from "../server/indexer/heads.ts";
import { Indexer } from "../server/indexer/indexer.ts";
import { RpcClient } from "../server/indexer/rpc.ts";
import { bulkActorAbi } from "../types/abi/index.js";
import { type Anvil, startAnvil } from "./anvil.ts";
import { type Deployment, deployBulkActor, deployTitlechainViem } from "./deploy/viem.ts";

const args = process.argv.slice(2);
const jsonAt = args.indexOf("--json");
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
// For working on the indexer: `--chain FILE` keeps the built chain in FILE (anvil state) and FILE.json, and reuses
// them on the next run instead of building the workloads again. Reported figures come from runs without it: anvil then
// dumps its whole state (about 400 MB) every 10 s, which slows every backfill measured in that run.
const chainAt = args.indexOf("--chain");
const chainFile = chainAt >= 0 ? args[chainAt + 1] : undefined;
const SPARSE_EVENTS = 20_000;
const DENSE_EVENTS = 100_000;
const PRICE = 1_000n;

let peakRss = 0;
/** What the benchmark is doing, and what it was doing when its memory peaked. */
let phase = "starting";
let peakPhase = phase;
/**
 * Each phase's RSS when it began and its peak, in MB (where the whole run's memory builds up), and the CPU time this
 * process and anvil used in it, in seconds (on a 2-core machine the three busy threads, main, database and anvil,
 * share two cores: a slow phase shows whether the CPU was ours, anvil's or taken by the machine).
 */
const phases: { phase: string; startMB: number; peakMB: number; wallS: number; cpuS: number; anvilCpuS: number }[] = [];
let anvilPid: number | undefined;
let phaseStart = { wall: performance.now(), cpu: process.cpuUsage(), anvil: 0 };
/** anvil's CPU time so far, in seconds (0 before it runs or once it has stopped). */
function anvilCpu(): number {
  try {
    const stat = readFileSync(`/proc/${anvilPid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0;
  }
}
const closePhase = () => {
  const current = phases.at(-1);
  if (!current) return;
  const cpu = process.cpuUsage(phaseStart.cpu);
  current.wallS = round((performance.now() - phaseStart.wall) / 1000);
  current.cpuS = round((cpu.user + cpu.system) / 1e6);
  current.anvilCpuS = round(anvilCpu() - phaseStart.anvil);
};
const round = (x: number) => Math.round(x * 10) / 10;
const enter = (next: string) => {
  closePhase();
  phase = next;
  phaseStart = { wall: performance.now(), cpu: process.cpuUsage(), anvil: anvilCpu() };
  phases.push({
    phase: next,
    startMB: Math.round(process.memoryUsage().rss / 1e6),
    peakMB: 0,
    wallS: 0,
    cpuS: 0,
    anvilCpuS: 0,
  });
};
enter("starting anvil");
const sampleRss = () => {
  const rss = process.memoryUsage().rss;
  if (rss > peakRss) {
    peakRss = rss;
    peakPhase = phase;
  }
  const current = phases.at(-1);
  if (current) current.peakMB = Math.max(current.peakMB, Math.round(rss / 1e6));
};
const sampler = setInterval(sampleRss, 20);

type Workload = { deployment: Deployment; events: number; blocks: number };

/** Sends `act` transactions of `perTx` works each until `events` events are on chain; one transaction per block. */
async function build(anvil: Anvil, tag: string, perTx: number, events: number): Promise<Workload> {
  const deployment = await deployTitlechainViem(anvil.url);
  const seller = await deployBulkActor(anvil.url, deployment);
  const buyer = await deployBulkActor(anvil.url, deployment);
  const transport = http(anvil.url);
  const client = createPublicClient({ chain: foundry, transport });
  const wallet = createWalletClient({ chain: foundry, transport, account: deployment.admin });
  const [, peer] = await wallet.getAddresses();
  const rpc = new RpcClient({ urls: [anvil.url] });
  let nonce = await client.getTransactionCount({ address: deployment.admin });
  const first = await client.getBlockNumber();
  const eventsPerWork = 6; // register 2, offer 1, licence 2, every other work assigned 2
  const txs = Math.ceil(events / (perTx * eventsPerWork - 1));
  for (let i = 0; i < txs; i++) {
    const data = encodeFunctionData({
      abi: bulkActorAbi,
      functionName: "act",
      args: [keccak256(toHex(tag)), BigInt(i * perTx), BigInt(perTx), PRICE, buyer, peer as Hex],
    });
    const hash = await wallet.sendTransaction({
      to: seller,
      data,
      value: PRICE * BigInt(perTx),
      nonce: nonce++,
      gas: BigInt(perTx) * 600_000n + 100_000n,
    });
    // Mined before the next is sent: one transaction per block.
    await receiptOf(rpc, hash);
  }
  const last = await client.getBlockNumber();
  // Counted a few blocks at a time: one answer of 100,000 logs would hold hundreds of MB in this process, which the
  // peak memory it reports is the indexer's.
  let onChain = 0;
  for (let from = deployment.startBlock; from <= last; from += 20n) {
    const to = from + 19n < last ? from + 19n : last;
    const logs = await rpc.request<unknown[]>("eth_getLogs", [
      {
        address: [deployment.registry, deployment.ledger, deployment.exchange],
        fromBlock: `0x${from.toString(16)}`,
        toBlock: `0x${to.toString(16)}`,
      },
    ]);
    onChain += logs.length;
  }
  return { deployment, events: onChain, blocks: Number(last - first) };
}

/** Waits for a transaction's receipt, asking every millisecond; fails if it reverted. */
async function receiptOf(rpc: RpcClient, hash: Hex): Promise<void> {
  for (;;) {
    const receipt = await rpc.request<{ status: string } | null>("eth_getTransactionReceipt", [hash]);
    if (receipt) {
      if (receipt.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
      return;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

type Backend = { name: string; open: () => Promise<{ db: Database; cleanup: () => Promise<void> }> };

const pglite: Backend = {
  name: "PGlite",
  open: async () => {
    const dir = await mkdtemp(join(tmpdir(), "titlechain-bench-"));
    const db = await openDatabase({ dataDir: dir });
    return { db, cleanup: async () => rm(dir, { recursive: true, force: true }) };
  },
};

function postgres(url: string): Backend {
  return {
    name: "PostgreSQL",
    open: async () => {
      const admin = await openDatabase({ databaseUrl: url });
      const name = `titlechain_bench_${process.pid}`;
      await admin.exec(`drop database if exists ${name}`);
      await admin.exec(`create database ${name}`);
      const target = new URL(url);
      target.pathname = `/${name}`;
      const db = await openDatabase({ databaseUrl: target.toString() });
      return {
        db,
        cleanup: async () => {
          await admin.exec(`drop database if exists ${name} with (force)`);
          await admin.close();
        },
      };
    },
  };
}

function indexerFor(db: Database, anvil: Anvil, deployment: Deployment): Indexer {
  return new Indexer({
    db,
    rpc: new RpcClient({ urls: [anvil.url] }),
    chainId: 31337,
    registry: deployment.registry,
    ledger: deployment.ledger,
    exchange: deployment.exchange,
    startBlock: deployment.startBlock,
  });
}

async function backfill(backend: Backend, anvil: Anvil, workload: Workload): Promise<number> {
  const { db, cleanup } = await backend.open();
  try {
    await migrate(db);
    const indexer = indexerFor(db, anvil, workload.deployment);
    const head = BigInt(await new RpcClient({ urls: [anvil.url] }).request<string>("eth_blockNumber"));
    const started = performance.now();
    const applied = await indexer.syncTo(head);
    const seconds = (performance.now() - started) / 1000;
    if (applied !== workload.events) throw new Error(`indexed ${applied} events of ${workload.events}`);
    sampleRss();
    return Math.round(applied / seconds);
  } finally {
    await db.close();
    await cleanup();
  }
}

/** Sends `count` one-work transactions, one at a time; for each, the time from its receipt to its work in the DB. */
async function realtime(backend: Backend, anvil: Anvil, count: number): Promise<{ p50: number; p99: number }> {
  const deployment = await deployTitlechainViem(anvil.url);
  const seller = await deployBulkActor(anvil.url, deployment);
  const buyer = await deployBulkActor(anvil.url, deployment);
  const { db, cleanup } = await backend.open();
  const rpc = new RpcClient({ urls: [anvil.url] });
  const heads = new Heads({ rpc, wsUrl: anvil.wsUrl, pollIntervalMs: 1000 });
  const abort = new AbortController();
  try {
    await migrate(db);
    const indexer = indexerFor(db, anvil, deployment);
    await indexer.syncTo(await heads.latest());
    const running = indexer.run(heads, abort.signal);
    const transport = http(anvil.url);
    const wallet = createWalletClient({ chain: foundry, transport, account: deployment.admin });
    const client = createPublicClient({ chain: foundry, transport });
    const [, peer] = await wallet.getAddresses();
    let nonce = await client.getTransactionCount({ address: deployment.admin });
    const lags: number[] = [];
    for (let i = 0; i < count; i++) {
      const salt = keccak256(toHex("realtime"));
      const hash = await wallet.sendTransaction({
        to: seller,
        data: encodeFunctionData({
          abi: bulkActorAbi,
          functionName: "act",
          args: [salt, BigInt(i), 1n, PRICE, buyer, peer as Hex],
        }),
        value: PRICE,
        nonce: nonce++,
        gas: 700_000n,
      });
      await receiptOf(rpc, hash);
      const receiptAt = performance.now();
      const workId = BigInt(keccak256(`${salt}${BigInt(i).toString(16).padStart(64, "0")}` as Hex)).toString();
      for (;;) {
        const rows = await db.query("select 1 from works where chain_id = 31337 and work_id = $1", [workId]);
        if (rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 1));
      }
      lags.push(performance.now() - receiptAt);
      sampleRss();
    }
    abort.abort();
    heads.close();
    await running;
    lags.sort((a, b) => a - b);
    const at = (q: number) => Math.round((lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0) * 10) / 10;
    return { p50: at(0.5), p99: at(0.99) };
  } finally {
    heads.close();
    await db.close();
    await cleanup();
  }
}

const reuse = chainFile !== undefined && existsSync(`${chainFile}.json`);
const anvil = await startAnvil([
  "--gas-limit",
  "100000000",
  ...(chainFile ? ["--state", chainFile, "--state-interval", "10"] : []),
]);
anvilPid = anvil.process.pid;
try {
  let sparse: Workload;
  let dense: Workload;
  if (reuse) {
    const saved = JSON.parse(await readFile(`${chainFile}.json`, "utf8"), (key, value: unknown) =>
      key === "startBlock" ? BigInt(value as string) : value,
    ) as { sparse: Workload; dense: Workload };
    ({ sparse, dense } = saved);
  } else {
    enter("building the workloads");
    console.log("building the sparse workload (one transaction per block)...");
    sparse = await build(anvil, "sparse", 2, SPARSE_EVENTS);
    console.log("building the dense workload...");
    dense = await build(anvil, "dense", 67, DENSE_EVENTS);
    if (chainFile) {
      await writeFile(
        `${chainFile}.json`,
        JSON.stringify({ sparse, dense }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      );
      await new Promise((r) => setTimeout(r, 11_000)); // the next state dump
    }
  }
  console.log(`  sparse: ${sparse.events} events in ${sparse.blocks} blocks`);
  console.log(
    `  ${dense.events} events in ${dense.blocks} blocks (${Math.round(dense.events / dense.blocks)} per block)`,
  );

  const backends = [pglite, ...(process.env["DATABASE_URL"] ? [postgres(process.env["DATABASE_URL"])] : [])];
  const results: Record<string, Record<string, number>> = {};
  for (const backend of backends) {
    enter(`${backend.name} sparse backfill`);
    const sparseRate = await backfill(backend, anvil, sparse);
    console.log(`${backend.name}: sparse backfill ${sparseRate} events/s`);
    enter(`${backend.name} dense backfill`);
    const denseRate = await backfill(backend, anvil, dense);
    console.log(`${backend.name}: dense backfill ${denseRate} events/s`);
    enter(`${backend.name} realtime`);
    const lag = await realtime(backend, anvil, 300);
    console.log(`${backend.name}: realtime lag p50 ${lag.p50} ms, p99 ${lag.p99} ms`);
    results[backend.name] = {
      backfillSparseEventsPerSec: sparseRate,
      backfillDenseEventsPerSec: denseRate,
      realtimeLagMsP50: lag.p50,
      realtimeLagMsP99: lag.p99,
    };
  }
  sampleRss();
  const primary = results["PGlite"] as Record<string, number>;
  const report = {
    ...primary,
    peakRssMB: Math.round(peakRss / 1e6),
    sparseEvents: sparse.events,
    denseEvents: dense.events,
    denseEventsPerBlock: Math.round(dense.events / dense.blocks),
    runtime: { nodeFlags: process.execArgv.join(" "), glibcTunables: process.env["GLIBC_TUNABLES"] ?? "" },
    ...(results["PostgreSQL"] ? { postgres: results["PostgreSQL"] } : {}),
  };
  closePhase();
  console.log(`peak RSS ${report.peakRssMB} MB, during: ${peakPhase}`);
  for (const p of phases) {
    console.log(
      `  ${p.phase}: ${p.startMB} MB at its start, ${p.peakMB} MB at its peak; ${p.wallS} s, ` +
        `CPU ${p.cpuS} s here and ${p.anvilCpuS} s in anvil`,
    );
  }
  console.log(JSON.stringify(report, null, 2));
  if (jsonFile) await writeFile(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  clearInterval(sampler);
  await anvil.stop();
}
