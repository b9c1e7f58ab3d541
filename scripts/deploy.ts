// `npm run deploy -- --out FILE [--id ID]`: deploys Titlechain through its Ignition module and writes the deployment file.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { deploymentOf } from "../server/stack/ignition-journal.ts";

const usage =
  "Usage: TITLECHAIN_RPC_URL=… TITLECHAIN_DEPLOYER_KEY=… npm run deploy -- --out deployment.json [--id ID]\n" +
  "Deploys the registry, the licence ledger and the exchange to the node at TITLECHAIN_RPC_URL from the key in\n" +
  "TITLECHAIN_DEPLOYER_KEY (or Hardhat's keystore), recording the deployment in ignition/deployments/ID (resumed if\n" +
  "interrupted), and writes the file the server reads with --deployment.";

let options: { out?: string; id?: string; help?: boolean };
try {
  options = parseArgs({
    options: { out: { type: "string" }, id: { type: "string" }, help: { type: "boolean" } },
  }).values;
} catch (error) {
  process.stderr.write(`deploy: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (!options.out) {
  process.stderr.write(`deploy: --out is required\n${usage}\n`);
  process.exit(2);
}
const id = options.id ?? "titlechain";
if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
  process.stderr.write(`deploy: --id must be letters, digits, - and _, not "${id}"\n`);
  process.exit(2);
}
for (const variable of ["TITLECHAIN_RPC_URL", "TITLECHAIN_DEPLOYER_KEY"]) {
  if (!process.env[variable]) {
    process.stderr.write(`deploy: ${variable} is not set\n${usage}\n`);
    process.exit(2);
  }
}
const hardhat = new URL("../node_modules/hardhat/dist/src/cli.js", import.meta.url).pathname;
const args = [
  hardhat,
  "ignition",
  "deploy",
  "ignition/modules/Titlechain.ts",
  "--network",
  "titlechain",
  "--deployment-id",
  id,
  // Hardhat's production build profile drops the via-IR setting these contracts need to compile.
  "--build-profile",
  "default",
];
await new Promise<void>((done, fail) => {
  const child = execFile(process.execPath, args, {
    env: { ...process.env, HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  child.stdout?.pipe(process.stderr);
  child.stderr?.pipe(process.stderr);
  child.once("exit", (code) => (code === 0 ? done() : fail(new Error(`hardhat ignition deploy exited with ${code}`))));
});
const deployment = await deploymentOf(resolve("ignition/deployments", id));
await writeFile(options.out, `${JSON.stringify(deployment, null, 2)}\n`);
process.stdout.write(`deployment on chain ${deployment.chainId} written to ${options.out}\n`);
