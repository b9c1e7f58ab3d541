/**
 * The API benchmark (`npm run bench:api -- [--json FILE] [--keep DIR] [--works N]`). It registers 100,000 works on a
 * local anvil through BulkActor, each with bilingual metadata in the embedded content store, a licence offer, a sold
 * licence and, for every other work, an assignment; indexes them with the real indexer and metadata fetcher into
 * PGlite (and PostgreSQL when DATABASE_URL is set), with an image fingerprint per work; then, per database:
 *   nearDup: the near-duplicate query of a new image's fingerprint among every work's, one at a time;
 *   detail, title, search: autocannon, 64 connections, a warm-up then 20 s per route, on the API server in its own
 *     process (the load generator shares the machine's cores with it, as the anchors' runs did);
 *   verifyUpload: a 256 MiB file streamed to the verification route, three times after one unmeasured (first, on an
 *     idle server), reported as the median in MiB/s.
 * `--keep DIR` keeps the chain and data in DIR and reuses them on the next run (for working on the API; reported
 * figures come from fresh runs). `--works N` builds fewer works (for trying the benchmark; the targets are for 100,000).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedContentStore } from "../server/content/embedded-store.ts";
import { type Database, openDatabase } from "../server/db/database.ts";
import { nearDuplicateWorks } from "../server/indexer/near-duplicates.ts";
import { startAnvil } from "./anvil.ts";
import { type Built, buildChain, buildDatabase, contentHashOf, type IndexTimes } from "./bench/api-build.ts";
import { queryFingerprint, REGIONS, random, searchTerms, TECHNIQUES } from "./bench/api-corpus.ts";
import { loadRoute, type RouteFigures, startServer, verifyUpload } from "./bench/api-load.ts";

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const jsonFile = option("--json");
const keep = option("--keep");
const WORKS = Number(option("--works") ?? 100_000);
const CONNECTIONS = 64;
const DURATION_S = 20;
const WARMUP_S = 5;
const UPLOAD_MIB = 256;
const log = (line: string) => console.log(line);

const dir = keep ?? (await mkdtemp(join(tmpdir(), "titlechain-bench-api-")));
await mkdir(dir, { recursive: true });
const builtFile = join(dir, "built.json");
const reuse = keep !== undefined && existsSync(builtFile);
const anvil = await startAnvil(
  [
    "--gas-limit",
    "100000000",
    // A kept chain is dumped every 10 s while it is built (which slows that run) and only loaded when reused.
    ...(reuse ? ["--load-state", join(dir, "chain.json")] : []),
    ...(keep && !reuse ? ["--state", join(dir, "chain.json"), "--state-interval", "10"] : []),
  ],
  900,
);
const store = await EmbeddedContentStore.open({ dir: join(dir, "ipfs"), maxFileSize: 1024 * 1024 * 1024 });

/** p50 and p99 of `samples`, in ms to one decimal. */
function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { p50: at(0.5), p99: at(0.99) };
}

/** The near-duplicate query of 300 new images' fingerprints, one at a time, after 20 unmeasured. */
async function nearDup(db: Database, built: Built): Promise<{ p50: number; p99: number; found: number }> {
  const next = random(7);
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < 320; i++) {
    const query = queryFingerprint(next, built.works);
    const started = performance.now();
    const hits = await nearDuplicateWorks(db, built.chain.chainId, query);
    if (i >= 20) times.push(performance.now() - started);
    if (hits.length > 0) found++;
  }
  return { ...percentiles(times), found };
}

type Figures = IndexTimes & {
  nearDupP50Ms: number;
  nearDupP99Ms: number;
  nearDupQueriesWithHits: number;
  detail: RouteFigures;
  title: RouteFigures;
  search: RouteFigures;
  verifyUploadMiBps: number[];
};

