// Deploys the Ignition module to a node with unlocked accounts and prints the deployment file (a short child process).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Artifact, type ArtifactResolver, DeploymentResultType, deploy } from "@nomicfoundation/ignition-core";
import titlechainModule from "../../ignition/modules/Titlechain.ts";
import { deploymentOf } from "./ignition-journal.ts";

/** What the entry passes in `argv[2]` (JSON). */
export type IgnitionArgs = { rpcUrl: string; deploymentDir: string; artifactsDir: string };

/** A minimal EIP-1193 provider over JSON-RPC: what Ignition needs of a node. */
function provider(url: string) {
  let id = 0;
  return {
    async request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
      });
      const body = (await response.json()) as {
        result?: unknown;
        error?: { code: number; message: string; data?: unknown };
      };
      if (body.error) throw Object.assign(new Error(body.error.message), body.error);
      return body.result;
    },
  };
}

/** Finds `Name.json` under the build's artifacts by contract name. */
async function artifactResolver(dir: string): Promise<ArtifactResolver> {
  const files = new Map<string, string>();
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json"))
        files.set(entry.name.slice(0, -5), full);
    }
  };
  await walk(join(dir, "contracts"));
  return {
    async loadArtifact(name: string): Promise<Artifact> {
      const file = files.get(name);
      if (!file) throw new Error(`no artifact of ${name} in ${dir}: run npm run build`);
      return JSON.parse(await readFile(file, "utf8")) as Artifact;
    },
    async getBuildInfo() {
      return undefined;
    },
  };
}

const args = JSON.parse(process.argv[2] ?? "{}") as IgnitionArgs;
const node = provider(args.rpcUrl);
const accounts = (await node.request({ method: "eth_accounts" })) as string[];
const result = await deploy({
  provider: node,
  artifactResolver: await artifactResolver(args.artifactsDir),
  deploymentDir: args.deploymentDir,
  ignitionModule: titlechainModule,
  deploymentParameters: {},
  accounts,
});
if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
  process.stderr.write(`deployment failed (${result.type}): ${JSON.stringify(result)}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify(await deploymentOf(args.deploymentDir))}\n`);
