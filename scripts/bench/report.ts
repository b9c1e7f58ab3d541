// Renders one `npm run bench` run (its record and each benchmark's JSON) as BENCHMARKS.md; pure, no I/O.
import { type Area, areas, type BenchName, type Figure, figuresOf, holds, type Target, valueAt } from "./targets.ts";

export type Machine = { cores: number; cpu: string; memoryGiB: number; os: string; node: string };

/** One benchmark as it ran: its command, exit, wall time and the 1-minute load average around it. */
export type BenchRun = {
  bench: BenchName;
  command: string;
  exitCode: number | null;
  signal: string | null;
  wallS: number;
  loadBefore: number;
  loadAfter: number;
};

/** What `npm run bench` records of one invocation (`run.json` beside the benchmarks' JSON). */
export type RunRecord = {
  command: string;
  startedAt: string;
  finishedAt: string;
  commit: string;
  /** Paths `git status --porcelain` listed when the run started (changed or untracked). */
  dirtyPaths: number;
  databaseUrl: boolean;
  machine: Machine;
  runs: BenchRun[];
};

/** A benchmark's JSON as read back after its run, or why there is none. */
export type Outcome = { json: unknown } | { problem: string };

export type ReportInput = {
  record: RunRecord;
  outcomes: Partial<Record<BenchName, Outcome>>;
  /** Prefix that turns a path from the repository's root into a link from the report's own directory. */
  linkPrefix?: string;
};

type Cell = { text: string; verdict?: "met" | "MISSED" };

