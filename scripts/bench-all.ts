/**
 * `npm run bench [-- --only gas,ipfs,...] [--skip api] [--keep DIR] [--render DIR] [--out FILE]`: runs every
 * benchmark in turn (`npm run bench:<name> -- --json DIR/<name>.json`), streaming its output, and writes BENCHMARKS.md
 * from their JSON (scripts/bench/report.ts). A benchmark that fails is reported with its exit status and the others
 * still run; the command then exits non-zero. `--keep DIR` keeps the JSON and the run's record (run.json) in DIR;
 * `--render DIR` writes the report again from them without running anything. A benchmark not run in the invocation
 * that DIR records shows as "not run", whatever older JSON DIR holds.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, type as osType, release, tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type BenchRun, type Machine, type Outcome, type RunRecord, renderReport } from "./bench/report.ts";
import type { BenchName } from "./bench/targets.ts";

/** The benchmarks in the order they run (the API's, the longest, last), their extra arguments and usual minutes. */
const BENCHES: readonly { bench: BenchName; args: string[]; minutes: number }[] = [
  { bench: "gas", args: [], minutes: 1 },
  { bench: "ipfs", args: [], minutes: 1 },
  { bench: "evidence", args: [], minutes: 3 },
  { bench: "start", args: [], minutes: 3 },
  { bench: "web", args: ["--build"], minutes: 4 },
  { bench: "indexer", args: [], minutes: 10 }, // `npm run build` first, then about 8 minutes
  { bench: "api", args: [], minutes: 45 },
];
const NAMES = BENCHES.map((b) => b.bench);

const ROOT = resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    only: { type: "string" },
    skip: { type: "string" },
    keep: { type: "string" },
    render: { type: "string" },
    out: { type: "string" },
  },
});
const out = resolve(values.out ?? join(ROOT, "BENCHMARKS.md"));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The benchmark names in a comma-separated option; exits with the valid names on an unknown one. */
function names(option: string | undefined): BenchName[] | undefined {
  if (option === undefined) return undefined;
  const list = option
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = list.filter((n) => !(NAMES as string[]).includes(n));
  if (unknown.length > 0) {
    log(`unknown benchmark ${unknown.join(", ")}; the benchmarks are ${NAMES.join(", ")}`);
    process.exit(2);
  }
  return list as BenchName[];
}

function git(args: string[]): string {
  return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
}

function machine(): Machine {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown CPU";
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  const pretty = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(osRelease)?.[1];
  return {
    cores: cpus().length,
    cpu: model.trim(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${pretty ? `${pretty}, ` : ""}${osType()} ${release()}`,
    node: process.version,
  };
}

/** Reads a benchmark's JSON back, or says why it cannot be used. */
async function outcomeOf(file: string): Promise<Outcome | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return { json: JSON.parse(await readFile(file, "utf8")) as unknown };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** Writes the report of the run recorded in `dir`, from the JSON of the benchmarks that ran in it. */
async function render(dir: string): Promise<RunRecord> {
  const record = JSON.parse(await readFile(join(dir, "run.json"), "utf8")) as RunRecord;
  const outcomes: Partial<Record<BenchName, Outcome>> = {};
  for (const { bench } of record.runs) {
    const outcome = await outcomeOf(join(dir, `${bench}.json`));
    if (outcome) outcomes[bench] = outcome;
  }
  const linkPrefix = relative(dirname(out), ROOT);
  await writeFile(out, renderReport({ record, outcomes, linkPrefix: linkPrefix ? `${linkPrefix}/` : "" }));
  // Laid out as the other Markdown of the project is (tables aligned), so it reads as well in a terminal.
  execFileSync(process.execPath, [join(ROOT, "node_modules/prettier/bin/prettier.cjs"), "--write", out]);
  log(`wrote ${out}`);
  return record;
}

/** Runs one benchmark as a child process, its output streamed through; resolves with its exit. */
function runOne(args: string[]): Promise<{ exitCode: number | null; signal: string | null }> {
  return new Promise((done) => {
    const child = spawn("npm", args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (error) => {
      log(`could not start npm: ${error.message}`);
      done({ exitCode: null, signal: "spawn error" });
    });
    child.on("exit", (exitCode, signal) => done({ exitCode, signal }));
  });
}

if (values.render) {
  await render(values.render);
} else {
  const only = names(values.only);
  const skip = names(values.skip) ?? [];
  const chosen = BENCHES.filter((b) => (only ? only.includes(b.bench) : true) && !skip.includes(b.bench));
  if (chosen.length === 0) {
    log("no benchmark left to run");
    process.exit(2);
  }
  const dir = values.keep ? resolve(values.keep) : await mkdtemp(join(tmpdir(), "titlechain-bench-all-"));
  await mkdir(dir, { recursive: true });
  const minutes = chosen.reduce((sum, b) => sum + b.minutes, 0);
  log(`running ${chosen.map((b) => b.bench).join(", ")}: about ${minutes} min in all on a 2-core machine`);
  const record: RunRecord = {
    command: ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    startedAt: new Date().toISOString(),
    finishedAt: "",
    commit: git(["rev-parse", "HEAD"]),
    dirtyPaths: git(["status", "--porcelain"]).split("\n").filter(Boolean).length,
    databaseUrl: Boolean(process.env["DATABASE_URL"]),
    machine: machine(),
    runs: [],
  };
  try {
    for (const { bench, args } of chosen) {
      const file = join(dir, `${bench}.json`);
      await rm(file, { force: true }); // an older run's JSON must not pass for this one's
      const npmArgs = ["run", `bench:${bench}`, "--", "--json", file, ...args];
      log(`\n=== npm ${npmArgs.join(" ")}`);
      const loadBefore = loadavg()[0] as number;
      const started = performance.now();
      const exit = await runOne(npmArgs);
      const run: BenchRun = {
        bench,
        command: `npm run bench:${bench} -- --json FILE${args.length > 0 ? ` ${args.join(" ")}` : ""}`,
        ...exit,
        wallS: Math.round((performance.now() - started) / 100) / 10,
        loadBefore: Math.round(loadBefore * 100) / 100,
        loadAfter: Math.round((loadavg()[0] as number) * 100) / 100,
      };
      record.runs.push(run);
      log(`=== ${bench}: ${run.signal ? `killed by ${run.signal}` : `exit ${run.exitCode}`} after ${run.wallS} s`);
      record.finishedAt = new Date().toISOString();
      await writeFile(join(dir, "run.json"), `${JSON.stringify(record, null, 2)}\n`);
    }
    await render(dir);
  } finally {
    if (!values.keep) await rm(dir, { recursive: true, force: true });
  }
  const failed = record.runs.filter((r) => r.exitCode !== 0);
  for (const r of record.runs) log(`${r.bench.padEnd(9)} ${r.exitCode === 0 ? "ok" : "FAILED"} in ${r.wallS} s`);
  if (failed.length > 0) {
    log(`failed: ${failed.map((r) => `${r.bench} (${r.signal ?? `exit ${r.exitCode}`})`).join(", ")}`);
    process.exitCode = 1;
  }
}
