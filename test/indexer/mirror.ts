/**
 * Shared helpers of the indexer's mirror tests (faults, realtime, market search, metadata): a BulkActor workload on a
 * full deployment, the indexer of a deployment, a dump of the mirror, a fresh sync to compare with, and the check of
 * the mirror against the contracts' own reads. A helper module: it registers no tests.
 */
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
import { Indexer, type IndexerOptions } from "../../server/indexer/indexer.ts";
import type { RpcLog } from "../../server/indexer/logs.ts";
import { RpcClient } from "../../server/indexer/rpc.ts";
import { bulkActorAbi, exchangeAbi, licenceLedgerAbi, provenanceRegistryAbi } from "../../types/abi/index.js";
import type { Backend } from "../db/backends.ts";
import { rpcCall } from "./chain.ts";

/** Anvil's chain id. */
export const CHAIN_ID = 31337;
/** The price of every licence the workload sells. */
const PRICE = 1000n;
/** The platform fee the workload sets on the ledger and the exchange, when it sets one. */
const FEE_BPS = 250;

/** Orders bigints by value (for `Array.prototype.sort`). */
export const byValue = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** An indexer mirroring the deployment's registry, ledger and exchange on anvil's chain, with `extra` options. */
export function deploymentIndexer(
  db: Database,
  rpc: RpcClient,
  deployment: Pick<Deployment, "registry" | "ledger" | "exchange" | "startBlock">,
  extra: Partial<IndexerOptions> = {},
): Indexer {
  return new Indexer({
    db,
    rpc,
    chainId: CHAIN_ID,
    registry: deployment.registry,
    ledger: deployment.ledger,
    exchange: deployment.exchange,
    startBlock: deployment.startBlock,
    ...extra,
  });
}

/**
 * The chain activity of the tests: a deployment (registry, ledger, exchange), two BulkActors (one acts, the other buys
 * licences) and the anvil accounts. It remembers which works exist on the chain it built, so that the mirror can be
 * compared with the contracts' own reads.
 */
export class Workload {
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
      for (const [address, abi] of [
        [deployment.ledger, licenceLedgerAbi],
        [deployment.exchange, exchangeAbi],
      ] as const) {
        await workload.#mined(
          await wallet.writeContract({ address, abi, functionName: "setPlatformFee", args: [treasury, FEE_BPS] }),
        );
      }
    }
    return workload;
  }

  /** The anvil account `i`. */
  account(i: number): Hex {
    const account = this.accounts[i];
    if (!account) throw new Error(`no account ${i}`);
    return account;
  }

  /** A wallet client sending as `account`. */
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

  /** `steps` transactions, one block each: BulkActor acts of 1-3 works, and a plain transfer every fifth step. */
  async run(label: string, steps: number, random: () => number): Promise<void> {
    for (let i = 0; i < steps; i++) {
      if (i % 5 === 4 && this.peerOwned.length > 0) await this.transfer();
      else await this.act(`${label} ${i}`, 1 + Math.floor(random() * 3));
    }
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

  /** An indexer of this deployment, with optional range tuning and finality depth. */
  indexer(
    db: Database,
    rpc: RpcClient,
    extra: Pick<IndexerOptions, "ranges" | "finalityDepth" | "vacuum"> = {},
  ): Indexer {
    return deploymentIndexer(db, rpc, this.deployment, extra);
  }
}

/** New migrated databases of one backend kind, all cleaned up by `cleanup()`. */
export class Databases {
  readonly #make: () => Backend;
  readonly #backends: Backend[] = [];

  constructor(make: () => Backend) {
    this.#make = make;
  }

  /** A new backend, cleaned up with the others. */
  backend(): Backend {
    const backend = this.#make();
    this.#backends.push(backend);
    return backend;
  }

  /** A new backend's database, opened and migrated. */
  async fresh(): Promise<Database> {
    const db = await this.backend().open();
    await migrate(db);
    return db;
  }

  /** Cleans up every backend made so far. */
  async cleanup(): Promise<void> {
    for (const backend of this.#backends) await backend.cleanup();
  }
}

/** The mirror's tables, ordered by their primary keys, every value as text (numerics exact). */
export async function dump(db: Database): Promise<Record<string, unknown[]>> {
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
    royalty_edges: await rows("royalty_edges", "chain_id, work_id, edge_index"),
    priority_claims: await rows("priority_claims", "chain_id, block_number, log_index"),
    revenue_pots: await rows("revenue_pots", "chain_id, work_id, version, currency"),
    currencies: await rows("currencies", "chain_id, contract, currency_id"),
  };
}

/**
 * The dump of a new database synced in one go to `head` straight from anvil (no proxy); the sync must apply every log
 * up to `head`.
 */
export async function freshSync(make: () => Backend, w: Workload, head: bigint): Promise<Record<string, unknown[]>> {
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

/**
 * The mirror against the contracts' own reads: works (owners, encumbrances, recording times), offers, grants' holders,
 * ledger balances. With `grantsToBuyer`, each grant must also join its offer and be held by the workload's buyer.
 */
export async function expectMirrorMatchesContracts(
  db: Database,
  w: Workload,
  options: { grantsToBuyer?: boolean } = {},
): Promise<void> {
  const { registry, ledger } = w.deployment;
  const works = await db.query<{
    work_id: string;
    owner: string;
    offers: string;
    encumbrances: number;
    recorded_at: string;
  }>(
    "select w.work_id::text as work_id, w.owner, (select count(*) from licence_offers o where o.chain_id = w.chain_id " +
      "and o.work_id = w.work_id)::text as offers, w.encumbrances, " +
      "extract(epoch from w.recorded_at)::bigint::text as recorded_at from works w order by w.work_id",
  );
  expect(works.map((r) => r.work_id)).to.deep.equal([...w.works].sort(byValue).map(String));
  await Promise.all(
    works.map(async (row) => {
      const id = BigInt(row.work_id);
      const [owner, offers, title, work] = await Promise.all([
        w.client.readContract({ address: registry, abi: provenanceRegistryAbi, functionName: "ownerOf", args: [id] }),
        w.client.readContract({ address: ledger, abi: licenceLedgerAbi, functionName: "offerCount", args: [id] }),
        w.client.readContract({ address: registry, abi: provenanceRegistryAbi, functionName: "titleOf", args: [id] }),
        w.client.readContract({ address: registry, abi: provenanceRegistryAbi, functionName: "workOf", args: [id] }),
      ]);
      expect({ ...row, offers: Number(row.offers) }).to.deep.equal({
        work_id: row.work_id,
        owner: owner.toLowerCase(),
        offers,
        encumbrances: title.encumbrances,
        recorded_at: work.recordedAt.toString(),
      });
    }),
  );
  const grants = await db.query<{ grant_id: string; holder: string }>(
    options.grantsToBuyer
      ? "select g.grant_id::text as grant_id, g.holder, o.sold from licence_grants g join licence_offers o " +
          "using (chain_id, work_id, offer_index) order by g.grant_id"
      : "select grant_id::text as grant_id, holder from licence_grants order by grant_id",
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
      if (options.grantsToBuyer) expect(row.holder).to.equal(w.buyer.toLowerCase());
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
