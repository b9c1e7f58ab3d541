/** The indexer: syncs the chain into the mirror page by page, follows new heads and rolls back reorgs. */
import type { Hex } from "viem";
import type { Database, Statement } from "../db/database.ts";
import { deferIndexes, hasDeferredIndexes, restoreIndexes } from "../db/indexes.ts";
import type { Vacuum } from "../db/vacuum.ts";
import { type ChainEvent, decodeLog, type Source } from "./decode.ts";
import type { Heads } from "./heads.ts";
import { type FetchLogsOptions, fetchLogs, type LogPage } from "./logs.ts";
import { pause } from "./pause.ts";
import { type Carried, PageProjection } from "./projection.ts";
import type { RpcClient } from "./rpc.ts";
import { facts, factTables, things, undoTable } from "./schema.ts";
import { arrayLiteral, type Row } from "./tables.ts";

export type IndexerOptions = {
  db: Database;
  rpc: RpcClient;
  chainId: number;
  /** The provenance registry's address. */
  registry: Hex;
  /** The licence ledger's address, when it is mirrored. */
  ledger?: Hex | undefined;
  /** The exchange's address, when it is mirrored. */
  exchange?: Hex | undefined;
  /** First block to index (the registry's deployment block). */
  startBlock: bigint;
  /** Blocks after which a block is final: reorgs deeper than this are refused, not followed (default 64). */
  finalityDepth?: number;
  /** Range tuning of the log fetcher. */
  ranges?: Pick<FetchLogsOptions, "initialRange" | "maxRange" | "batchSize" | "targetLogs">;
  /** Told the events applied by each sync of `run`, which vacuums when they add up and the mirror is caught up. */
  vacuum?: Vacuum | undefined;
};

/** What `/ready` reports of the indexer. */
export type IndexerStatus = {
  chainId: number;
  syncedBlock: string | null;
  head: string | null;
  /** The last error of the sync loop, until a sync succeeds again. */
  lastError: string | null;
  lastSyncAt: number | null;
  rpc: ReturnType<RpcClient["status"]>;
};

/** The blocks `[from, to]` of a page. */
type BlockRange = { from: bigint; to: bigint };

type PageRecord = { from_block: string; to_block: string; to_hash: string };

/** The chain changed under a page while it was fetched: the sync starts over from the reorg check. */
class ChainMovedError extends Error {}

/**
 * Mirrors the registry, the licence ledger and the exchange into the database.
 *
 * Each page of logs, its rows and the new checkpoint are committed in one transaction, so a crash at any point resumes
 * from the last whole page with nothing lost and nothing applied twice (a transaction applied twice would violate the
 * event log's primary key and roll the page back).
 *
 * Reorgs: pages within `finalityDepth` blocks of the head are recorded with the hash of their last block and the
 * pre-images of the rows they changed. Before each sync the indexer checks the newest page's hash; when the chain no
 * longer has it, it rolls back whole pages, newest first, to the highest page whose hash still matches (putting back
 * the pre-images and deleting the facts above it) and syncs forward again. A reorg below the recorded pages is refused.
 */
export class Indexer {
  readonly #db: Database;
  readonly #rpc: RpcClient;
  readonly #chainId: number;
  readonly #sources: Map<string, Source>;
  readonly #startBlock: bigint;
  readonly #vacuum: Vacuum | undefined;
  readonly #finalityDepth: number;
  readonly #ranges: IndexerOptions["ranges"];
  #synced: bigint | null = null;
  /** What the last committed page left (null: read it from the database). */
  #carried: Carried | null = null;
  /** Whether secondary indexes are set aside for a backfill (null: ask the database). */
  #deferred: boolean | null = null;
  /** Whether some unfinal page is recorded (null: ask the database). */
  #hasPages: boolean | null = null;
  #head: bigint | null = null;
  #lastError: string | null = null;
  #lastSyncAt: number | null = null;

  constructor(options: IndexerOptions) {
    this.#ranges = options.ranges;
    this.#finalityDepth = options.finalityDepth ?? 64;
    this.#db = options.db;
    this.#rpc = options.rpc;
    this.#chainId = options.chainId;
    this.#sources = new Map<string, Source>([[options.registry.toLowerCase(), "registry"]]);
    if (options.ledger) this.#sources.set(options.ledger.toLowerCase(), "ledger");
    if (options.exchange) this.#sources.set(options.exchange.toLowerCase(), "exchange");
    this.#startBlock = options.startBlock;
    this.#vacuum = options.vacuum;
  }

  get chainId(): number {
    return this.#chainId;
  }

  /** The last block whose logs are committed, or `startBlock - 1` before the first sync. */
  async syncedBlock(): Promise<bigint> {
    const [row] = await this.#db.query<{ synced_block: string | number }>(
      "select synced_block from indexer_state where chain_id = $1",
      [this.#chainId],
    );
    return row ? BigInt(row.synced_block) : this.#startBlock - 1n;
  }

