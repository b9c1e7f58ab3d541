// The Titlechain server's entry (`npm start`): reads the configuration, starts each part in order, stops them in reverse.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createPublicClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { buildApp } from "./api/app.ts";
import { defaultApiOptions } from "./api/deps.ts";
import { type Config, ConfigError, readConfig, SETTINGS } from "./config.ts";
import { UploadCollector } from "./content/collector.ts";
import { openContentStore } from "./content/index.ts";
import { openDatabase } from "./db/database.ts";
import { forgetChain } from "./db/forget.ts";
import { holdRole, type WriterRole } from "./db/leader.ts";
import { migrate } from "./db/migrate.ts";
import { Vacuum } from "./db/vacuum.ts";
import { evidenceSettings } from "./evidence/settings.ts";
import { Heads } from "./indexer/heads.ts";
import { Indexer } from "./indexer/indexer.ts";
import { MetadataFetcher } from "./indexer/metadata.ts";
import { RpcClient } from "./indexer/rpc.ts";
import { termIndexOf } from "./indexer/search.ts";
import { Relayer } from "./relayer/relayer.ts";
import { DataDirLocked, dataDirOf, lockDataDir } from "./stack/data-dir.ts";
import { developmentRelayerKey } from "./stack/dev-keys.ts";
import { type DeploymentFile, deployLocally, deploymentProblem, startLocalChain } from "./stack/local-chain.ts";

/** One line on stderr per step before ready, so a slow start shows where it is. */
const progress = (line: string) => process.stderr.write(`titlechain: ${line}\n`);

/** Everything started, closed in reverse order on the way out. */
const closers: { name: string; close: () => Promise<unknown> }[] = [];
const onClose = (name: string, close: () => Promise<unknown>) => closers.unshift({ name, close });

/** Stops the background work (indexer, fetcher, collector, relayer); they finish what they are doing first. */
const stop = new AbortController();
const background: Promise<unknown>[] = [];