const number = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 2 });
const targetText = (t: Target) => `${t.op === ">=" ? "≥" : "≤"} ${number(t.value)}`;
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
const row = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
const table = (head: string[], rows: string[][]) =>
  [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

function exitText(run: BenchRun): string {
  return run.signal ? `killed by ${run.signal}` : `exit ${run.exitCode}`;
}

/** Why a benchmark has no figures in this report (a cell's text and a sentence), or undefined when its JSON is there. */
function absence(input: ReportInput, bench: BenchName): { cell: string; why: string } | undefined {
  const run = input.record.runs.find((r) => r.bench === bench);
  if (!run) return { cell: "not run", why: "Not run in this invocation: its figures are not shown." };
  const outcome = input.outcomes[bench];
  if (!outcome) return { cell: "no JSON", why: `It wrote no JSON (${exitText(run)}).` };
  if ("problem" in outcome) return { cell: "unreadable JSON", why: `Its JSON could not be read: ${outcome.problem}.` };
  return undefined;
}

/** The measured cell of one figure at `key` in the benchmark's JSON. */
function measure(figure: Figure, json: unknown, key: string): Cell {
  const value = valueAt(json, key);
  if (value === undefined) return { text: "not in the JSON" };
  if (typeof value !== "number" || !Number.isFinite(value)) return { text: `not a number: ${JSON.stringify(value)}` };
  if (!figure.target) return { text: number(value) };
  return { text: number(value), verdict: holds(figure.target, value) ? "met" : "MISSED" };
}

type Judged = { figure: Figure; primary: Cell; alternative?: Cell };

function judge(input: ReportInput, area: Area): Judged[] {
  const missing = absence(input, area.bench);
  const outcome = input.outcomes[area.bench];
  const json = outcome && "json" in outcome ? outcome.json : undefined;
  return figuresOf(area.bench).map((figure) => {
    if (missing) return { figure, primary: { text: missing.cell } };
    const primary = measure(figure, json, figure.key);
    const alt = area.alternative;
    if (!alt || valueAt(json, alt.prefix.replace(/\.$/, "")) === undefined) return { figure, primary };
    const alternative = measure(figure, json, `${alt.prefix}${figure.key}`);
    return {
      figure,
      primary,
      ...(alternative.text === "not in the JSON" ? { alternative: { text: "—" } } : { alternative }),
    };
  });
}

function areaSection(input: ReportInput, area: Area, judged: Judged[]): string {
  const link = `${input.linkPrefix ?? ""}${area.doc}`;
  const run = input.record.runs.find((r) => r.bench === area.bench);
  const missing = absence(input, area.bench);
  const ran = [
    run
      ? `Ran in ${duration(run.wallS)}, ${exitText(run)}; load average (1 min) ${run.loadBefore.toFixed(2)} before, ` +
        `${run.loadAfter.toFixed(2)} after.`
      : "",
    missing?.why ?? "",
  ]
    .filter(Boolean)
    .join(" ");
  const withAlternative = area.alternative && judged.some((j) => j.alternative);
  const head = ["figure", "target", withAlternative ? "measured (PGlite)" : "measured", "verdict"];
  if (withAlternative && area.alternative) head.push(area.alternative.label);
  head.push("anchor");
  const rows = judged.map(({ figure, primary, alternative }) => {
    const cells = [
      `${figure.label}, ${figure.unit} (\`${figure.key}\`)`,
      figure.target ? targetText(figure.target) : "",
      primary.text,
      primary.verdict === "MISSED" ? "**MISSED**" : (primary.verdict ?? ""),
    ];
    if (withAlternative) {
      cells.push(alternative ? `${alternative.text}${alternative.verdict ? ` (${alternative.verdict})` : ""}` : "—");
    }
    cells.push(figure.anchor ?? "");
    return cells;
  });
  return [
    `## ${area.title} (\`npm run bench:${area.bench}\`)`,
    "",
    `${ran} How each figure is measured and was reached: [${area.doc}](${link}).`,
    "",
    table(head, rows),
  ].join("\n");
}

function summary(judged: Judged[]): string {
  const targeted = judged.filter((j) => j.figure.target);
  const met = targeted.filter((j) => j.primary.verdict === "met");
  const missed = targeted.filter((j) => j.primary.verdict === "MISSED");
  const unmeasured = targeted.filter((j) => !j.primary.verdict);
  const lines = [`**${met.length} of ${targeted.length} targets met.**`];
  if (missed.length > 0) {
    lines.push("", "Missed:", "");
    for (const { figure: f, primary } of missed) {
      lines.push(`- ${f.bench}: ${f.label}, ${primary.text} ${f.unit} (target ${targetText(f.target as Target)})`);
    }
  }
  if (unmeasured.length > 0) {
    const why = new Map<string, number>();
    for (const { figure, primary } of unmeasured) {
      const reason = `${figure.bench} (${primary.text})`;
      why.set(reason, (why.get(reason) ?? 0) + 1);
    }
    const reasons = [...why].map(([reason, count]) => `${count} of ${reason}`).join(", ");
    lines.push("", `Not measured: ${unmeasured.length} targets: ${reasons}.`);
  }
  return lines.join("\n");
}

function runsTable(record: RunRecord): string {
  if (record.runs.length === 0) return "No benchmark ran.";
  return table(
    ["benchmark", "command", "wall time", "exit", "load average before / after"],
    record.runs.map((r) => [
      r.bench,
      `\`${r.command}\``,
      duration(r.wallS),
      exitText(r),
      `${r.loadBefore.toFixed(2)} / ${r.loadAfter.toFixed(2)}`,
    ]),
  );
}

function reproduce(record: RunRecord): string {
  const line = (command: string, note: string) => `${`${command} `.padEnd(37)}# ${note}`;
  return [
    "## How to reproduce",
    "",
    "```sh",
    line("npm ci", "installs and builds (contracts, ABIs, client, dist/, web)"),
    line(record.command, "this report's run"),
    line("npm run bench", "every benchmark, the API's last; writes BENCHMARKS.md"),
    line("npm run bench -- --only gas,ipfs", "some of them (--skip api: all but some); the others show as not run"),
    line("npm run bench -- --keep DIR", "keeps each benchmark's JSON and run.json in DIR"),
    line("npm run bench -- --render DIR", "writes BENCHMARKS.md again from DIR, running nothing"),
    line("npm run bench:gas -- --json FILE", "one benchmark (gas, ipfs, indexer, api, start, evidence, web), its JSON"),
    "```",
    "",
    "With `DATABASE_URL` set to a PostgreSQL server, the indexer and API benchmarks measure it beside PGlite. The web",
    "benchmark runs Lighthouse in Chromium (`CHROME_PATH`, default `/usr/bin/chromium`) and counts the CPU time it",
    "observes, so other load on the machine lowers its scores; the API benchmark's load generator shares the machine's",
    "cores with the server it measures.",
  ].join("\n");
}

/** A paragraph naming the benchmarks around which the load average exceeded the machine's cores, if any. */
function loadNote(record: RunRecord): string[] {
  const loaded = record.runs.filter((r) => Math.max(r.loadBefore, r.loadAfter) > record.machine.cores);
  if (loaded.length === 0) return [];
  return [
    `The 1-minute load average exceeded the machine's ${record.machine.cores} cores before or after ` +
      `${loaded.map((r) => r.bench).join(", ")}: other processes shared the CPU with ${loaded.length > 1 ? "them" : "it"}.`,
    "",
  ];
}

export function renderReport(input: ReportInput): string {
  const { record } = input;
  const m = record.machine;
  const judged = areas.map((area) => ({ area, judged: judge(input, area) }));
  const notRun = areas.filter((a) => !record.runs.some((r) => r.bench === a.bench)).map((a) => a.bench);
  const failed = record.runs.filter((r) => r.exitCode !== 0);
  return `${[
    "<!-- Generated by `npm run bench` (scripts/bench-all.ts); do not edit by hand: run it again. -->",
    "",
    "# Benchmarks",
    "",
    "Generated by `npm run bench` from the JSON each benchmark writes; do not edit by hand. Targets and anchors:",
    `[\`scripts/bench/targets.ts\`](${input.linkPrefix ?? ""}scripts/bench/targets.ts).`,
    "",
    `- **Run:** ${record.startedAt} to ${record.finishedAt}, \`${record.command}\``,
    `- **Commit:** \`${record.commit}\`${record.dirtyPaths > 0 ? `, working tree dirty (${record.dirtyPaths} paths changed or untracked)` : ", working tree clean"}`,
    `- **Machine:** ${m.cores} cores, ${m.cpu}; ${m.memoryGiB} GiB memory; ${m.os}; Node.js ${m.node}`,
    `- **Databases:** PGlite${record.databaseUrl ? " and PostgreSQL (`DATABASE_URL` set)" : " only (`DATABASE_URL` not set)"}`,
    `- **Benchmarks not run:** ${notRun.length > 0 ? notRun.join(", ") : "none"}`,
    `- **Benchmarks that failed:** ${failed.length > 0 ? failed.map((r) => `${r.bench} (${exitText(r)})`).join(", ") : "none"}`,
    "",
    summary(judged.flatMap((j) => j.judged)),
    "",
    ...loadNote(record),
    "Where PostgreSQL is measured beside PGlite (indexer, API), the verdicts and the count above are PGlite's. A figure",
    "without a target is reported for context.",
    "",
    "## Runs",
    "",
    runsTable(record),
    "",
    ...judged.flatMap(({ area, judged }) => [areaSection(input, area, judged), ""]),
    reproduce(record),
  ].join("\n")}\n`;
}
