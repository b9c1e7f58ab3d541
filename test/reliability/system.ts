// The reliability tests' whole system: a real anvil with the contracts, and the Titlechain server as `npm start` runs it
// (API, indexer, relayer and content store in one `node server/main.ts` process) on its own data directory.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { cidToHex } from "../../core/cid.ts";
import { buildWorkMetadata } from "../../core/metadata.ts";
import { type EntryProcess, startEntry } from "../../scripts/entry-process.ts";
import type { DeploymentFile } from "../../server/stack/ignition-journal.ts";
import { RELAYER_KEY } from "../api/fixture.ts";
import { type Anvil, rpcCall, startAnvil } from "../indexer/chain.ts";
import { Workload } from "../indexer/mirror.ts";

/** A signature deadline far in the future. */
export const FAR = 2n ** 40n;

/** The chain outside the server: anvil, the deployment (with its BulkActors for direct traffic), the relayer's key. */
export type Chain = {
  anvil: Anvil;
  w: Workload;
  /** The files the server reads: `--deployment` and `--relayer-key-file`. */
  deploymentFile: string;
  relayerKeyFile: string;
  relayer: Address;
  dir: string;
  stop: () => Promise<void>;
};

/** Starts anvil, deploys Titlechain and writes the deployment and relayer key files the server is given. */
export async function startChain(anvilArgs: readonly string[] = []): Promise<Chain> {
  const anvil = await startAnvil(anvilArgs);
  const dir = await mkdtemp(join(tmpdir(), "titlechain-reliability-"));
  const w = await Workload.deploy(anvil.url, { fee: true });
  const d = w.deployment;
  const deployment: DeploymentFile = {
    chainId: 31337,
    registry: d.registry,
    ledger: d.ledger,
    exchange: d.exchange,
    startBlock: Number(d.startBlock),
    receipts: [],
  };
  const deploymentFile = join(dir, "deployment.json");
  const relayerKeyFile = join(dir, "relayer.key");
  await writeFile(deploymentFile, JSON.stringify(deployment));
  await writeFile(relayerKeyFile, `${RELAYER_KEY}\n`, { mode: 0o600 });
  return {
    anvil,
    w,
    deploymentFile,
    relayerKeyFile,
    relayer: privateKeyToAccount(RELAYER_KEY).address,
    dir,
    stop: async () => {
      await anvil.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The server on one data directory, started and restarted with the same arguments: `start` waits for its ready line,
 * `kill` is `kill -9`, `stop` is SIGTERM (it must exit 0). `url` is the running one's (the port changes on a restart).
 */
export class System {
  readonly dataDir: string;
  readonly #args: string[];
  #entry: EntryProcess | null = null;
  /** Everything every run wrote on stderr, for a failing test's message. */
  log = "";
  starts = 0;

  constructor(dataDir: string, chain: Chain, rpcUrl: string, extra: readonly string[] = []) {
    this.dataDir = dataDir;
    this.#args = [
      ...["--rpc-url", rpcUrl, "--deployment", chain.deploymentFile, "--relayer-key-file", chain.relayerKeyFile],
      ...["--rate-limit", "1000000", "--relay-ip-quota", "1000000", "--max-upload-mb", "8"],
      ...extra,
    ];
  }

  static async inTemp(chain: Chain, rpcUrl: string, extra: readonly string[] = []): Promise<System> {
    return new System(await mkdtemp(join(tmpdir(), "titlechain-system-")), chain, rpcUrl, extra);
  }

  get url(): string {
    if (!this.#entry) throw new Error("the server is not running");
    return this.#entry.url;
  }

  get running(): boolean {
    return this.#entry !== null;
  }

  get pid(): number | undefined {
    return this.#entry?.process.pid;
  }

  /** Starts the server and waits for its ready line; returns the seconds it took. */
  async start(): Promise<number> {
    if (this.#entry) throw new Error("already running");
    try {
      this.#entry = await startEntry(this.dataDir, this.#args);
    } catch (error) {
      this.log += (error as Error).message;
      throw error;
    }
    this.starts++;
    return this.#entry.seconds;
  }

  /** `kill -9`: no handler runs, nothing is flushed or closed. */
  async kill(): Promise<void> {
    const entry = this.#take();
    entry.process.kill("SIGKILL");
    await entry.exit;
  }

  /** SIGTERM; the server closes everything and exits 0. */
  async stop(): Promise<number> {
    return this.#take().stop();
  }

  stderr(): string {
    return this.log + (this.#entry?.stderr() ?? "");
  }

  async remove(): Promise<void> {
    if (this.#entry) await this.kill();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  #take(): EntryProcess {
    const entry = this.#entry;
    if (!entry) throw new Error("the server is not running");
    this.#entry = null;
    void entry.exit.then(() => {
      this.log += entry.stderr();
    });
    return entry;
  }
}

/** A JSON answer from the server, or null when it did not answer (down, killed mid-request). */
export async function call(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; raw?: Uint8Array; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> | null; bytes: Uint8Array } | null> {
  try {
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? (init.body || init.raw ? "POST" : "GET"),
      ...(init.raw
        ? { body: init.raw, headers: { "content-type": "application/octet-stream" } }
        : init.body
          ? { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } }
          : {}),
      signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    } catch {
      // not JSON (a file)
    }
    return { status: response.status, headers: response.headers, json, bytes };
  } catch {
    return null;
  }
}

/** JSON with bigints as decimal strings, as the API takes them. */
export const jsonOf = <T>(m: T): Record<string, unknown> =>
  JSON.parse(JSON.stringify(m, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;

/** A new creator who holds no coin. */
export const newCreator = () => privateKeyToAccount(generatePrivateKey());

/**
 * Uploads `bytes` and the work's metadata through the API; returns the registration fields for `to`, or null when the
 * server did not answer both.
 */
export async function prepareWork(url: string, to: Address, bytes: Uint8Array, name: string) {
  const file = await call(url, "/api/files", { raw: bytes });
  if (file?.status !== 200 || !file.json) return null;
  const f = file.json as { sha256: Hex; cid: string; size: number; mediaType: string };
  const metadata = buildWorkMetadata({
    name,
    description: "A work of the reliability storm.",
    i18n: { en: { name } },
    creator: [{ "@type": "Person", name: "Storm" }],
    dateCreated: "2024-05",
    content: { sha256: f.sha256, cid: f.cid, size: f.size, mediaType: f.mediaType },
  });
  const stored = await call(url, "/api/metadata", { body: metadata });
  if (stored?.status !== 200 && stored?.status !== 201) return null;
  return {
    file: f,
    fields: {
      to,
      contentHash: f.sha256,
      metadataCid: cidToHex((stored.json as { cid: string }).cid),
      royaltyReceiver: to,
      royaltyBps: 500,
      parents: [] as bigint[],
    },
  };
}

/** The chain's head, straight from anvil. */
export async function chainHead(url: string): Promise<bigint> {
  return BigInt(await rpcCall<string>(url, "eth_blockNumber"));
}

/** Every transaction `from` sent in blocks `fromBlock`..head, in order: hash, nonce, status. */
export async function transactionsFrom(url: string, from: Address, fromBlock: bigint) {
  const head = await chainHead(url);
  const found: { hash: Hex; nonce: number; block: bigint }[] = [];
  for (let b = fromBlock; b <= head; b++) {
    const block = await rpcCall<{ transactions: { hash: Hex; from: string; nonce: Hex }[] }>(
      url,
      "eth_getBlockByNumber",
      [toHex(b), true],
    );
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() === from.toLowerCase())
        found.push({ hash: tx.hash, nonce: Number(tx.nonce), block: b });
    }
  }
  return found;
}

/** The works' columns the metadata fetcher fills from the content store: not the chain's, so not in a fresh sync. */
const FROM_METADATA = [
  "name",
  "name_en",
  "name_zh",
  "description",
  "tags",
  "region",
  "technique",
  "content_cid",
  "content_type",
  "search_text",
  "search_rev",
  "metadata_status",
  "metadata_error",
  "metadata_attempts",
  "metadata_retry_at",
];

/** A mirror's dump without what the metadata fetcher wrote: what a fresh sync from the chain must equal. */
export function chainFacts(mirror: Record<string, unknown[]>): Record<string, unknown[]> {
  const works = (mirror["works"] as string[]).map((row) => {
    const work = JSON.parse(row) as Record<string, unknown>;
    for (const column of FROM_METADATA) delete work[column];
    return work;
  });
  return { ...mirror, works };
}

/** Polls `check` every `everyMs` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  everyMs = 250,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
