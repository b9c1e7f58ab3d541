// The reliability suite's handle on the whole server: started as `npm start` starts it, on a fresh data directory, with
// its resident memory read from /proc.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Server, startServer } from "../stack/server.ts";

export type System = {
  server: Server;
  /** The server's base URL (http://127.0.0.1:PORT). */
  url: string;
  /** The server process's resident memory now, in MiB. */
  rssMiB: () => number;
  /** Asks `check` every 100 ms until it holds; fails with the server's last words after `tries`. */
  waitFor: (what: string, check: () => Promise<boolean> | boolean, tries?: number) => Promise<void>;
  /** SIGTERM, waits for the exit (the embedded chain stops with it), removes the data directory. */
  stop: () => Promise<void>;
};

/** The resident set (VmRSS) of process `pid`, in MiB. */
export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

/** Samples `pid`'s RSS every `intervalMs` until `stop`, which returns the samples in MiB. */
export function sampleRss(pid: number, intervalMs: number): { stop: () => number[]; peak: () => number } {
  const samples = [rssMiB(pid)];
  const timer = setInterval(() => samples.push(rssMiB(pid)), intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      samples.push(rssMiB(pid));
      return samples;
    },
    peak: () => Math.max(...samples),
  };
}

/** The server on a fresh data directory (embedded chain, PGlite, embedded store unless `args` say otherwise). */
export async function startSystem(name: string, args: readonly string[] = []): Promise<System> {
  const dir = await mkdtemp(join(tmpdir(), `titlechain-${name}-`));
  let server: Server;
  try {
    server = await startServer(join(dir, "data"), [...args]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = server.process.pid as number;
  return {
    server,
    url: server.url,
    rssMiB: () => rssMiB(pid),
    waitFor: async (what, check, tries = 600) => {
      for (let i = 0; i < tries; i++) {
        if (await check()) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`timed out waiting for ${what}: ${server.stderr().slice(-2000)}`);
    },
    stop: async () => {
      if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill("SIGTERM");
      await server.exit;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
