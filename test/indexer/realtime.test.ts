import { type ChildProcess, spawn } from "node:child_process";
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
import { Indexer } from "../../server/indexer/indexer.ts";
import type { RpcLog } from "../../server/indexer/logs.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { bulkActorAbi, exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.ts";
import { type Backend, pgliteBackend, postgresBackend } from "../db/backends.ts";
import { type Anvil, startAnvil } from "./chain.ts";

const CHAIN_ID = 31337;
const PRICE = 1000n;
const FEE_BPS = 250;
const child = new URL("./run-child.ts", import.meta.url).pathname;

/** A seeded PRNG (mulberry32): the same workload and kill points on every run. */
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

/** Polls `check` every 20 ms until it returns true; fails after `timeoutMs`. */
async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const byValue = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The chain activity of the tests: a deployment (registry, ledger, exchange), two BulkActors (one acts, the other buys
 * licences) and the anvil accounts. It remembers which works exist on the chain it built, so that the mirror can be
 * compared with the contracts' own reads.
 */
class Workload {
  readonly url: string;
  readonly deployment: Deployment;
  readonly client: PublicClient;
  readonly actor: Hex;
  readonly buyer: Hex;
  readonly accounts: readonly Hex[];
  /** Works registered, in chain order. */
  works: bigint[] = [];
  /** Works the peer (an EOA) owns: they can be moved by plain registry transfers. */
  peerOwned: bigint[] = [];
  #next = 0n;

  private constructor(url: string, deployment: Deployment, actor: Hex, buyer: Hex, accounts: readonly Hex[]) {
    this.url = url;
    this.deployment = deployment;
    this.client = createPublicClient({ chain: foundry, transport: http(url) }) as PublicClient;
    this.actor = actor;
    this.buyer = buyer;
    this.accounts = accounts;
  }

