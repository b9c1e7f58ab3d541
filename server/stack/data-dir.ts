// The data directory: where each part keeps its local state, and the lock that lets one process use it at a time.
import { readFileSync } from "node:fs";
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

/** The data directory's layout. */
export type DataDir = {
  root: string;
  /** The embedded chain's state (anvil's state file and the PID of the anvil that owns it). */
  chain: string;
  /** The embedded content store. */
  ipfs: string;
  /** Ignition's journal of the embedded chain's deployment. */
  ignition: string;
  /** The deployment on the embedded chain: addresses, start block, receipts. */
  deploymentFile: string;
  /** Development keys (the embedded chain's relayer). */
  keys: string;
  /** The lock file: the PID of the process using the directory. */
  lockFile: string;
};

export function dataDirOf(root: string): DataDir {
  return {
    root,
    chain: join(root, "chain"),
    ipfs: join(root, "ipfs"),
    ignition: join(root, "ignition"),
    deploymentFile: join(root, "deployment.json"),
    keys: join(root, "keys"),
    lockFile: join(root, "titlechain.lock"),
  };
}

/** The data directory is in use by another running process. */
export class DataDirLocked extends Error {
  readonly pid: number;
  constructor(root: string, pid: number) {
    super(`${root} is in use by process ${pid}: stop it first, or choose another --data-dir`);
    this.name = "DataDirLocked";
    this.pid = pid;
  }
}

/** Whether `pid` is a live process whose command line contains `name` (a PID reused by another program is not). */
export function isRunning(pid: number, name: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    // Gone, or another user's (EPERM): not ours either way.
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(name);
  } catch {
    // No /proc (not Linux): trust the signal check.
    return true;
  }
}

/**
 * Takes the data directory for this process: creates it, and the lock file naming this PID. A lock whose process is
 * no longer running (killed, crashed) is stale: it is cleared and taken. Returns the release.
 */
export async function lockDataDir(dir: DataDir, processName = "node"): Promise<() => Promise<void>> {
  await mkdir(dir.root, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(dir.lockFile, "wx");
      await file.writeFile(`${process.pid}\n`);
      await file.sync();
      await file.close();
      return async () => {
        const owner = Number((await readFile(dir.lockFile, "utf8").catch(() => "")).trim());
        if (owner === process.pid) await rm(dir.lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      const owner = Number((await readFile(dir.lockFile, "utf8").catch(() => "")).trim());
      if (owner !== process.pid && isRunning(owner, processName)) throw new DataDirLocked(dir.root, owner);
      await rm(dir.lockFile, { force: true });
    }
  }
}