  /** Where the sync stands, for `/ready`. */
  status(): IndexerStatus {
    return {
      chainId: this.#chainId,
      syncedBlock: this.#synced?.toString() ?? null,
      head: this.#head?.toString() ?? null,
      lastError: this.#lastError,
      lastSyncAt: this.#lastSyncAt,
      rpc: this.#rpc.status(),
    };
  }

  /**
   * Follows the chain until `signal` aborts: syncs to the latest head whenever a new one arrives. A failing sync is
   * reported in {@link status} and retried with backoff; it never skips a block. `onSynced` runs after each sync.
   */
  async run(heads: Heads, signal: AbortSignal, onSynced?: (block: bigint) => void): Promise<void> {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        const head = await heads.latest();
        const seq = heads.seq;
        this.#head = head;
        this.#synced ??= await this.syncedBlock();
        // Even at the same height: a reorg onto a chain no longer than the old one shows only in the hashes.
        const applied = await this.syncTo(head);
        this.#vacuum?.wrote(applied);
        await this.#vacuum?.whenDue();
        this.#lastError = null;
        this.#lastSyncAt = Date.now();
        backoff = 100;
        onSynced?.(head);
        await heads.next(seq, signal);
      } catch (error) {
        this.#lastError = error instanceof Error ? error.message : String(error);
        await pause(backoff, signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  /** Indexes every block up to `target` (inclusive), following reorgs; returns the number of events applied. */
  async syncTo(target: bigint): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#syncOnce(target);
      } catch (error) {
        if (!(error instanceof ChainMovedError) || attempt >= 10) throw error;
      }
    }
  }

  async #syncOnce(target: bigint): Promise<number> {
    let applied = 0;
    await this.#followReorg();
    const from = (await this.syncedBlock()) + 1n;
    if (from > target) {
      // Nothing to sync, but a run killed after its last page and before building the indexes left them deferred.
      await this.#restoreIndexes();
      return 0;
    }
    // Final blocks first, in pages that need no block hashes and no undo; then the unfinal tail, recorded for reorgs.
    const finalBelow = target - BigInt(this.#finalityDepth);
    const addresses = [...this.#sources.keys()];
    const spans: [bigint, bigint][] = [];
    if (from <= finalBelow) {
      spans.push([from, finalBelow]);
      // Every recorded page is below `from`, so final now; the first unfinal page records a new anchor above the
      // final span (an old anchor below it would let a rollback skip the final span's changes).
      await this.#db.transaction(async (tx) => {
        await tx.query("delete from indexer_pages where chain_id = $1", [this.#chainId]);
        await tx.query(`delete from ${undoTable.name} where chain_id = $1`, [this.#chainId]);
      });
      this.#hasPages = false;
    }
    spans.push([from > finalBelow ? from : finalBelow + 1n, target]);
    const deferred = await this.#deferIndexes(from, finalBelow);
    for (const [fromBlock, toBlock] of spans) {
      applied += await this.#syncSpan({ ...this.#ranges, addresses, fromBlock, toBlock }, finalBelow);
    }
    if (deferred) await this.#restoreIndexes();
    return applied;
  }

  /** Builds the deferred indexes, if some are. */
  async #restoreIndexes(): Promise<void> {
    this.#deferred ??= await hasDeferredIndexes(this.#db);
    if (this.#deferred) await restoreIndexes(this.#db);
    this.#deferred = false;
  }

  /**
   * A fresh mirror (nothing indexed yet, on any chain) about to backfill final blocks builds its secondary indexes
   * once at the end instead of row by row; a sync that finds indexes deferred (a backfill interrupted by a crash or an
   * RPC failure) goes on without them and builds them when it reaches the target. Returns whether they are deferred.
   */
  async #deferIndexes(from: bigint, finalBelow: bigint): Promise<boolean> {
    this.#deferred ??= await hasDeferredIndexes(this.#db);
    if (this.#deferred) return true;
    if (from !== this.#startBlock || from > finalBelow) return false;
    this.#deferred = await this.#db.transaction(async (tx) => {
      const [any] = await tx.query(`select 1 from ${facts.transactions.name} limit 1`);
      if (any) return false;
      const mirror = [...Object.values(things), ...factTables].map((t) => t.name);
      return (await deferIndexes(tx, mirror)).length > 0;
    });
    return this.#deferred;
  }

  /**
   * Syncs a span page by page, each page in one transaction with its checkpoint. Pipelined: while one page commits,
   * the next is fetched, decoded and projected from the rows the committing page left (when it needs none from the
   * database); its transaction starts only once the last one has committed, and a failed commit stops the span.
   */
  async #syncSpan(range: FetchLogsOptions, finalBelow: bigint): Promise<number> {
    let applied = 0;
    // Pages are decoded as they arrive, while earlier pages are being written.
    // Only the page's range is kept with its events: the raw logs are garbage once decoded.
    const decode = (page: LogPage) => ({
      page: { from: page.from, to: page.to },
      events: page.logs.map((log) => {
        const source = this.#sources.get(log.address.toLowerCase());
        if (!source) throw new Error(`log from unexpected address ${log.address} in block ${page.from}-${page.to}`);
        return decodeLog(source, log);
      }),
    });
    // Pages sent to the database and not yet committed (at most two: the database's next page is always there).
    const inFlight: Promise<void>[] = [];
    const settle = async () => {
      for (const commit of inFlight.splice(0)) await commit;
    };
    const pipeline = this.#db.pipeline();
    let carried = this.#carried;
    this.#carried = null; // until the span's last page has committed
    try {
      for await (const { page, events } of fetchLogs(this.#rpc, range, decode)) {
        const final = page.to <= finalBelow;
        let hashes: Map<bigint, string> | null = null;
        if (!final) {
          if (this.#hasPages === null) {
            await settle();
            const rows = await this.#db.query("select 1 from indexer_pages where chain_id = $1 limit 1", [
              this.#chainId,
            ]);
            this.#hasPages = rows.length > 0;
          }
          hashes = await this.#hashesFor(page, events, !this.#hasPages);
        }
        const projection = new PageProjection(this.#chainId, events);
        const undoPage = final ? null : page.to;
        const toHash = hashes?.get(page.to) ?? null;
        const tail = [
          ...(hashes ? this.#pageStatements(page, toHash as string, hashes.get(page.from - 1n)) : []),
          {
            text:
              "insert into indexer_state (chain_id, synced_block, synced_hash, updated_at) values ($1, $2, $3, " +
              "now()) on conflict (chain_id) do update set synced_block = excluded.synced_block, " +
              "synced_hash = excluded.synced_hash, updated_at = now()",
            params: [this.#chainId, page.to.toString(), toHash],
          },
        ];
        const count = events.length; // the events themselves are garbage once their statements are sent
        const committed = () => {
          applied += count;
          this.#synced = page.to;
        };
        if (!projection.plan(carried)) {
          // Every row it needs is in memory: projected and sent while earlier pages commit.
          projection.apply();
          if (inFlight.length >= 2) await inFlight.shift();
          const commit = pipeline.send([...projection.statements(undoPage), ...tail]).then(committed);
          commit.catch(() => undefined); // awaited in turn, or when the span stops
          inFlight.push(commit);
        } else {
          // It reads rows from the database: once every earlier page has committed, in its own transaction.
          await settle();
          await this.#db.transaction(async (tx) => {
            await projection.load(tx);
            projection.apply();
            for (const st of [...projection.statements(undoPage), ...tail]) await tx.query(st.text, st.params);
          });
          committed();
        }
        if (hashes) this.#hasPages = true; // once this page commits (a failure makes it unknown again)
        carried = projection.carried();
      }
      await settle();
    } catch (error) {
      await Promise.allSettled(inFlight);
      this.#hasPages = null;
      throw error;
    }
    this.#carried = carried;
    return applied;
  }

  /**
   * The hashes of a page's last block and of every block with logs, fetched after the logs: a log whose block hash is
   * not the chain's any more means the chain moved while the page was fetched. The first page recorded (`anchor`) also
   * fetches the hash of the block before it, as the anchor below which reorgs are refused.
   */
  async #hashesFor(page: BlockRange, events: readonly ChainEvent[], anchor: boolean): Promise<Map<bigint, string>> {
    const blocks = new Set<bigint>([page.to, ...events.map((e) => e.block)]);
    if (anchor && page.from > this.#startBlock) blocks.add(page.from - 1n);
    const numbers = [...blocks];
    const headers = await this.#rpc.batch<{ hash: string } | null>(
      numbers.map((n) => ({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })),
    );
    const hashes = new Map<bigint, string>();
    for (const [i, n] of numbers.entries()) {
      const header = headers[i];
      if (!header) throw new ChainMovedError(`block ${n} is not available from the node`);
      hashes.set(n, header.hash);
    }
    for (const e of events) {
      if (hashes.get(e.block) !== e.blockHash) throw new ChainMovedError(`block ${e.block} changed during the sync`);
    }
    return hashes;
  }

  /** Records an unfinal page (and the anchor before the first one) and forgets pages that became final. */
  #pageStatements(page: BlockRange, toHash: string, anchorHash: string | undefined): Statement[] {
    const chain = this.#chainId;
    const statements: Statement[] = [];
    if (anchorHash !== undefined) {
      statements.push({
        text:
          "insert into indexer_pages (chain_id, from_block, to_block, to_hash) values ($1, $2, $2, $3) " +
          "on conflict do nothing",
        params: [chain, (page.from - 1n).toString(), anchorHash],
      });
    }
    // Pages deeper than the finality depth can no longer change: keep the highest of them as the anchor only.
    const final = (page.to - BigInt(this.#finalityDepth)).toString();
    statements.push(
      {
        text: "insert into indexer_pages (chain_id, from_block, to_block, to_hash) values ($1, $2, $3, $4)",
        params: [chain, page.from.toString(), page.to.toString(), toHash],
      },
      {
        text:
          "delete from indexer_pages where chain_id = $1 and to_block < (select max(to_block) from indexer_pages " +
          "where chain_id = $1 and to_block <= $2)",
        params: [chain, final],
      },
      { text: "delete from indexer_undo where chain_id = $1 and page_to <= $2", params: [chain, final] },
    );
    return statements;
  }

  /** Rolls back to the highest recorded page the chain still has, when the newest one was reorganised away. */
  async #followReorg(): Promise<void> {
    const pages = await this.#db.query<PageRecord>(
      "select from_block::text as from_block, to_block::text as to_block, to_hash from indexer_pages p " +
        "where chain_id = $1 order by p.to_block desc",
      [this.#chainId],
    );
    const [top] = pages;
    if (!top) return;
    const [head] = await this.#rpc.batch<{ hash: string } | null>([
      { method: "eth_getBlockByNumber", params: [`0x${BigInt(top.to_block).toString(16)}`, false] },
    ]);
    if (head?.hash === top.to_hash) return;
    const onChain = await this.#rpc.batch<{ hash: string } | null>(
      pages.map((p) => ({ method: "eth_getBlockByNumber", params: [`0x${BigInt(p.to_block).toString(16)}`, false] })),
    );
    const match = pages.findIndex((p, i) => onChain[i]?.hash === p.to_hash);
    if (match >= 0) {
      const page = pages[match] as PageRecord;
      await this.#rollback(BigInt(page.to_block), page.to_hash);
      return;
    }
    const lowest = pages[pages.length - 1] as PageRecord;
    if (BigInt(lowest.from_block) === this.#startBlock) {
      await this.#rollback(this.#startBlock - 1n, null);
      return;
    }
    throw new Error(
      `reorg deeper than the ${pages.length} recorded pages (finality depth ${this.#finalityDepth}): ` +
        "re-index from scratch",
    );
  }

  /** Puts back the pre-images of the pages above `to`, newest page first, and deletes every fact above it. */
  async #rollback(to: bigint, hash: string | null): Promise<void> {
    this.#carried = null;
    this.#hasPages = null;
    const chain = this.#chainId;
    const above = to.toString();
    const tables = new Map(Object.values(things).map((t) => [t.name, t]));
    await this.#db.transaction(async (tx) => {
      const undo = await tx.query<{ page_to: string; tbl: string; created: Row[]; prior: Row[] }>(
        `select u.page_to::text as page_to, tbl, created, prior from ${undoTable.name} u where chain_id = $1 and ` +
          "u.page_to > $2 order by u.page_to desc",
        [chain, above],
      );
      // Newest page first: where several pages changed a row, the oldest pre-image is put back last and stays. The rows
      // a page created go; those it changed or deleted come back as they were.
      for (const u of undo) {
        const table = tables.get(u.tbl);
        if (!table) throw new Error(`undo entry for an unknown table ${u.tbl}`);
        await table.remove(tx, [...u.created, ...u.prior]);
        await table.write(tx, u.prior);
      }
      // A work put back may have had its metadata fetched for a CID it no longer has: fetch it again.
      const putBack = undo.flatMap((u) => (u.tbl === "works" ? u.prior.map((row) => row["work_id"]) : []));
      await tx.query(
        "update works set metadata_status = 'pending', metadata_retry_at = null where chain_id = $1 and " +
          "metadata_status <> 'pending' and block_number <= $2 and work_id = any($3::numeric[])",
        [chain, above, arrayLiteral(putBack, "numeric")],
      );
      for (const table of factTables) {
        await tx.query(`delete from ${table.name} where chain_id = $1 and block_number > $2`, [chain, above]);
      }
      await tx.query(`delete from ${undoTable.name} where chain_id = $1 and page_to > $2`, [chain, above]);
      await tx.query("delete from indexer_pages where chain_id = $1 and to_block > $2", [chain, above]);
      await tx.query("update indexer_state set synced_block = $2, synced_hash = $3 where chain_id = $1", [
        chain,
        above,
        hash,
      ]);
    });
    this.#synced = to;
  }
}