  /** Deploys everything; `fee` sets a platform fee on the ledger and the exchange, as a production deployment does. */
  static async deploy(url: string, options: { fee: boolean }): Promise<Workload> {
    const deployment = await deployTitlechainViem(url);
    const actor = await deployBulkActor(url, deployment);
    const buyer = await deployBulkActor(url, deployment);
    const accounts = await createWalletClient({ chain: foundry, transport: http(url) }).getAddresses();
    if (accounts.length < 4) throw new Error("anvil has too few accounts");
    const workload = new Workload(url, deployment, actor, buyer, accounts);
    if (options.fee) {
      const wallet = workload.wallet(deployment.admin);
      const treasury = workload.account(3);
      await workload.#mined(
        await wallet.writeContract({
          address: deployment.ledger,
          abi: licenceLedgerAbi,
          functionName: "setPlatformFee",
          args: [treasury, FEE_BPS],
        }),
      );
      await workload.#mined(
        await wallet.writeContract({
          address: deployment.exchange,
          abi: exchangeAbi,
          functionName: "setPlatformFee",
          args: [treasury, FEE_BPS],
        }),
      );
    }
    return workload;
  }

  account(i: number): Hex {
    const account = this.accounts[i];
    if (!account) throw new Error(`no account ${i}`);
    return account;
  }

  wallet(account: Hex) {
    return createWalletClient({ chain: foundry, transport: http(this.url), account });
  }

  async #mined(hash: Hex): Promise<{ hash: Hex; block: bigint }> {
    const receipt = await this.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return { hash, block: receipt.blockNumber };
  }

  /** One BulkActor transaction over `count` new works of `salt`: ~6 registry and ledger events per work. */
  async act(salt: string, count: number): Promise<{ hash: Hex; block: bigint; works: bigint[] }> {
    const saltHash = keccak256(toHex(salt));
    const first = this.#next;
    this.#next += BigInt(count);
    const mined = await this.#mined(
      await this.wallet(this.account(0)).writeContract({
        address: this.actor,
        abi: bulkActorAbi,
        functionName: "act",
        args: [saltHash, first, BigInt(count), PRICE, this.buyer, this.account(1)],
        value: PRICE * BigInt(count),
      }),
    );
    const works: bigint[] = [];
    for (let i = first; i < first + BigInt(count); i++) {
      // The registry's work id is the content hash, which BulkActor derives from (salt, i).
      const id = BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [saltHash, i])));
      works.push(id);
      if (i % 2n === 1n) this.peerOwned.push(id);
    }
    this.works.push(...works);
    return { ...mined, works };
  }

  /** A plain registry transfer of a work the peer owns to another account. */
  async transfer(): Promise<{ hash: Hex; block: bigint; workId: bigint; to: Hex }> {
    const workId = this.peerOwned.shift();
    if (workId === undefined) throw new Error("the peer owns no work to transfer");
    const from = this.account(1);
    const to = this.account(2);
    const mined = await this.#mined(
      await this.wallet(from).writeContract({
        address: this.deployment.registry,
        abi: provenanceRegistryAbi,
        functionName: "transferFrom",
        args: [from, to, workId],
      }),
    );
    return { ...mined, workId, to };
  }

  /** What the test remembers of the chain, to put back with the chain after `evm_revert`. */
  save(): () => void {
    const works = [...this.works];
    const peerOwned = [...this.peerOwned];
    return () => {
      this.works = works;
      this.peerOwned = peerOwned;
    };
  }

  /** Every log of the three contracts up to `head`. */
  logs(head: bigint): Promise<RpcLog[]> {
    const d = this.deployment;
    return rpcCall<RpcLog[]>(this.url, "eth_getLogs", [
      { address: [d.registry, d.ledger, d.exchange], fromBlock: toHex(d.startBlock), toBlock: toHex(head) },
    ]);
  }

  indexer(db: Database, rpc: RpcClient, finalityDepth?: number): Indexer {
    const d = this.deployment;
    return new Indexer({
      db,
      rpc,
      chainId: CHAIN_ID,
      registry: d.registry,
      ledger: d.ledger,
      exchange: d.exchange,
      startBlock: d.startBlock,
      ...(finalityDepth === undefined ? {} : { finalityDepth }),
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

/** The dump of a new database synced in one go to `head` (straight from anvil), and its event count. */
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

async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.query<{ n: string }>(`select count(*)::text as n from (${sql}) q`, params);
  return Number(row?.n);
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
      const owner = await w.client.readContract({
        address: registry,
        abi: provenanceRegistryAbi,
        functionName: "ownerOf",
        args: [id],
      });
      const offers = await w.client.readContract({
        address: ledger,
        abi: licenceLedgerAbi,
        functionName: "offerCount",
        args: [id],
      });
      expect({ id: row.work_id, owner: row.owner, offers: Number(row.offers) }).to.deep.equal({
        id: row.work_id,
        owner: owner.toLowerCase(),
        offers,
      });
    }),
  );
  const grants = await db.query<{ grant_id: string; holder: string; sold: number }>(
    "select g.grant_id::text as grant_id, g.holder, o.sold from licence_grants g join licence_offers o " +
      "using (chain_id, work_id, offer_index) order by g.grant_id",
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
      expect(row.holder).to.equal(w.buyer.toLowerCase());
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

/** `indexer.run` in the background until `stop()`. */
function follow(indexer: Indexer, heads: Heads): { stop: () => Promise<void> } {
  const controller = new AbortController();
  const running = indexer.run(heads, controller.signal);
  return {
    stop: async () => {
      controller.abort();
      await running;
      heads.close();
    },
  };
}

/**
 * Waits until the running indexer's checkpoint (in the database) is the chain's head and stays there for `stableMs`;
 * returns the head.
 */
async function settled(indexer: Indexer, url: string, timeoutMs: number, stableMs = 500): Promise<bigint> {
  let since = 0;
  let head = -1n;
  let synced = -1n;
  try {
    await waitFor("the indexer to reach the head and stay", timeoutMs, async () => {
      const now = await headOf(url);
      synced = await indexer.syncedBlock();
      if (now !== head || synced !== now) {
        head = now;
        since = 0;
        return false;
      }
      since ||= Date.now();
      return Date.now() - since >= stableMs;
    });
  } catch (error) {
    const status = JSON.stringify(indexer.status());
    throw new Error(`${(error as Error).message}: head ${head}, synced ${synced}, status ${status}`);
  }
  return head;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** run-child.ts in its own process. */
function spawnChild(w: Workload, target: string, anvil: Anvil) {
  const d = w.deployment;
  const proc: ChildProcess = spawn(
    process.execPath,
    [child, anvil.url, anvil.wsUrl, target, d.registry, d.ledger, d.exchange, d.startBlock.toString()],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  let synced = -1n;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  proc.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes("ready\n")) onReady();
    for (const match of out.matchAll(/synced (\d+)\n/g)) synced = BigInt(match[1] as string);
  });
  proc.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    proc,
    /** Resolves on "ready"; rejects when the child exits first. */
    ready: Promise.race([
      ready,
      exited.then((e) => {
        throw new Error(`run-child exited before ready (${e.code ?? e.signal}): ${err.slice(-2000)}`);
      }),
    ]),
    exited,
    synced: () => synced,
    stderr: () => err,
  };
}

