// Scale-out on PostgreSQL: a deployment made by `npm run deploy`, two API replicas and an indexer, the indexer killed
// and another taking over, both replicas answering the same throughout.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { createWalletClient, type Hex, http, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { cidToHex } from "../../core/cid.ts";
import type { DeploymentFile } from "../../server/stack/ignition-journal.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import { postgresBackend } from "../db/backends.ts";
import { type Anvil, startAnvil } from "../indexer/chain.ts";
import { type Server, startServer } from "./server.ts";

const run = promisify(execFile);
/** Anvil's first default account: the deployer and the registrant here. */
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" as const;

describe("scale-out on PostgreSQL: two API replicas, one indexer at a time", function () {
  this.timeout(300_000);
  const backend = postgresBackend();
  const id = `test-scale-out-${process.pid}`;
  let anvil: Anvil;
  let dir: string;
  let deployment: DeploymentFile;
  const servers: Server[] = [];

  before(async () => {
    anvil = await startAnvil();
    dir = await mkdtemp(join(tmpdir(), "titlechain-scale-"));
    const out = join(dir, "deployment.json");
    await run(process.execPath, ["scripts/deploy.ts", "--out", out, "--id", id], {
      env: { ...process.env, TITLECHAIN_RPC_URL: anvil.url, TITLECHAIN_DEPLOYER_KEY: KEY },
    });
    deployment = JSON.parse(await readFile(out, "utf8"));
  });

  after(async () => {
    for (const s of servers) if (s.process.exitCode === null) s.process.kill("SIGKILL");
    await Promise.all(servers.map((s) => s.exit));
    await backend.cleanup();
    await anvil?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(join("ignition/deployments", id), { recursive: true, force: true });
  });

  const start = async (name: string, role: string) => {
    const server = await startServer(join(dir, name), [
      "--role",
      role,
      "--rpc-url",
      anvil.url,
      "--deployment",
      join(dir, "deployment.json"),
      "--database-url",
      await backend.target(),
    ]);
    servers.push(server);
    return server;
  };
  const account = privateKeyToAccount(KEY);
  const register = async (label: string) => {
    const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account });
    const contentHash = keccak256(toHex(label));
    await wallet.writeContract({
      address: deployment.registry,
      abi: provenanceRegistryAbi,
      functionName: "register",
      args: [
        {
          to: account.address,
          contentHash,
          metadataCid: cidToHex("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"),
          royaltyReceiver: account.address,
          royaltyBps: 100,
          parents: [],
        },
      ],
      chain: foundry,
    } as never);
    return contentHash;
  };
  /** Waits until `replica` shows the work, then returns its detail and chain of title as it answers them. */
  const seen = async (replica: Server, work: Hex) => {
    for (let i = 0; i < 300; i++) {
      const detail = await fetch(`${replica.url}/api/works/${work}`);
      if (detail.status === 200) {
        const title = await (await fetch(`${replica.url}/api/works/${work}/title`)).json();
        return { detail: await detail.json(), title };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${replica.url} never showed ${work}`);
  };

  it("deploys with npm run deploy, serves from two replicas, and a second indexer takes over from a killed one", async () => {
    expect(deployment.chainId).to.equal(31337);
    const indexer = await start("indexer-a", "indexer");
    const [one, two] = [await start("api-1", "api"), await start("api-2", "api")];
    const first = await register("scale-out first");
    const a = await seen(one, first);
    expect(await seen(two, first)).to.deep.equal(a);
    expect(((await (await fetch(`${one.url}/ready`)).json()) as { ready: boolean }).ready).to.equal(true);

    // A second indexer waits on the lock; when the first is killed, it takes over.
    const standby = await start("indexer-b", "indexer");
    for (let i = 0; i < 100 && !/another process is the indexer/.test(standby.stderr()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(standby.stderr()).to.match(/another process is the indexer/);
    expect(standby.stderr()).not.to.match(/this process is the indexer/);
    indexer.process.kill("SIGKILL");
    await indexer.exit;
    const second = await register("scale-out second");
    const b = await seen(one, second);
    expect(await seen(two, second)).to.deep.equal(b);
    expect(standby.stderr()).to.match(/this process is the indexer/);
    expect((b.detail as { owner: string }).owner).to.equal(account.address.toLowerCase());
  });
});
