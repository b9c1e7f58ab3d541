// `npm run bench:start [-- --json FILE] [--files N]`: cold and warm start of `npm start`, a folder registered by the
// CLI, and the memory of the whole process tree, idle after the demonstration market is seeded.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generatePrivateKey } from "viem/accounts";
import { encodePng, generateDesign } from "./designs.ts";
import { startEntry } from "./entry-process.ts";

const { values } = parseArgs({ options: { json: { type: "string" }, files: { type: "string" } } });
const FILES = Number(values.files ?? 1000);
const CLI = new URL("../cli/main.ts", import.meta.url).pathname;
const log = (line: string) => process.stderr.write(`${line}\n`);

type Server = { pid: number; url: string; exit: Promise<unknown>; stop: () => Promise<unknown> };

/** Starts the entry on `dataDir`; resolves with the seconds to its ready line. */
async function start(dataDir: string): Promise<{ server: Server; seconds: number }> {
  const entry = await startEntry(dataDir);
  return {
    seconds: entry.seconds,
    server: { pid: entry.process.pid as number, url: entry.url, exit: entry.exit, stop: entry.stop },
  };
}

/** Resident memory of a process and all its descendants, in MB (from /proc). */
function treeRssMB(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  let kb = 0;
  const visit = (pid: number) => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      return;
    }
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return Math.round(kb / 1024);
}

const dir = await mkdtemp(join(tmpdir(), "titlechain-bench-start-"));
let running: Server | undefined;
try {
  const dataDir = join(dir, "data");
  log("cold start on an empty data directory...");
  const cold = await start(dataDir);
  log(`  ready in ${cold.seconds.toFixed(1)} s`);
  await cold.server.stop();
  log("warm start...");
  const warm = await start(dataDir);
  running = warm.server;
  log(`  ready in ${warm.seconds.toFixed(1)} s`);

  const folder = join(dir, "designs");
  await mkdir(folder);
  for (let i = 0; i < FILES; i++) {
    await writeFile(join(folder, `design-${i}.png`), encodePng(generateDesign(10_000 + i, 64)).bytes);
  }
  const keyFile = join(dir, "artisan.key");
  await writeFile(keyFile, generatePrivateKey());
  log(`registering a folder of ${FILES} designs with the CLI...`);
  const registering = performance.now();
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [CLI, "register", folder, "--key-file", keyFile, "--json"],
      { env: { ...process.env, TITLECHAIN_SERVER: warm.server.url }, maxBuffer: 1 << 28 },
      (error, _stdout, stderr) => (error ? reject(new Error(stderr)) : resolve()),
    ),
  );
  // Revealed; now indexed: the last file's work answers.
  const files = (await readdir(folder)).length;
  const { hashFile } = await import("../cli/files.ts");
  const last = await hashFile(join(folder, `design-${FILES - 1}.png`));
  for (;;) {
    const res = await fetch(`${warm.server.url}/api/works/${last.sha256}`);
    if (res.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const registerS = (performance.now() - registering) / 1000;
  const batchRegisterFilesPerSec = Math.round((files / registerS) * 10) / 10;
  log(`  ${files} files registered and indexed in ${registerS.toFixed(1)} s: ${batchRegisterFilesPerSec} files/s`);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const rssAfterFolderMB = treeRssMB(warm.server.pid);
  log(`  idle process tree after them: ${rssAfterFolderMB} MB resident`);
  await warm.server.stop();
  running = undefined;

  log("the demonstration market on a fresh data directory...");
  const demo = await startEntry(join(dir, "demo"), ["--demo"]);
  running = { pid: demo.process.pid as number, url: demo.url, exit: demo.exit, stop: demo.stop };
  for (let i = 0; !/the demonstration market is seeded|demo seeding failed/.test(demo.stderr()); i++) {
    if (i > 6000) throw new Error("the demonstration market was not seeded in 10 minutes");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (/demo seeding failed/.test(demo.stderr())) throw new Error(demo.stderr().slice(-2000));
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const rssMB = treeRssMB(demo.process.pid as number);
  log(`  idle process tree after the demo: ${rssMB} MB resident`);
  await demo.stop();
  running = undefined;
  const result = {
    coldStartS: Math.round(cold.seconds * 10) / 10,
    warmStartS: Math.round(warm.seconds * 10) / 10,
    batchRegisterFilesPerSec,
    rssMB,
    rssAfterFolderMB,
    files,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (values.json) await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  // A failed run stops its server (and so its chain) before its data directory goes.
  await running?.stop();
  await rm(dir, { recursive: true, force: true });
}