for (const make of [pgliteBackend, postgresBackend]) {
  const name = make().name;
  describe(`realtime indexer on anvil and ${name}`, function () {
    this.timeout(180_000);
    let anvil: Anvil;
    let w: Workload;
    /** The in-process tests share one mirror (a PGlite start costs seconds), each test resuming where the last one left. */
    let db: Database;
    const backends: Backend[] = [];
    const fresh = async (): Promise<Database> => {
      const backend = make();
      backends.push(backend);
      const opened = await backend.open();
      await migrate(opened);
      return opened;
    };

    before(async () => {
      anvil = await startAnvil();
      w = await Workload.deploy(anvil.url, { fee: true });
      await w.act("before", 2);
      db = await fresh();
    });

    after(async () => {
      await db?.close();
      for (const backend of backends) await backend.cleanup();
      await anvil?.stop();
    });

    for (const mode of ["WebSocket", "polling"] as const) {
      it(`follows new transactions as they are mined (${mode}): each shows within 2 s, then equals a fresh sync`, async () => {
        const rpc = new RpcClient({ urls: [anvil.url] });
        // With a subscription the heads come pushed; its safety-net poll (10 x 5 s) is far slower than the 2 s allowed.
        const heads =
          mode === "WebSocket"
            ? new Heads({ rpc, wsUrl: anvil.wsUrl, pollIntervalMs: 5_000 })
            : new Heads({ rpc, pollIntervalMs: 100 });
        if (mode === "WebSocket") await waitFor("the newHeads subscription", 5_000, () => heads.subscribed);
        const indexer = w.indexer(db, rpc);
        const running = follow(indexer, heads);
        try {
          await settled(indexer, anvil.url, 20_000, 100);
          const random = seeded(mode === "WebSocket" ? 1 : 2);
          const latencies: number[] = [];
          for (let i = 0; i < 10; i++) {
            const tx = await w.act(`${mode} ${i}`, 1 + Math.floor(random() * 3));
            latencies.push(
              await waitFor(`the works of tx ${i} in the mirror`, 2_000, async () => {
                const found = await count(db, "select 1 from works where work_id = any($1::numeric[])", [
                  tx.works.map(String),
                ]);
                return found === tx.works.length;
              }),
            );
            if (i % 3 === 2) {
              const moved = await w.transfer();
              latencies.push(
                await waitFor(`transfer of work ${moved.workId} in the mirror`, 2_000, async () => {
                  const [row] = await db.query<{ owner: string }>("select owner from works where work_id = $1", [
                    moved.workId.toString(),
                  ]);
                  return row?.owner === moved.to.toLowerCase();
                }),
              );
            }
          }
          expect(heads.subscribed).to.equal(mode === "WebSocket");
          expect(Math.max(...latencies)).to.be.lessThan(2_000);
          const head = await settled(indexer, anvil.url, 10_000);
          await running.stop();
          expect(await indexer.syncedBlock()).to.equal(head);
          expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
          await expectMirrorMatchesContracts(db, w);
        } finally {
          await running.stop();
        }
      });
    }

    it("follows a reorg while running: orphaned rows are gone, the mirror equals a fresh sync of the new chain", async () => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const heads = new Heads({ rpc, wsUrl: anvil.wsUrl, pollIntervalMs: 100 });
      const indexer = w.indexer(db, rpc, 128);
      const running = follow(indexer, heads);
      try {
        await settled(indexer, anvil.url, 20_000, 100);
        const snapshot = await rpcCall<string>(anvil.url, "evm_snapshot");
        const restore = w.save();
        const orphans: { hash: Hex; works: bigint[] }[] = [];
        for (let i = 0; i < 5; i++) orphans.push(await w.act(`orphan ${i}`, 1 + (i % 3)));
        const orphanHead = await settled(indexer, anvil.url, 10_000, 100);
        const orphanWorks = orphans.flatMap((o) => o.works.map(String));
        const orphanTxs = orphans.map((o) => o.hash);
        // The orphaned branch was mirrored: what follows has something to remove.
        expect(await count(db, "select 1 from works where work_id = any($1::numeric[])", [orphanWorks])).to.equal(
          orphanWorks.length,
        );

        expect(await rpcCall<boolean>(anvil.url, "evm_revert", [snapshot])).to.equal(true);
        restore();
        for (let i = 0; i < 7; i++) await w.act(`canonical ${i}`, 1 + ((i + 1) % 3));
        const head = await settled(indexer, anvil.url, 20_000, 1_000);
        expect(head).to.be.greaterThan(orphanHead);
        await running.stop();

        expect(await indexer.syncedBlock()).to.equal(head);
        expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
        for (const table of [
          "works",
          "licence_offers",
          "licence_grants",
          "licence_payments",
          "title_transfers",
          "balance_movements",
        ]) {
          expect(
            await count(db, `select 1 from ${table} where work_id = any($1::numeric[])`, [orphanWorks]),
            table,
          ).to.equal(0);
        }
        expect(await count(db, "select 1 from chain_event_log where tx_hash = any($1)", [orphanTxs])).to.equal(0);
        await expectMirrorMatchesContracts(db, w);
      } finally {
        await running.stop();
      }
    });

    it("status() reports the head it settled on and no error while running", async () => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const indexer = w.indexer(db, rpc);
      const running = follow(indexer, new Heads({ rpc, wsUrl: anvil.wsUrl, pollIntervalMs: 100 }));
      try {
        await settled(indexer, anvil.url, 20_000, 100);
        for (let i = 0; i < 3; i++) await w.act(`status ${i}`, 2);
        const head = await settled(indexer, anvil.url, 10_000);
        const status = indexer.status();
        expect(status.chainId).to.equal(CHAIN_ID);
        expect(status.syncedBlock).to.equal(head.toString());
        expect(status.head).to.equal(head.toString());
        expect(status.lastError).to.equal(null);
        expect(status.lastSyncAt).to.be.a("number");
        expect(status.rpc.map((s) => s.ok)).to.deep.equal([true]);
        expect(await indexer.syncedBlock()).to.equal(head);
      } finally {
        await running.stop();
      }
    });

    it("status() of an indexer restarted on an up-to-date mirror reports its synced block", async () => {
      const rpc = new RpcClient({ urls: [anvil.url] });
      const first = w.indexer(db, rpc);
      const head = await headOf(anvil.url);
      await first.syncTo(head);
      const restarted = w.indexer(db, rpc);
      const running = follow(restarted, new Heads({ rpc, pollIntervalMs: 50 }));
      try {
        // A few rounds of the loop: it saw the head, found nothing to sync, and reported success.
        await waitFor("the restarted indexer's first round", 10_000, () => restarted.status().lastSyncAt !== null);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await headOf(anvil.url)).to.equal(head);
        const status = restarted.status();
        expect({ head: status.head, lastError: status.lastError }).to.deep.equal({
          head: head.toString(),
          lastError: null,
        });
        expect(status.syncedBlock).to.equal(head.toString());
      } finally {
        await running.stop();
      }
    });

    it("converges to a fresh sync after 20 SIGKILLs of the realtime indexer at random points", async function () {
      // Each PGlite child spends seconds starting its database before "ready" (more on a loaded machine).
      this.timeout(600_000);
      const backend = make();
      backends.push(backend);
      const target = await backend.target();
      const random = seeded(0x5eed);
      const outcomes: Exit[] = [];
      for (let round = 0; round < 20; round++) {
        const proc = spawnChild(w, target, anvil);
        await proc.ready;
        const delay = Math.floor(random() * 300);
        const timer = setTimeout(() => proc.proc.kill("SIGKILL"), delay);
        const txs = 1 + Math.floor(random() * 3);
        for (let i = 0; i < txs; i++) await w.act(`kill ${round} ${i}`, 1 + Math.floor(random() * 3));
        const exit = await proc.exited;
        clearTimeout(timer);
        if (exit.signal !== "SIGKILL") throw new Error(`run-child exited with ${exit.code}: ${proc.stderr()}`);
        outcomes.push(exit);
      }
      expect(outcomes.filter((o) => o.signal === "SIGKILL")).to.have.length(20);

      const head = await headOf(anvil.url);
      const last = spawnChild(w, target, anvil);
      await last.ready;
      try {
        if (backend.name === "PostgreSQL") {
          // PostgreSQL can be read beside the child: wait on its checkpoint.
          const watcher = await backend.open();
          try {
            await waitFor("indexer_state to reach the head", 60_000, async () => {
              const [row] = await watcher.query<{ b: string }>("select synced_block::text as b from indexer_state");
              return row !== undefined && BigInt(row.b) >= head;
            });
          } finally {
            await watcher.close();
          }
        } else {
          // PGlite is one process's: the child reports each sync, and the checkpoint is checked once it stopped.
          await waitFor("the child to sync to the head", 60_000, () => last.synced() >= head);
        }
      } finally {
        last.proc.kill("SIGTERM");
      }
      const exit = await last.exited;
      expect(exit, last.stderr()).to.deep.equal({ code: 0, signal: null });

      const db = await backend.open();
      try {
        const [state] = await db.query<{ b: string }>("select synced_block::text as b from indexer_state");
        expect(state?.b).to.equal(head.toString());
        expect(await count(db, "select 1 from chain_events")).to.equal((await w.logs(head)).length);
        expect(await dump(db)).to.deep.equal(await freshSync(make, w, head));
        await expectMirrorMatchesContracts(db, w);
      } finally {
        await db.close();
      }
    });

    // Regression: the projection once failed on the first licence sale of a ledger without fee settings.
    it("follows licence sales on a deployment whose platform fee was never set", async () => {
      const bare = await startAnvil();
      const own = await fresh();
      try {
        const unset = await Workload.deploy(bare.url, { fee: false });
        const rpc = new RpcClient({ urls: [bare.url] });
        const indexer = unset.indexer(own, rpc);
        const running = follow(indexer, new Heads({ rpc, pollIntervalMs: 100 }));
        try {
          await unset.act("no fee", 2);
          const head = await headOf(bare.url);
          await waitFor(
            "the indexer to reach the head",
            5_000,
            () => indexer.status().syncedBlock === head.toString(),
          ).catch(() => undefined);
          expect(indexer.status().lastError).to.equal(null);
          expect(indexer.status().syncedBlock).to.equal(head.toString());
          await running.stop();
          await expectMirrorMatchesContracts(own, unset);
        } finally {
          await running.stop();
        }
      } finally {
        await own.close();
        await bare.stop();
      }
    });
  });
}
