/**
 * `npm run bench:ipfs [-- --json FILE]`: throughput and memory of the embedded content store.
 * - addMBps: `add` of a 256 MiB file of random bytes streamed from disk (sha256 + UnixFS DAG + pack write, synced);
 * - catMBps: verified read of the same file back (every block re-hashed);
 * - peakRssMB: the peak resident memory of a separate process adding a 1 GiB file.
 * MB is 10^6 bytes.
 */
import { execFileSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EmbeddedContentStore } from "../server/content/embedded-store.ts";
import { holds, targetOf } from "./bench/targets.ts";

const MiB = 1024 * 1024;
const { values } = parseArgs({ options: { json: { type: "string" }, child: { type: "string" } } });

/** Writes `size` random bytes to a file, 8 MiB at a time. */
async function randomFile(path: string, size: number): Promise<void> {
  const handle = await open(path, "w");
  const chunk = Buffer.alloc(8 * MiB);
  for (let written = 0; written < size; written += chunk.length) {
    randomFillSync(chunk);
    await handle.write(chunk, 0, Math.min(chunk.length, size - written));
  }
  // Written back before the measurement starts, so the input's own disk writes do not compete with the store's.
  await handle.sync();
  await handle.close();
}

async function addFile(dir: string, path: string) {
  const store = await EmbeddedContentStore.open({ dir, maxFileSize: 2 ** 40 });
  const started = performance.now();
  const result = await store.add(createReadStream(path, { highWaterMark: MiB }));
  const seconds = (performance.now() - started) / 1000;
  return { store, result, seconds };
}

if (values.child) {
  // Child mode: add one file and report this process's peak resident memory.
  const dir = await mkdtemp(join(tmpdir(), "titlechain-bench-ipfs-"));
  const { store } = await addFile(dir, values.child);
  await store.close();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ peakRssMB: process.resourceUsage().maxRSS / 1024 }));
} else {
  const work = await mkdtemp(join(tmpdir(), "titlechain-bench-ipfs-"));
  try {
    const file = join(work, "file.bin");
    await randomFile(file, 256 * MiB);
    const { store, result, seconds } = await addFile(join(work, "store"), file);
    const addMBps = result.size / 1e6 / seconds;

    const started = performance.now();
    let read = 0;
    for await (const chunk of store.get(result.cid)) read += chunk.length;
    const catMBps = read / 1e6 / ((performance.now() - started) / 1000);
    if (read !== result.size) throw new Error(`read ${read} bytes of ${result.size}`);
    await store.close();

    const large = join(work, "large.bin");
    await randomFile(large, 1024 * MiB);
    const child = execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--child", large], {
      encoding: "utf8",
    });
    const { peakRssMB } = JSON.parse(child) as { peakRssMB: number };

    const figures = {
      addMBps: Math.round(addMBps * 10) / 10,
      catMBps: Math.round(catMBps * 10) / 10,
      peakRssMB: Math.round(peakRssMB * 10) / 10,
    };
    console.table(
      Object.entries(figures).map(([key, value]) => {
        const target = targetOf("ipfs", key);
        return { key, value, target: `${target.op} ${target.value}`, verdict: holds(target, value) ? "ok" : "MISSED" };
      }),
    );
    if (values.json) await writeFile(values.json, `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
