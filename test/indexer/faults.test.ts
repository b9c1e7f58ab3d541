import { expect } from "chai";
import {
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  toHex,
} from "viem";
import { foundry } from "viem/chains";
import { type Deployment, deployBulkActor, deployTitlechainViem } from "../../scripts/deploy/viem.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { Heads } from "../../server/indexer/heads.ts";
import { Indexer, type IndexerOptions } from "../../server/indexer/indexer.ts";
import type { RpcLog } from "../../server/indexer/logs.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { bulkActorAbi, exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.ts";
import { type Backend, pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type Anvil, faultyProxy, startAnvil } from "./chain.ts";

const CHAIN_ID = 31337;
const PRICE = 1000n;

/** A seeded PRNG (mulberry32): the same workload on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function rpcCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const answer = (await response.json()) as { result?: T; error?: { message: string } };
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result as T;
}

const headOf = async (url: string) => BigInt(await rpcCall<string>(url, "eth_blockNumber"));
const byValue = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** Polls `check` every 20 ms until it returns true; fails after `timeoutMs`. */
async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The chain activity: a deployment with a platform fee, two BulkActors (one acts, the other buys licences) and plain
 * registry transfers of the works the peer account received. It remembers the works it registered.
 */
class Workload {
  readonly url: string;
  readonly deployment: Deployment;
  readonly client: PublicClient;
  readonly actor: Hex;
  readonly buyer: Hex;
  readonly accounts: readonly Hex[];
  readonly works: bigint[] = [];
  readonly peerOwned: bigint[] = [];
  #next = 0n;

  private constructor(url: string, deployment: Deployment, actor: Hex, buyer: Hex, accounts: readonly Hex[]) {
    this.url = url;
    this.deployment = deployment;
    this.client = createPublicClient({ chain: foundry, transport: http(url) }) as PublicClient;
    this.actor = actor;
    this.buyer = buyer;
    this.accounts = accounts;
  }

  static async deploy(url: string): Promise<Workload> {
    const deployment = await deployTitlechainViem(url);
    const actor = await deployBulkActor(url, deployment);
    const buyer = await deployBulkActor(url, deployment);
    const accounts = await createWalletClient({ chain: foundry, transport: http(url) }).getAddresses();
    if (accounts.length < 4) throw new Error("anvil has too few accounts");
    const w = new Workload(url, deployment, actor, buyer, accounts);
    // A platform fee, as a production deployment sets: purchases credit the treasury too.
    const admin = w.wallet(deployment.admin);
    await w.#mined(
      await admin.writeContract({
        address: deployment.ledger,
        abi: licenceLedgerAbi,
        functionName: "setPlatformFee",
        args: [w.account(3), 250],
      }),
    );
    await w.#mined(
      await admin.writeContract({
        address: deployment.exchange,
        abi: exchangeAbi,
        functionName: "setPlatformFee",
        args: [w.account(3), 250],
      }),
    );
    return w;
  }

  account(i: number): Hex {
    const account = this.accounts[i];
    if (!account) throw new Error(`no account ${i}`);
    return account;
  }

  wallet(account: Hex) {
    return createWalletClient({ chain: foundry, transport: http(this.url), account });
  }

  async #mined(hash: Hex): Promise<void> {
    const receipt = await this.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  }

  /** One BulkActor transaction over `count` new works of `salt` (~6 registry and ledger events per work). */
  async act(salt: string, count: number): Promise<void> {
    const saltHash = keccak256(toHex(salt));
    const first = this.#next;
    this.#next += BigInt(count);
    await this.#mined(
      await this.wallet(this.account(0)).writeContract({
        address: this.actor,
        abi: bulkActorAbi,
        functionName: "act",
        args: [saltHash, first, BigInt(count), PRICE, this.buyer, this.account(1)],
        value: PRICE * BigInt(count),
      }),
    );
    for (let i = first; i < first + BigInt(count); i++) {
      // The registry's work id is the content hash, which BulkActor derives from (salt, i).
      const id = BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [saltHash, i])));
      this.works.push(id);
      if (i % 2n === 1n) this.peerOwned.push(id);
    }
  }

  /** A plain registry transfer of a work the peer owns. */
  async transfer(): Promise<void> {
    const workId = this.peerOwned.shift();
    if (workId === undefined) throw new Error("the peer owns no work to transfer");
    const [from, to] = [this.account(1), this.account(2)];
    await this.#mined(
      await this.wallet(from).writeContract({
        address: this.deployment.registry,
        abi: provenanceRegistryAbi,
        functionName: "transferFrom",
        args: [from, to, workId],
      }),
    );
  }

  /** `steps` transactions, one block each: BulkActor acts of 1-3 works, and a plain transfer every fifth step. */
  async run(label: string, steps: number, random: () => number): Promise<void> {
    for (let i = 0; i < steps; i++) {
      if (i % 5 === 4 && this.peerOwned.length > 0) await this.transfer();
      else await this.act(`${label} ${i}`, 1 + Math.floor(random() * 3));
    }
  }

  logs(head: bigint): Promise<RpcLog[]> {
    const d = this.deployment;
    return rpcCall<RpcLog[]>(this.url, "eth_getLogs", [
      { address: [d.registry, d.ledger, d.exchange], fromBlock: toHex(d.startBlock), toBlock: toHex(head) },
    ]);
  }

  indexer(db: Database, rpc: RpcClient, ranges?: IndexerOptions["ranges"]): Indexer {
    const d = this.deployment;
    return new Indexer({
      db,
      rpc,
      chainId: CHAIN_ID,
      registry: d.registry,
      ledger: d.ledger,
      exchange: d.exchange,
      startBlock: d.startBlock,
      ...(ranges === undefined ? {} : { ranges }),
    });
  }
}

