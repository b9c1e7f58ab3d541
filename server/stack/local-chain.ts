// The embedded chain: anvil with its state in the data directory, and the contracts deployed on it through Ignition.
import { execFile } from "node:child_process";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Anvil, freePort, rpcCall, startAnvil } from "../../scripts/anvil.ts";
import { type DataDir, isRunning } from "./data-dir.ts";
import type { DeploymentFile } from "./ignition-journal.ts";

export type { DeploymentFile };

const run = promisify(execFile);

/** The chain id of the embedded chain (anvil's). */
export const LOCAL_CHAIN_ID = 31337;
/** The port the embedded chain prefers, so wallets find it where they expect; any free port when it is taken. */
const PREFERRED_PORT = 8545;

/**
 * Starts anvil on the data directory's state (written every second and on exit, so a killed server loses at most the
 * last second and a stopped one nothing). An anvil left running by a server that was killed is asked to exit first,
 * which writes its state.
 */
export async function startLocalChain(dir: DataDir): Promise<Anvil> {
  await mkdir(dir.chain, { recursive: true });
  const pidFile = join(dir.chain, "anvil.pid");
  const orphan = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
  if (isRunning(orphan, "anvil")) {
    process.kill(orphan, "SIGTERM");
    for (let i = 0; isRunning(orphan, "anvil"); i++) {
      if (i > 600) throw new Error(`the chain of ${dir.root} (anvil, process ${orphan}) does not stop`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const port = (await isFree(PREFERRED_PORT)) ? PREFERRED_PORT : await freePort();
  const anvil = await startAnvil(
    ["--state", join(dir.chain, "state.json"), "--state-interval", "1", "--chain-id", String(LOCAL_CHAIN_ID)],
    300,
    { port, graceful: true },
  );
  await writeFile(pidFile, `${anvil.process.pid}\n`);
  const stop = anvil.stop;
  return {
    ...anvil,
    stop: async () => {
      await stop();
      await rm(pidFile, { force: true });
    },
  };
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Why the chain does not hold a recorded deployment, or null when it does. */
export async function deploymentProblem(url: string, d: DeploymentFile): Promise<string | null> {
  const chainId = Number(await rpcCall<string>(url, "eth_chainId"));
  if (chainId !== d.chainId) return `the node is chain ${chainId}, the deployment is on chain ${d.chainId}`;
  for (const { block, hash } of d.receipts) {
    const found = await rpcCall<{ hash: string } | null>(url, "eth_getBlockByNumber", [
      `0x${block.toString(16)}`,
      false,
    ]);
    if (found?.hash !== hash) return `block ${block} of the deployment is not on the chain`;
  }
  for (const [name, address] of [
    ["registry", d.registry],
    ["ledger", d.ledger],
    ["exchange", d.exchange],
  ] as const) {
    if ((await rpcCall<string>(url, "eth_getCode", [address, "latest"])) === "0x") return `no ${name} at ${address}`;
  }
  return null;
}

/**
 * The contracts on the embedded chain: the recorded deployment when the chain still holds it, else a new one through
 * the Ignition module (in a short child process). A deployment interrupted before it was recorded is made again whole.
 * `fresh` says whether the contracts are new, so whatever mirrored the old ones must be rebuilt.
 */
export async function deployLocally(
  dir: DataDir,
  url: string,
): Promise<{ deployment: DeploymentFile; fresh: boolean }> {
  const recorded = await readFile(dir.deploymentFile, "utf8").then(
    (text) => JSON.parse(text) as DeploymentFile,
    () => null,
  );
  if (recorded && (await deploymentProblem(url, recorded)) === null) return { deployment: recorded, fresh: false };
  // The chain does not hold the record (a new chain, or one reset): Ignition's journal describes the same lost chain.
  await rm(dir.ignition, { recursive: true, force: true });
  await rm(dir.deploymentFile, { force: true });
  const script = new URL("./ignition-deploy.ts", import.meta.url).pathname;
  const artifactsDir = new URL("../../artifacts", import.meta.url).pathname;
  const { stdout } = await run(process.execPath, [
    script,
    JSON.stringify({ rpcUrl: url, deploymentDir: dir.ignition, artifactsDir }),
  ]);
  const deployment = JSON.parse(stdout.trim().split("\n").at(-1) as string) as DeploymentFile;
  // Written whole or not at all: a torn file would read as no deployment and deploy again.
  await writeFile(`${dir.deploymentFile}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`);
  await rename(`${dir.deploymentFile}.tmp`, dir.deploymentFile);
  return { deployment, fresh: true };
}
