// The API benchmark's data: works registered, offered, licensed and assigned on anvil, then indexed into a database.
import {
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  toHex,
} from "viem";
import { foundry } from "viem/chains";
import { cidToHex } from "../../core/cid.ts";
import { fingerprintDistance } from "../../core/phash.ts";
import type { Deployment as ChainDeployment } from "../../server/api/deps.ts";
import type { ContentStore } from "../../server/content/content-store.ts";
import { storeWorkMetadata } from "../../server/content/metadata-io.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { Vacuum } from "../../server/db/vacuum.ts";
import { Indexer } from "../../server/indexer/indexer.ts";
import { MetadataFetcher } from "../../server/indexer/metadata.ts";
import { radiusOf, signedHash, storePairs } from "../../server/indexer/near-duplicates.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { bulkActorAbi } from "../../types/abi/index.js";
import { deployBulkActor, deployTitlechainViem } from "../deploy/viem.ts";
import { corpusImage, corpusMetadata } from "./api-corpus.ts";

/** What was built on chain: the deployment, its first block, and the works' ids (decimal). */
export type Built = { chain: ChainDeployment; startBlock: string; salt: Hex; works: number };

const PRICE = 1_000n;
/** Works per transaction (each registered, offered, licensed once, every other one assigned: about 6 events). */
const PER_TX = 67;

/** The id of work `i` of `salt`: BulkActor's content hash `keccak256(abi.encode(salt, i))`. */
export function contentHashOf(salt: Hex, i: number): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [salt, BigInt(i)]));
}

/** Runs `task` on every index below `count`, `concurrency` at a time. */
async function forEach(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Stores `works` metadata documents and registers their works on the chain at `url` through BulkActor. */
export async function buildChain(url: string, store: ContentStore, works: number, log: (s: string) => void) {
  const salt = keccak256(toHex("bench-api"));
  const cids: Hex[] = new Array(works);
  await forEach(works, 8, async (i) => {
    cids[i] = cidToHex(await storeWorkMetadata(store, corpusMetadata(i, contentHashOf(salt, i))));
    if (i % 20_000 === 0) log(`  metadata of work ${i} stored`);
  });
  const deployment = await deployTitlechainViem(url);
  const seller = await deployBulkActor(url, deployment);
  const buyer = await deployBulkActor(url, deployment);
  const transport = http(url);
  const client = createPublicClient({ chain: foundry, transport });
  const wallet = createWalletClient({ chain: foundry, transport, account: deployment.admin });
  const [, peer] = await wallet.getAddresses();
  let nonce = await client.getTransactionCount({ address: deployment.admin });
  for (let first = 0; first < works; first += PER_TX) {
    const batch = cids.slice(first, first + PER_TX);
    const hash = await wallet.sendTransaction({
      to: seller,
      data: encodeFunctionData({
        abi: bulkActorAbi,
        functionName: "actWith",
        args: [salt, BigInt(first), batch, PRICE, buyer, peer as Hex],
      }),
      value: PRICE * BigInt(batch.length),
      nonce: nonce++,
      gas: BigInt(batch.length) * 600_000n + 100_000n,
    });
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 5 });
    if (receipt.status !== "success") throw new Error(`actWith of works from ${first} reverted`);
    if (first % 20_100 === 0) log(`  works from ${first} registered`);
  }
  const built: Built = {
    chain: { chainId: 31337, registry: deployment.registry, ledger: deployment.ledger, exchange: deployment.exchange },
    startBlock: deployment.startBlock.toString(),
    salt,
    works,
  };
  return built;
}

/** Seconds each step of building a database took. */
export type IndexTimes = { indexS: number; events: number; metadataS: number; fingerprintsS: number; vacuumS: number };

/**
 * (Whatever of it is not done yet, for a kept database.) Indexes the chain into `db` with the real indexer, fetches
 * every work's metadata with the real fetcher, vacuums the embedded database when due as they do, and records an
 * image fingerprint per work and the near-duplicate pairs of the copies among them (see {@link corpusImage}: the
 * corpus has no image files to decode, and comparing every pair of 100,000 as the fetcher does one by one would take
 * the benchmark hours).
 */
export async function buildDatabase(db: Database, url: string, store: ContentStore, built: Built): Promise<IndexTimes> {
  await migrate(db);
  const rpc = new RpcClient({ urls: [url] });
  const indexer = new Indexer({ db, rpc, ...built.chain, startBlock: BigInt(built.startBlock) });
  let started = performance.now();
  const events = await indexer.syncTo(BigInt(await rpc.request<string>("eth_blockNumber")));
  const indexS = (performance.now() - started) / 1000;
  // As the server's indexer and metadata fetcher do once caught up: the embedded database vacuumed when due.
  const vacuum = new Vacuum(db);
  let vacuumS = 0;
  const vacuumWhenDue = async () => {
    const at = performance.now();
    if (await vacuum.whenDue()) vacuumS += (performance.now() - at) / 1000;
  };
  vacuum.wrote(events);
  await vacuumWhenDue();
  started = performance.now();
  const fetcher = new MetadataFetcher({ db, store, chainId: built.chain.chainId, batchSize: 512, concurrency: 16 });
  for (;;) {
    const round = await fetcher.runOnce();
    if (round.invalid + round.unavailable > 0) throw new Error(`metadata not ok: ${JSON.stringify(round)}`);
    if (round.ok === 0) break;
    vacuum.wrote(round.ok);
  }
  const metadataS = (performance.now() - started) / 1000;
  started = performance.now();
  const idOf = (i: number) => BigInt(contentHashOf(built.salt, i)).toString();
  for (let first = 0; first < built.works; first += 1000) {
    const rows: string[] = [];
    const pairs: { a: string; b: string; distance: number }[] = [];
    for (let i = first; i < Math.min(first + 1000, built.works); i++) {
      const { fingerprint: f, copyOf } = corpusImage(i);
      const id = idOf(i);
      const variants = `'{${f.variants.map(signedHash).join(",")}}'`;
      rows.push(`(${built.chain.chainId}, ${id}, ${signedHash(f.hash)}, ${variants}, ${radiusOf(f)})`);
      if (copyOf !== null) {
        pairs.push({ a: id, b: idOf(copyOf), distance: fingerprintDistance(f, corpusImage(copyOf).fingerprint) });
      }
    }
    await db.exec(
      `insert into image_fingerprints (chain_id, work_id, hash, variants, radius) values ${rows.join(",")} on conflict do nothing`,
    );
    await storePairs(db, built.chain.chainId, pairs);
  }
  await db.exec("analyze");
  const fingerprintsS = (performance.now() - started) / 1000;
  // The fetcher records a work's fingerprint with its metadata, then, with nothing left to fetch, vacuums when due.
  vacuum.wrote(built.works);
  await vacuumWhenDue();
  return { indexS, events, metadataS, fingerprintsS, vacuumS };
}