/** Builds the database behind `target` (unless reused), then measures every key against it. */
async function measure(name: string, target: { dataDir?: string; databaseUrl?: string }, built: Built) {
  log(`${name}:`);
  let db = await openDatabase(target);
  try {
    const times = await buildDatabase(db, anvil.url, store, built);
    log(
      `  indexed ${times.events} events in ${times.indexS.toFixed(1)} s; metadata of ${built.works} works in ` +
        `${times.metadataS.toFixed(1)} s; fingerprints in ${times.fingerprintsS.toFixed(1)} s; vacuums ${times.vacuumS.toFixed(1)} s`,
    );
    const near = await nearDup(db, built);
    log(`  nearDup p50 ${near.p50} ms, p99 ${near.p99} ms (${near.found} of 300 queries found near-duplicates)`);
    await db.close();
    db = undefined as unknown as Database;
    const server = await startServer({ ...target, storeDir: join(dir, "ipfs"), chain: built.chain });
    try {
      const pick = random(11);
      const ids = Array.from({ length: built.works }, (_, i) => BigInt(contentHashOf(built.salt, i)).toString());
      const id = () => ids[Math.floor(pick() * ids.length)] as string;
      const terms = searchTerms();
      const filters = [
        ...TECHNIQUES.map(([, en]) => `technique=${encodeURIComponent(en)}`),
        ...REGIONS.map(([, en]) => `region=${encodeURIComponent(en)}`),
        "licensableNow=true",
        "registeredFrom=2020-01-01T00:00:00Z",
      ];
      const search = () =>
        `/api/works?q=${encodeURIComponent(terms[Math.floor(pick() * terms.length)] as string)}&` +
        `${filters[Math.floor(pick() * filters.length)]}`;
      const load = { connections: CONNECTIONS, warmupS: WARMUP_S, durationS: DURATION_S };
      const routes: [string, () => string][] = [
        ["detail", () => `/api/works/${id()}`],
        ["title", () => `/api/works/${id()}/title`],
        ["search", search],
      ];
      // The uploads first, on an idle server (a route's load leaves requests queued behind it for seconds); one
      // unmeasured upload warms it up.
      await verifyUpload(server.url, UPLOAD_MIB);
      const uploads: number[] = [];
      for (let i = 0; i < 3; i++) {
        const upload = await verifyUpload(server.url, UPLOAD_MIB);
        if (upload.status !== 200) throw new Error(`verify upload: HTTP ${upload.status}`);
        uploads.push(upload.mibPerS);
      }
      log(`  verify upload of ${UPLOAD_MIB} MiB: ${uploads.join(", ")} MiB/s`);
      const figures: Record<string, RouteFigures> = {};
      for (const [route, path] of routes) {
        figures[route] = await loadRoute(server.url, path, load);
        const f = figures[route] as RouteFigures;
        log(`  ${route}: ${f.rps} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, ${f.non2xx} not 2xx of ${f.requests}`);
      }
      return {
        ...times,
        nearDupP50Ms: near.p50,
        nearDupP99Ms: near.p99,
        nearDupQueriesWithHits: near.found,
        detail: figures["detail"],
        title: figures["title"],
        search: figures["search"],
        verifyUploadMiBps: uploads,
      } as Figures;
    } finally {
      await server.stop();
    }
  } finally {
    await db?.close();
  }
}

/** The report's keys from one database's figures. */
function keys(f: Figures) {
  const median = [...f.verifyUploadMiBps].sort((a, b) => a - b)[1] ?? 0;
  return {
    detailRps: f.detail.rps,
    detailP99Ms: f.detail.p99Ms,
    titleRps: f.title.rps,
    titleP99Ms: f.title.p99Ms,
    searchRps: f.search.rps,
    searchP99Ms: f.search.p99Ms,
    nearDupP99Ms: f.nearDupP99Ms,
    verifyUploadMBps: median,
    errors: f.detail.non2xx + f.title.non2xx + f.search.non2xx,
  };
}

try {
  let built: Built;
  if (reuse) {
    built = JSON.parse(await readFile(builtFile, "utf8")) as Built;
    log(`reusing ${built.works} works in ${dir}`);
  } else {
    log(`building ${WORKS} works...`);
    const started = performance.now();
    built = await buildChain(anvil.url, store, WORKS, log);
    log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const results: Record<string, Figures> = {};
  results["PGlite"] = await measure("PGlite", { dataDir: dir }, built);
  const url = process.env["DATABASE_URL"];
  if (url) {
    const admin = await openDatabase({ databaseUrl: url });
    const name = `titlechain_bench_api_${process.pid}`;
    await admin.exec(`create database ${name}`);
    const target = new URL(url);
    target.pathname = `/${name}`;
    try {
      results["PostgreSQL"] = await measure("PostgreSQL", { databaseUrl: target.toString() }, built);
    } finally {
      await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    }
  }
  if (keep && !reuse) {
    await writeFile(builtFile, JSON.stringify(built));
    await new Promise((r) => setTimeout(r, 11_000)); // anvil's next state dump
  }
  const report = {
    ...keys(results["PGlite"] as Figures),
    works: built.works,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    pglite: results["PGlite"],
    ...(results["PostgreSQL"] ? { postgres: { ...keys(results["PostgreSQL"]), details: results["PostgreSQL"] } } : {}),
  };
  console.log(JSON.stringify(report, null, 2));
  if (jsonFile) await writeFile(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await store.close();
  await anvil.stop();
  if (!keep) await rm(dir, { recursive: true, force: true });
}
