// Every figure the benchmarks report, each written once: its benchmark, JSON key, label, unit, target, anchor and doc.

/** The benchmarks, by the name of their npm script (`bench:<name>`). */
export type BenchName = "gas" | "ipfs" | "indexer" | "api" | "start" | "evidence" | "web";

export type Target = { op: ">=" | "<="; value: number };

export type Figure = {
  bench: BenchName;
  /** Where the benchmark's JSON holds the figure: a key, or a dotted path into nested objects. */
  key: string;
  label: string;
  unit: string;
  /** Absent for a figure reported without a target. */
  target?: Target;
  /** What the figure is compared with: the same measure of other systems. */
  anchor?: string;
  /** The document that explains how the figure was reached (a path from the repository's root). */
  doc: string;
};

/** One benchmark's area of the report. */
export type Area = {
  bench: BenchName;
  title: string;
  doc: string;
  /** A second database measured beside PGlite when DATABASE_URL is set: its column and where its figures are. */
  alternative?: { label: string; prefix: string };
};

export const areas: readonly Area[] = [
  { bench: "gas", title: "Gas", doc: "docs/contracts.md" },
  { bench: "ipfs", title: "Content store", doc: "docs/content-store.md" },
  {
    bench: "indexer",
    title: "Indexer",
    doc: "docs/indexer-performance.md",
    alternative: { label: "PostgreSQL", prefix: "postgres." },
  },
  {
    bench: "api",
    title: "API",
    doc: "docs/api-performance.md",
    alternative: { label: "PostgreSQL", prefix: "postgres." },
  },
  { bench: "start", title: "Start and CLI", doc: "docs/start-performance.md" },
  { bench: "evidence", title: "Evidence", doc: "docs/evidence.md" },
  { bench: "web", title: "Web", doc: "docs/web-performance.md" },
];

const atMost = (value: number): Target => ({ op: "<=", value });
const atLeast = (value: number): Target => ({ op: ">=", value });
const PONDER = "Ponder 0.16.10";
/** Lighthouse's performance score on a phone, the same target for every page. */
const LIGHTHOUSE_PERFORMANCE = atLeast(90);

type Entry = Omit<Figure, "bench" | "doc">;
/** The figures of one benchmark, with its area's doc. */
function of(bench: BenchName, entries: Entry[]): Figure[] {
  const area = areas.find((a) => a.bench === bench);
  if (!area) throw new Error(`no area for bench ${bench}`);
  return entries.map((entry) => ({ ...entry, bench, doc: area.doc }));
}
const gas = (key: string, label: string, target?: number, anchor?: string): Entry => ({
  key,
  label,
  unit: "gas",
  ...(target === undefined ? {} : { target: atMost(target) }),
  ...(anchor === undefined ? {} : { anchor }),
});