async function shutdown(code: number): Promise<never> {
  stop.abort();
  // The background work sees the abort and ends its round before the database and the chain go.
  await Promise.race([Promise.allSettled(background), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  for (const { name, close } of closers.splice(0)) {
    try {
      await close();
    } catch (error) {
      process.stderr.write(`titlechain: stopping ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  process.exit(code);
}

async function start(config: Config): Promise<void> {
  const dir = dataDirOf(config.dataDir);
  onClose("the data directory's lock", await lockDataDir(dir));

  // The chain: embedded anvil in the data directory, or the configured nodes with the deployment file.
  let rpcUrls = config.rpcUrls;
  let wsUrl: string | undefined;
  let deployment: DeploymentFile;
  let fresh = false;
  if (rpcUrls.length === 0) {
    progress(`starting the chain (anvil, state in ${dir.chain})`);
    const anvil = await startLocalChain(dir);
    onClose("the chain", () => anvil.stop());
    rpcUrls = [anvil.url];
    wsUrl = anvil.wsUrl;
    progress("deploying the contracts (Ignition), or finding them deployed");
    ({ deployment, fresh } = await deployLocally(dir, anvil.url));
  } else {
    const file = config.deploymentFile as string;
    try {
      deployment = JSON.parse(await readFile(file, "utf8")) as DeploymentFile;
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
      throw new ConfigError("--deployment", `${file}: ${why}`);
    }
    const problem = await deploymentProblem(rpcUrls[0] as string, deployment);
    if (problem) throw new ConfigError("--deployment", `${config.deploymentFile}: ${problem}`);
    wsUrl = rpcUrls.find((u) => u.startsWith("ws"));
  }
  if (config.chainId !== undefined && config.chainId !== deployment.chainId) {
    throw new ConfigError("--chain-id", `is ${config.chainId}, but the chain is ${deployment.chainId}`);
  }
  const chain = {
    chainId: deployment.chainId,
    registry: deployment.registry,
    ledger: deployment.ledger,
    exchange: deployment.exchange,
  };
  const httpUrls = rpcUrls.filter((u) => u.startsWith("http"));
  const rpc = new RpcClient({ urls: httpUrls });
  const client = createPublicClient({ transport: http(httpUrls[0]) }) as PublicClient;

  progress(config.databaseUrl ? "opening PostgreSQL" : `opening the database (PGlite, ${config.dataDir}/db)`);
  const db = await openDatabase(
    config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: dir.root, cacheMb: config.dbCacheMb },
  );
  onClose("the database", () => db.close());
  await migrate(db);
  if (fresh) {
    // New contracts on the embedded chain: whatever the mirror holds is of a chain that is gone.
    await forgetChain(db, chain.chainId);
  }

  progress(config.ipfsApiUrl ? `connecting to Kubo (${config.ipfsApiUrl})` : `opening the content store (${dir.ipfs})`);
  const store = await openContentStore({
    dataDir: dir.root,
    maxFileSize: config.maxUploadBytes,
    ...(config.ipfsApiUrl ? { ipfsApiUrl: config.ipfsApiUrl } : {}),
  });
  onClose("the content store", () => store.close());

  const runs = (role: string) => config.role === "all" || config.role === role;
  /** Does `role`'s work as its single writer: at once on the embedded database, while holding its lock on PostgreSQL. */
  const asRole = (role: WriterRole, work: (signal: AbortSignal) => Promise<void>) =>
    holdRole(config.databaseUrl, role, stop.signal, progress, work);
  let indexer: Indexer | undefined;
  if (runs("indexer")) {
    // One count for both writers of the mirror: the embedded database is vacuumed once enough rows were written.
    const vacuum = new Vacuum(db);
    const mirror = new Indexer({ db, rpc, ...chain, startBlock: BigInt(deployment.startBlock), vacuum });
    indexer = mirror;
    background.push(
      asRole("indexer", async (signal) => {
        progress(`indexing from block ${deployment.startBlock}`);
        const heads = new Heads({ rpc, wsUrl, pollIntervalMs: 1000 });
        try {
          await Promise.all([
            mirror.run(heads, signal),
            new MetadataFetcher({ db, store, chainId: chain.chainId, vacuum }).run(signal),
            new UploadCollector({ db, store, chainId: chain.chainId }).run(signal),
          ]);
        } finally {
          heads.close();
        }
      }),
    );
  }
  let relayer: Relayer | undefined;
  const keyFile = config.relayerKeyFile;
  if ((runs("relayer") || runs("api")) && (keyFile || config.rpcUrls.length === 0)) {
    const key = keyFile
      ? ((await readFile(keyFile, "utf8")).trim() as Hex)
      : await developmentRelayerKey(dir, httpUrls[0] as string);
    if (!/^0x[0-9a-fA-F]{64}$/.test(key))
      throw new ConfigError("--relayer-key-file", `${keyFile} holds no private key`);
    const relay = new Relayer({ db, client, chain, account: privateKeyToAccount(key), quotas: config.relayQuotas });
    relayer = relay;
    // An API process queues requests; the relayer process (one at a time) sends them.
    if (runs("relayer")) {
      background.push(
        asRole("relayer", async (signal) => {
          progress(`relaying from ${relay.address}`);
          await relay.run(signal);
        }),
      );
    }
  }

  if (runs("api")) {
    const evidence = await evidenceSettings(config, dir);
    const app = await buildApp(
      { db, store, chain, client, evidence, ...(indexer ? { indexer } : {}), ...(relayer ? { relayer } : {}) },
      {
        ...defaultApiOptions,
        maxUploadBytes: config.maxUploadBytes,
        corsOrigins: config.corsOrigins,
        rateLimitPerMinute: config.rateLimitPerMinute,
        trustedProxies: config.trustedProxies,
        ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      },
    );
    onClose("the HTTP server", () => app.close());
    // Searches are answered from the start, not after the first one has waited for the index.
    progress("reading the search index");
    await termIndexOf(db, chain.chainId).catchUp();
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const base = config.publicUrl ?? `http://${config.host}:${port}`;
    process.stdout.write(
      `titlechain ready: ${base} (API ${base}/api, docs ${base}/api/docs, health ${base}/health; ` +
        `chain ${rpcUrls[0]}, chain id ${chain.chainId})\n`,
    );
    if (config.demo) {
      // A script of its own, as any client: the API, the CLI and the chain's RPC (it funds its accounts on anvil).
      const script = new URL("../scripts/demo.ts", import.meta.url).pathname;
      const child = spawn(process.execPath, [script, `http://127.0.0.1:${port}`, rpcUrls[0] as string], {
        stdio: ["ignore", "ignore", "inherit"],
      });
      onClose("the demonstration seeding", async () => void child.kill("SIGTERM"));
      child.once("exit", (code) =>
        progress(code === 0 ? "the demonstration market is seeded" : `demo seeding failed (${code})`),
      );
    }
  } else {
    process.stdout.write(`titlechain ready: ${config.role} (chain ${rpcUrls[0]}, chain id ${chain.chainId})\n`);
  }
  for (const task of background) {
    task.catch((error) => {
      if (stop.signal.aborted) return;
      process.stderr.write(`titlechain: ${error instanceof Error ? error.message : String(error)}\n`);
      void shutdown(1);
    });
  }
}

function help(): string {
  const width = Math.max(...SETTINGS.map((s) => s.flag.length + s.value.length));
  return [
    "Usage: npm start -- [options]   (or: node server/main.ts [options])",
    "",
    "Runs Titlechain: with no options, the whole stack on embedded defaults in ./data.",
    "",
    ...SETTINGS.map(
      (s) =>
        `  --${`${s.flag} ${s.value}`.padEnd(width + 1)}  ${s.description}${s.env ? ` [${s.env}]` : ""} (default: ${s.default})`,
    ),
  ].join("\n");
}

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(`${help()}\n`);
  process.exit(0);
}
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    progress(`stopping (${signal})`);
    void shutdown(0);
  });
}
try {
  await start(readConfig(process.argv.slice(2)));
} catch (error) {
  const known = error instanceof ConfigError || error instanceof DataDirLocked;
  process.stderr.write(`titlechain: ${error instanceof Error ? error.message : String(error)}\n`);
  if (!known && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  await shutdown(known ? 2 : 1);
}