/** The mirror's tables, ordered by their primary keys, every value as text (numerics exact). */
async function dump(db: Database): Promise<Record<string, unknown[]>> {
  const rows = (table: string, key: string) =>
    db
      .query<{ r: string }>(`select to_jsonb(t)::text as r from ${table} t order by ${key}`)
      .then((r) => r.map((x) => x.r));
  return {
    events: await db.query(
      "select block_number::text as block, log_index::text as log_index, name, block_hash from chain_event_log " +
        "order by chain_id, block_number, log_index",
    ),
    works: await rows("works", "chain_id, work_id"),
    licence_offers: await rows("licence_offers", "chain_id, work_id, offer_index"),
    licence_grants: await rows("licence_grants", "chain_id, grant_id"),
    balances: await rows("balances", "chain_id, contract, account, currency"),
    title_transfers: await rows("title_transfers", "chain_id, block_number, log_index"),
    licence_payments: await rows("licence_payments", "chain_id, block_number, log_index"),
    balance_movements: await rows("balance_movements", "chain_id, block_number, log_index, seq"),
  };
}

/** The dump of a new database synced in one go to `head` straight from anvil (no proxy). */
async function freshSync(make: () => Backend, w: Workload, head: bigint): Promise<Record<string, unknown[]>> {
  const backend = make();
  const db = await backend.open();
  try {
    await migrate(db);
    const applied = await w.indexer(db, new RpcClient({ urls: [w.url] })).syncTo(head);
    expect(applied).to.equal((await w.logs(head)).length);
    return await dump(db);
  } finally {
    await db.close();
    await backend.cleanup();
  }
}

/** The mirror against the contracts' own reads: works and owners, offers, grants' holders, ledger balances. */
async function expectMirrorMatchesContracts(db: Database, w: Workload): Promise<void> {
  const { registry, ledger } = w.deployment;
  const works = await db.query<{ work_id: string; owner: string; offers: string }>(
    "select w.work_id::text as work_id, w.owner, (select count(*) from licence_offers o where o.chain_id = w.chain_id " +
      "and o.work_id = w.work_id)::text as offers from works w order by w.work_id",
  );
  expect(works.map((r) => r.work_id)).to.deep.equal([...w.works].sort(byValue).map(String));
  await Promise.all(
    works.map(async (row) => {
      const id = BigInt(row.work_id);
      const [owner, offers] = await Promise.all([
        w.client.readContract({ address: registry, abi: provenanceRegistryAbi, functionName: "ownerOf", args: [id] }),
        w.client.readContract({ address: ledger, abi: licenceLedgerAbi, functionName: "offerCount", args: [id] }),
      ]);
      expect({ owner: row.owner, offers: Number(row.offers) }).to.deep.equal({ owner: owner.toLowerCase(), offers });
    }),
  );
  const grants = await db.query<{ grant_id: string; holder: string }>(
    "select grant_id::text as grant_id, holder from licence_grants order by grant_id",
  );
  expect(grants).to.have.length(w.works.length); // one licence sold per work
  await Promise.all(
    grants.map(async (row) => {
      const grant = await w.client.readContract({
        address: ledger,
        abi: licenceLedgerAbi,
        functionName: "grantOf",
        args: [BigInt(row.grant_id)],
      });
      expect(row.holder).to.equal(grant.holder.toLowerCase());
    }),
  );
  const balances = await db.query<{ contract: string; account: Hex; currency: Hex; owed: string }>(
    "select contract, account, currency, owed::text as owed from balances order by contract, account, currency",
  );
  expect(balances.length).to.be.greaterThan(0);
  for (const row of balances) {
    expect(row.contract).to.equal(ledger.toLowerCase());
    const owed = await w.client.readContract({
      address: ledger,
      abi: licenceLedgerAbi,
      functionName: "owed",
      args: [row.account, row.currency],
    });
    expect(row.owed, `owed to ${row.account}`).to.equal(owed.toString());
  }
}

