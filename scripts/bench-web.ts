// `npm run bench:web [-- --json FILE] [--build] [--reports DIR]`: Lighthouse (mobile) on the demo web pages, first-page JS.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { launch } from "chrome-launcher";
import lighthouse from "lighthouse";
import { sha256Of } from "../core/verify.ts";
import { figuresOf, holds, valueAt } from "./bench/targets.ts";
import { encodePng, generateDesign } from "./designs.ts";
import { startEntry } from "./entry-process.ts";

const { values } = parseArgs({
  options: { json: { type: "string" }, build: { type: "boolean" }, reports: { type: "string" } },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ROOT = new URL("../", import.meta.url).pathname;
const WEB_DIST = join(ROOT, "web/dist");
const WEB_SRC = join(ROOT, "web/src");
const CHROME = process.env["CHROME_PATH"] ?? "/usr/bin/chromium";
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const;
const SEARCH_QUERY = "羌绣";

type Category = (typeof CATEGORIES)[number];
type PageFigures = {
  path: string;
  scores: Record<Category, number>;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  speedIndexMs: number;
  /** Scripts the page loaded (URL paths), and their gzipped size as built (level 9, as the browser test counts). */
  scripts: string[];
  jsGzipKB: number;
  /** Audits of a scored category that did not pass (score < 0.9), as "category/audit: score". */
  failing: string[];
  lighthouseVersion: string;
  /** Lighthouse's measure of the host's CPU speed at that run (higher is faster; other load lowers it). */
  benchmarkIndex: number;
};

/** The newest modification time of any file under `dir`, in ms. */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The gzipped size in bytes of built scripts by URL path, read from web/dist (test/web/browser.ts `gzippedBytes`). */
async function gzippedBytes(paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const path of new Set(paths)) total += gzipSync(await readFile(join(WEB_DIST, path)), { level: 9 }).length;
  return total;
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Lighthouse's default run (mobile emulation, simulated slow 4G and 4× CPU) of `url` in a fresh Chromium. */
async function audit(url: string, path: string): Promise<PageFigures> {
  const chrome = await launch({ chromePath: CHROME, chromeFlags: ["--headless=new", "--no-sandbox"] });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: [...CATEGORIES],
    });
    if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
    const { lhr } = result;
    if (lhr.runtimeError) throw new Error(`Lighthouse on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    if (values.reports) {
      await mkdir(values.reports, { recursive: true });
      const name =
        path === "/"
          ? "home"
          : path
              .replace(/^\//, "")
              .replace(/[^\w-]+/g, "_")
              .slice(0, 40);
      await writeFile(join(values.reports, `${name}.json`), result.report as string);
    }
    const numeric = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
    const scores = Object.fromEntries(
      CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]),
    ) as Record<Category, number>;
    const requests = (lhr.audits["network-requests"]?.details as { items?: { url: string; resourceType?: string }[] })
      ?.items;
    const origin = new URL(url).origin;
    const scripts = (requests ?? [])
      .filter((r) => r.resourceType === "Script" && r.url.startsWith(origin))
      .map((r) => new URL(r.url).pathname);
    const failing = CATEGORIES.flatMap((c) =>
      (lhr.categories[c]?.auditRefs ?? [])
        .filter((ref) => ref.weight > 0)
        .map((ref) => ({ ref, score: lhr.audits[ref.id]?.score }))
        .filter(({ score }) => typeof score === "number" && score < 0.9)
        .map(({ ref, score }) => `${c}/${ref.id}: ${score}`),
    );
    return {
      path,
      scores,
      fcpMs: round(numeric("first-contentful-paint")),
      lcpMs: round(numeric("largest-contentful-paint")),
      tbtMs: round(numeric("total-blocking-time")),
      cls: round(numeric("cumulative-layout-shift"), 3),
      speedIndexMs: round(numeric("speed-index")),
      scripts,
      jsGzipKB: round((await gzippedBytes(scripts)) / 1024, 1),
      failing,
      lighthouseVersion: lhr.lighthouseVersion,
      benchmarkIndex: round(lhr.environment.benchmarkIndex),
    };
  } finally {
    chrome.kill();
  }
}

if (values.build || !existsSync(join(WEB_DIST, "index.html"))) {
  log("building the web app (npm run build:web)...");
  const built = spawnSync("npm", ["run", "build:web"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (built.status !== 0) throw new Error(`npm run build:web failed (${built.status ?? built.signal})`);
} else if (newestUnder(WEB_SRC) > statSync(join(WEB_DIST, "index.html")).mtimeMs) {
  log("note: web/src has changed since web/dist was built; measuring the build as it is (--build rebuilds it)");
}

const dir = await mkdtemp(join(tmpdir(), "titlechain-bench-web-"));
const server = await startEntry(join(dir, "data"), ["--demo"]);
try {
  log(`server at ${server.url}; seeding the demonstration market...`);
  for (let i = 0; !/the demonstration market is seeded|demo seeding failed/.test(server.stderr()); i++) {
    if (i > 6000) throw new Error("the demonstration market was not seeded in 10 minutes");
    await sleep(100);
  }
  if (/demo seeding failed/.test(server.stderr())) throw new Error(server.stderr().slice(-2000));
  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${server.url}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  // Seeded is sent, not necessarily indexed: wait until the works stop arriving.
  type Works = { works: { workId: string }[] };
  let works: Works["works"] = [];
  for (let i = 0, last = -1; i < 600; i++) {
    works = (await getJson<Works>("/api/works?limit=100")).works;
    if (works.length > 0 && works.length === last) break;
    last = works.length;
    await sleep(1000);
  }
  // The work page: the demonstration's first work (design 7,000, a Qiang embroidery apron with offers and a
  // derivative), as the browser test opens it.
  const workId = sha256Of(encodePng(generateDesign(7_000, 192)).bytes);
  const work = await getJson<{ metadata: { name: string | null }; offers: unknown[] }>(`/api/works/${workId}`);
  if (work.offers.length === 0) throw new Error(`the demonstration's first work ${workId} has no licence offer`);
  const found = await getJson<Works>(`/api/works?q=${encodeURIComponent(SEARCH_QUERY)}`);
  log(`${works.length} works indexed; "${SEARCH_QUERY}" finds ${found.works.length}; the work: ${work.metadata.name}`);

  const pages: [string, string][] = [
    ["home", "/"],
    ["search", `/?q=${encodeURIComponent(SEARCH_QUERY)}`],
    ["work", `/works/${workId}`],
    ["verify", "/verify"],
  ];
  const results: Record<string, PageFigures> = {};
  // Lighthouse scales the CPU time it observes (4× for a phone): other work on the machine counts against the pages.
  const loadBefore = loadavg()[0] as number;
  for (const [name, path] of pages) {
    log(`Lighthouse on ${name} (${decodeURIComponent(path)})...`);
    // Lighthouse now and then fails to record the trace of a load (NO_NAVSTART, NO_FCP): that page is run again.
    let figures: PageFigures | undefined;
    for (let attempt = 1; !figures; attempt++) {
      try {
        figures = await audit(`${server.url}${path}`, path);
      } catch (error) {
        if (attempt === 3) throw error;
        log(`  ${(error as Error).message}; again`);
      }
    }
    results[name] = figures;
    const s = figures.scores;
    log(
      `  performance ${s.performance}, accessibility ${s.accessibility}, best practices ${s["best-practices"]}, ` +
        `SEO ${s.seo}; FCP ${figures.fcpMs} ms, LCP ${figures.lcpMs} ms, TBT ${figures.tbtMs} ms, CLS ` +
        `${figures.cls}; JS ${figures.jsGzipKB} KB gzipped`,
    );
    for (const line of figures.failing) log(`    below 0.9: ${line}`);
  }

  const loadAfter = loadavg()[0] as number;
  log(
    `load average (1 min) ${loadBefore.toFixed(2)} before Lighthouse, ${loadAfter.toFixed(2)} after, ${cpus().length} cores`,
  );
  const all = Object.values(results);
  const min = (c: Category) => Math.min(...all.map((p) => p.scores[c]));
  const report = {
    firstPageJsKB: results["home"]?.jsGzipKB ?? Number.NaN,
    lighthouseMinPerformance: min("performance"),
    lighthouseMinAccessibility: min("accessibility"),
    lighthouseMinBestPractices: min("best-practices"),
    lighthouseMinSeo: min("seo"),
    lighthouse: `${all[0]?.lighthouseVersion}, mobile emulation (Moto G Power), simulated slow 4G and 4× CPU`,
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? "",
      loadBefore: round(loadBefore, 2),
      loadAfter: round(loadAfter, 2),
    },
    pages: results,
  };
  log("");
  for (const { key, target } of figuresOf("web")) {
    if (!target) continue;
    const value = valueAt(report, key);
    const met = typeof value === "number" && holds(target, value);
    log(
      `${key.padEnd(32)} ${String(value).padStart(6)}  target ${target.op} ${target.value}  ${met ? "met" : "MISSED"}`,
    );
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  // The server stops (and so its chain) before its data directory goes.
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