export const figures: readonly Figure[] = [
  ...of("gas", [
    gas(
      "register",
      "register one work to a new holder",
      120_000,
      "EAS attest 270,456; Story register 281,040; OZ ERC721URIStorage mint 170,737; floor 46,184",
    ),
    gas("registerWithSig", "gasless registration, relayer pays", 130_000, "EAS attestByDelegation 418,210"),
    gas("commit", "private commitment", 50_000, "floor 46,184"),
    gas("batchAnchorPerWork", "anchor 1,000 commitments, gas / 1,000", 100),
    gas("revealFromBatch", "reveal one leaf with its proof", 140_000),
    gas("detail.revealWithSig", "gasless reveal of one commitment, relayer pays"),
    gas("detail.revealBatchWithSigPerWork", "a folder revealed 100 at a time, gasless, gas per work"),
    gas("transfer", "assignment to a fresh address", 65_000),
    gas("pledge", "pledge a work", 60_000),
    gas("claimPriority", "take the title by an earlier commitment", 120_000),
    gas(
      "createOffer",
      "publish a licence offer (a work's first, one country)",
      150_000,
      "Story attachLicenseTerms 349,310",
    ),
    gas(
      "buyLicence",
      "buy one licence, native coin, 3 payees, new licensee",
      120_000,
      "Story mintLicenseTokens(1) 639,572 (first 1,009,592); OZ ERC1155 mint to a new holder 53,175",
    ),
    gas("renewLicence", "extend a grant by one term", 60_000),
    gas("listWork", "list a work for sale", 80_000),
    gas(
      "buyWork",
      "buy a listed work, native coin, royalty + fee + seller, all new",
      130_000,
      "Seaport fulfillBasicOrder 88,581 min, 98,688 average",
    ),
    gas("withdraw", "a payee withdraws native coin", 40_000),
    gas("buyLicenceDerivative", "buy a licence of a derivative whose one parent earns a royalty, native coin", 140_000),
    gas("createOfferAfter300Sublicences", "a work's new offer after 300 sublicences were issued on it", 160_000),
  ]),
  ...of("ipfs", [
    { key: "addMBps", label: "add of a 256 MiB file streamed from disk", unit: "MB/s", target: atLeast(150) },
    { key: "catMBps", label: "verified read of the same file", unit: "MB/s", target: atLeast(200) },
    { key: "peakRssMB", label: "peak resident memory adding a 1 GiB file", unit: "MB", target: atMost(200) },
  ]),
  ...of("indexer", [
    {
      key: "backfillSparseEventsPerSec",
      label: "sparse backfill (one transaction per block)",
      unit: "events/s",
      target: atLeast(5_000),
      anchor: `${PONDER}: 274`,
    },
    {
      key: "backfillDenseEventsPerSec",
      label: "dense backfill",
      unit: "events/s",
      target: atLeast(20_000),
      anchor: `${PONDER}: 6,800 (PostgreSQL 7,900)`,
    },
    {
      key: "realtimeLagMsP50",
      label: "realtime lag, receipt to query, p50",
      unit: "ms",
      target: atMost(150),
      anchor: `${PONDER}: 987`,
    },
    { key: "realtimeLagMsP99", label: "realtime lag, p99", unit: "ms", target: atMost(500) },
    {
      key: "peakRssMB",
      label: "peak resident memory of the run",
      unit: "MB",
      target: atMost(300),
      anchor: `${PONDER}: 750–1,100`,
    },
  ]),
  ...of("api", [
    {
      key: "detailRps",
      label: "work detail",
      unit: "req/s",
      target: atLeast(3_000),
      anchor: `${PONDER} lookup by id: 1,207–1,289 (PostgreSQL 6,381–6,727)`,
    },
    {
      key: "detailP99Ms",
      label: "work detail, p99",
      unit: "ms",
      target: atMost(40),
      anchor: `${PONDER} lookup by id: 63–73 (PostgreSQL 18–22)`,
    },
    { key: "titleRps", label: "chain of title with proofs", unit: "req/s", target: atLeast(1_500) },
    { key: "titleP99Ms", label: "chain of title with proofs, p99", unit: "ms", target: atMost(60) },
    {
      key: "searchRps",
      label: "search, Chinese and English terms with a filter",
      unit: "req/s",
      target: atLeast(1_000),
      anchor: `${PONDER}: title substring 271–286; "羌绣" 635–682`,
    },
    { key: "searchP99Ms", label: "search, p99", unit: "ms", target: atMost(100) },
    { key: "nearDupP99Ms", label: "near-duplicate image among every work's, p99", unit: "ms", target: atMost(100) },
    { key: "verifyUploadMBps", label: "verification of a 256 MiB upload", unit: "MiB/s", target: atLeast(300) },
    { key: "errors", label: "responses not 2xx under load", unit: "responses" },
    { key: "works", label: "works on the chain", unit: "works" },
  ]),
  ...of("start", [
    { key: "coldStartS", label: "`npm start` on an empty data directory to ready", unit: "s", target: atMost(20) },
    { key: "warmStartS", label: "`npm start` again on that directory", unit: "s", target: atMost(5) },
    {
      key: "batchRegisterFilesPerSec",
      label: "CLI `register` of a folder of designs, gasless, to indexed",
      unit: "files/s",
      target: atLeast(50),
    },
    { key: "files", label: "designs in that folder", unit: "files" },
    {
      key: "rssMB",
      label: "resident memory of the process tree, idle after the demo",
      unit: "MB",
      target: atMost(600),
    },
    { key: "rssAfterFolderMB", label: "the same, idle after the folder", unit: "MB" },
  ]),
  ...of("evidence", [
    { key: "works", label: "demonstration works measured", unit: "works" },
    { key: "verifiedOk", label: "their bundles verified against the local node", unit: "works" },
    { key: "bundleBuildMs.median", label: "bundle built, one RFC 3161 timestamp included, median", unit: "ms" },
    { key: "bundleBuildMs.p95", label: "bundle built, p95", unit: "ms" },
    { key: "bundleKB.median", label: "bundle size, median", unit: "KB" },
    { key: "certificateMs.median", label: "certificate PDF drawn and signed, median", unit: "ms" },
    { key: "certificateMs.p95", label: "certificate PDF, p95", unit: "ms" },
    { key: "certificateKB.median", label: "certificate PDF size, median", unit: "KB" },
    { key: "verifyMs.median", label: "bundle verified against the local node, median", unit: "ms" },
    { key: "verifyMs.p95", label: "bundle verified, p95", unit: "ms" },
  ]),
  ...of("web", [
    { key: "firstPageJsKB", label: "first page's JavaScript, gzipped", unit: "KB", target: atMost(300) },
    ...(["home", "search", "work", "verify"] as const).map((page) => ({
      key: `pages.${page}.scores.performance`,
      label: `Lighthouse on a phone, performance: ${page}`,
      unit: "score",
      target: LIGHTHOUSE_PERFORMANCE,
    })),
    {
      key: "lighthouseMinAccessibility",
      label: "Lighthouse accessibility, lowest page",
      unit: "score",
      target: atLeast(95),
    },
    {
      key: "lighthouseMinBestPractices",
      label: "Lighthouse best practices, lowest page",
      unit: "score",
      target: atLeast(95),
    },
    { key: "lighthouseMinSeo", label: "Lighthouse SEO, lowest page", unit: "score" },
  ]),
];

/** The figures of one benchmark. */
export const figuresOf = (bench: BenchName): Figure[] => figures.filter((f) => f.bench === bench);

/** The target of a benchmark's key; throws if it has none. */
export function targetOf(bench: BenchName, key: string): Target {
  const target = figures.find((f) => f.bench === bench && f.key === key)?.target;
  if (!target) throw new Error(`no target for ${bench} ${key} in scripts/bench/targets.ts`);
  return target;
}

/** Whether `value` meets `target`. */
export const holds = (target: Target, value: number): boolean =>
  target.op === ">=" ? value >= target.value : value <= target.value;

/** The value at a dotted path in parsed JSON, or undefined where the path leads nowhere. */
export function valueAt(json: unknown, key: string): unknown {
  let at = json;
  for (const part of key.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