/** Retries generous enough to ride out a 20% fault rate; timeouts above the proxy's 300 ms delays. */
const faultTolerantRpc = (url: string) =>
  new RpcClient({ urls: [url], timeoutMs: 3_000, maxAttempts: 40, baseDelayMs: 5, maxDelayMs: 100 });

for (const make of [pgliteBackend, postgresBackend]) {
  const name = make().name;
  describe(`full indexer through a faulty RPC on anvil and ${name}`, function () {
    this.timeout(180_000);
    let anvil: Anvil;
    let w: Workload;
    const backends: Backend[] = [];
    const fresh = async (): Promise<Database> => {
      const backend = make();
      backends.push(backend);
      const db = await backend.open();
      await migrate(db);
      return db;
    };

    before(async () => {
      anvil = await startAnvil();
      w = await Workload.deploy(anvil.url);
      await w.run("backfill", 60, seeded(42));
    });

    after(async () => {
      for (const backend of backends) await backend.cleanup();
      await anvil?.stop();
    });

    it("syncTo(head) through dropped, slow, failing and range-limited answers equals a fresh sync", async () => {
      const head = await headOf(anvil.url);
      const logs = await w.logs(head);
      expect(logs.length).to.be.greaterThan(300);
      expect(new Set(logs.map((l) => l.blockNumber)).size).to.be.greaterThan(55);
      const proxy = await faultyProxy(anvil.url, { faultRate: 0.2, maxRange: 8, seed: 1234 });
      const db = await fresh();
      try {
        // Ranges start wider than the proxy's 8 blocks, so that some are refused as too large whatever the fetcher does.
        const indexer = w.indexer(db, faultTolerantRpc(proxy.url), { initialRange: 64n });
        expect(await indexer.syncTo(head)).to.equal(logs.length);
        expect(await indexer.syncedBlock()).to.equal(head);
        // Every kind of fault was injected and survived.
        const { stats } = proxy;
        // The proxy draws one roll per request in arrival order; seed 1234's first 7 rolls hold all four kinds.
        expect(stats.requests).to.be.at.least(7);
        for (const kind of ["dropped", "delayed", "http500", "rpcErrors", "tooLarge"] as const) {
          expect(stats[kind], `${kind} in ${JSON.stringify(stats)}`).to.be.greaterThan(0);
        }
        expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
        await expectMirrorMatchesContracts(db, w);
      } finally {
        await db.close();
        await proxy.close();
      }
    });

    it("run() polling through the faulty RPC while transactions are sent converges to a fresh sync", async () => {
      const proxy = await faultyProxy(anvil.url, { faultRate: 0.2, maxRange: 8, seed: 77 });
      const db = await fresh();
      const rpc = faultTolerantRpc(proxy.url);
      const indexer = w.indexer(db, rpc, { initialRange: 64n });
      const heads = new Heads({ rpc, pollIntervalMs: 50 });
      const controller = new AbortController();
      const running = indexer.run(heads, controller.signal);
      try {
        await w.run("realtime", 20, seeded(43));
        // Settled: synced to the head, and still there 500 ms later.
        let head = -1n;
        let since = 0;
        await waitFor("the indexer to reach the head", 60_000, async () => {
          const now = await headOf(anvil.url);
          if (now !== head || indexer.status().syncedBlock !== now.toString()) {
            head = now;
            since = 0;
            return false;
          }
          since ||= Date.now();
          return Date.now() - since >= 500;
        });
        controller.abort();
        await running;
        expect(await indexer.syncedBlock()).to.equal(head);
        // Seed 77's first 10 rolls hold all four kinds; the 50 ms polling alone makes far more requests.
        expect(proxy.stats.requests).to.be.at.least(10);
        for (const kind of ["dropped", "delayed", "http500", "rpcErrors", "tooLarge"] as const) {
          expect(proxy.stats[kind], `${kind} in ${JSON.stringify(proxy.stats)}`).to.be.greaterThan(0);
        }
        expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
        await expectMirrorMatchesContracts(db, w);
      } finally {
        controller.abort();
        await running;
        heads.close();
        await db.close();
        await proxy.close();
      }
    });
  });
}
