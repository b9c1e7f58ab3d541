// The API's test fixture: a real anvil with the contracts, a database backend, an embedded content store, the indexer.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createPublicClient, createWalletClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { cidToHex } from "../../core/cid.ts";
import { buildWorkMetadata, type WorkMetadataInput } from "../../core/metadata.ts";
import { type Deployment, deployTitlechainViem } from "../../scripts/deploy/viem.ts";
import { buildApp } from "../../server/api/app.ts";
import { type ApiOptions, defaultApiOptions, type EvidenceSettings } from "../../server/api/deps.ts";
import type { RelayQuotas } from "../../server/config.ts";
import { EmbeddedContentStore } from "../../server/content/embedded-store.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { Heads } from "../../server/indexer/heads.ts";
import type { Indexer } from "../../server/indexer/indexer.ts";
import { MetadataFetcher } from "../../server/indexer/metadata.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { Relayer } from "../../server/relayer/relayer.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";
import type { Backend } from "../db/backends.ts";
import { type Anvil, rpcCall, startAnvil } from "../indexer/chain.ts";
import { CHAIN_ID, deploymentIndexer } from "../indexer/mirror.ts";

export type ApiFixture = {
  app: FastifyInstance;
  anvil: Anvil;
  d: Deployment;
  db: Database;
  store: EmbeddedContentStore;
  indexer: Indexer;
  pub: PublicClient;
  /** The relayer, when the fixture was asked for one. */
  relayer: Relayer | null;
  accounts: Hex[];
  /**
   * Starts the indexer following heads (as the server runs it) if it is not yet, waits until the mirror has the head,
   * then fetches every pending work's metadata.
   */
  sync(): Promise<void>;
  /** Sends a registry call from `from` and waits for its receipt. */
  registry(from: Hex, functionName: string, args: readonly unknown[]): Promise<Hex>;
  /** Uploads `bytes` through the API, stores the work's metadata and registers the work to `to`; returns its id. */
  register(to: Hex, bytes: Uint8Array, fields: Partial<WorkMetadataInput>, mediaType?: string): Promise<bigint>;
  close(): Promise<void>;
};

/** Anvil's tenth default account: the relayer of the tests, which nothing else sends from. */
export const RELAYER_KEY = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6" as const;

export async function apiFixture(
  backend: Backend,
  options: Partial<ApiOptions> = {},
  relay: {
    quotas?: Partial<RelayQuotas>;
    batch?: { maxLeaves: number; windowMs: number };
  } | null = null,
  evidence?: EvidenceSettings,
): Promise<ApiFixture> {
  const anvil = await startAnvil();
  const dir = await mkdtemp(join(tmpdir(), "titlechain-api-"));
  const closers: (() => Promise<unknown>)[] = [() => anvil.stop(), () => rm(dir, { recursive: true, force: true })];
  try {
    const d = await deployTitlechainViem(anvil.url);
    const db = await backend.open();
    closers.unshift(() => db.close());
    await migrate(db);
    const store = await EmbeddedContentStore.open({ dir: join(dir, "ipfs"), maxFileSize: 512 * 1024 * 1024 });
    closers.unshift(() => store.close());
    const rpc = new RpcClient({ urls: [anvil.url] });
    const indexer = deploymentIndexer(db, rpc, d);
    const chain = { chainId: CHAIN_ID, registry: d.registry, ledger: d.ledger, exchange: d.exchange };
    const pubClient = createPublicClient({ chain: foundry, transport: http(anvil.url) }) as PublicClient;
    const relayer =
      relay &&
      new Relayer({
        db,
        client: pubClient,
        chain: { chainId: CHAIN_ID, registry: d.registry },
        account: privateKeyToAccount(RELAYER_KEY),
        ...(relay.quotas ? { quotas: relay.quotas } : {}),
        ...(relay.batch ? { batch: relay.batch } : {}),
      });
    const app = await buildApp(
      {
        db,
        store,
        chain,
        indexer,
        client: pubClient,
        ...(relayer ? { relayer } : {}),
        ...(evidence ? { evidence } : {}),
      },
      { ...defaultApiOptions, ...options },
    );
    closers.unshift(() => app.close());
    const pub = pubClient;
    const accounts = await rpcCall<Hex[]>(anvil.url, "eth_accounts");
    const fetcher = new MetadataFetcher({ db, store, chainId: CHAIN_ID });
    const heads = new Heads({ rpc, wsUrl: anvil.wsUrl, pollIntervalMs: 200 });
    const stop = new AbortController();
    closers.unshift(async () => heads.close());
    let following: Promise<void> | null = null;
    const fixture: ApiFixture = {
      app,
      anvil,
      d,
      db,
      store,
      indexer,
      pub,
      relayer,
      accounts,
      async sync() {
        if (!following) {
          following = indexer.run(heads, stop.signal);
          const running = following;
          closers.unshift(async () => {
            stop.abort();
            await running;
          });
        }
        // Not pub.getBlockNumber(): viem caches it for seconds.
        const head = BigInt(await rpcCall<string>(anvil.url, "eth_blockNumber"));
        for (let i = 0; ; i++) {
          const synced = indexer.status().syncedBlock;
          if (synced !== null && BigInt(synced) >= head) break;
          if (i > 600) throw new Error(`the indexer did not reach block ${head}: ${indexer.status().lastError}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        while ((await fetcher.runOnce()).ok > 0);
      },
      async registry(from, functionName, args) {
        const wallet = createWalletClient({ chain: foundry, transport: http(anvil.url), account: from });
        const hash = await wallet.writeContract({
          address: d.registry,
          abi: provenanceRegistryAbi,
          functionName,
          args,
          account: from,
          chain: foundry,
        } as never);
        const receipt = await pub.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
        return hash;
      },
      async register(to, bytes, fields, mediaType = "application/octet-stream") {
        const upload = await app.inject({
          method: "POST",
          url: "/api/files",
          headers: { "content-type": mediaType },
          payload: Buffer.from(bytes),
        });
        if (upload.statusCode !== 200) throw new Error(`upload: ${upload.statusCode} ${upload.body}`);
        const file = upload.json() as { sha256: Hex; cid: string; size: number; mediaType: string };
        const metadata = buildWorkMetadata({
          name: "Untitled",
          description: "A design.",
          i18n: { zh: { name: "无题" }, en: { name: "Untitled" } },
          creator: [{ "@type": "Person", name: "Artisan" }],
          dateCreated: "2024-05",
          ...fields,
          content: { sha256: file.sha256, cid: file.cid, size: file.size, mediaType: file.mediaType },
        });
        const stored = await app.inject({ method: "POST", url: "/api/metadata", payload: metadata });
        if (stored.statusCode !== 200) throw new Error(`metadata: ${stored.statusCode} ${stored.body}`);
        const { cid } = stored.json() as { cid: string };
        await fixture.registry(to, "register", [
          {
            to,
            contentHash: file.sha256,
            metadataCid: cidToHex(cid),
            royaltyReceiver: to,
            royaltyBps: 500,
            parents: [],
          },
        ]);
        return BigInt(file.sha256);
      },
      async close() {
        for (const close of closers) await close().catch(() => undefined);
        await backend.cleanup();
      },
    };
    return fixture;
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
