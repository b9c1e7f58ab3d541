import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { decodeEventLog, type Hex, hexToBytes } from "viem";
import { provenanceRegistryAbi } from "../../types/abi/index.ts";
import type { Database, Sql } from "../db/database.ts";
import { type FetchLogsOptions, fetchLogs, type RpcLog } from "./logs.ts";
import type { RpcClient } from "./rpc.ts";

export type IndexerOptions = {
  db: Database;
  rpc: RpcClient;
  chainId: number;
  /** The provenance registry's address. */
  registry: Hex;
  /** First block to index (the registry's deployment block). */
  startBlock: bigint;
  /** Blocks after which a block is final: reorgs deeper than this are refused, not followed (default 64). */
  finalityDepth?: number;
  /** Range tuning of the log fetcher. */
  ranges?: Pick<FetchLogsOptions, "initialRange" | "maxRange" | "batchSize" | "targetLogs">;
};

type Decoded = { eventName: string; args: Record<string, unknown> };

/**
 * Mirrors the provenance registry into the database. Each page of logs, its derived rows and the new checkpoint are
 * committed in one transaction, so a crash at any point resumes from the last whole page with nothing lost and
 * nothing applied twice (an event applied twice would violate the event log's primary key and roll the page back).
 *
 * Reorgs: before each sync the indexer checks that the chain still has the hash it recorded for its synced block; if
 * not, it rolls back (in one transaction) to the highest recorded block whose hash matches, deletes everything above
 * it, rebuilds the works those events touched from the event log, and syncs forward again.
 *
 * Not built yet (issue 5 continues): the licence ledger and exchange events, metadata fetching, realtime subscriptions.
 */
export class Indexer {
  readonly #db: Database;
  readonly #rpc: RpcClient;
  readonly #chainId: number;
  readonly #registry: Hex;
  readonly #startBlock: bigint;
  readonly #finalityDepth: number;
  readonly #ranges: IndexerOptions["ranges"];

  constructor(options: IndexerOptions) {
    this.#ranges = options.ranges;
    this.#finalityDepth = options.finalityDepth ?? 64;
    this.#db = options.db;
    this.#rpc = options.rpc;
    this.#chainId = options.chainId;
    this.#registry = options.registry.toLowerCase() as Hex;
    this.#startBlock = options.startBlock;
  }

  /** The last block whose logs are committed, or `startBlock - 1` before the first sync. */
  async syncedBlock(): Promise<bigint> {
    const [row] = await this.#db.query<{ synced_block: string | number }>(
      "select synced_block from indexer_state where chain_id = $1",
      [this.#chainId],
    );
    return row ? BigInt(row.synced_block) : this.#startBlock - 1n;
  }

  /** Indexes every block up to `target` (inclusive); returns the number of events applied. */
  async syncTo(target: bigint): Promise<number> {
    let applied = 0;
    await this.#followReorg();
    const from = (await this.syncedBlock()) + 1n;
    if (from > target) return 0;
    const range = { ...this.#ranges, addresses: [this.#registry], fromBlock: from, toBlock: target };
    for await (const page of fetchLogs(this.#rpc, range)) {
      const head = await this.#rpc.request<{ hash: string; parentHash: string } | null>("eth_getBlockByNumber", [
        `0x${page.to.toString(16)}`,
        false,
      ]);
      if (!head) throw new Error(`block ${page.to} is not available from the node`);
      // Every event of a transaction shares its block's time: ERC standard events take it from a Titlechain event
      // of the same transaction.
      const decoded = page.logs.map((log) => ({ log, event: decode(log) }));
      const txTimes = new Map<string, number>();
      for (const { log, event } of decoded) {
        const t = event.args["timestamp"];
        if (t !== undefined && !txTimes.has(log.transactionHash)) txTimes.set(log.transactionHash, Number(t));
      }
      // A direct registration carries its time only as `registeredAt` (a reveal's is older, but a reveal also emits
      // `CommitmentRevealed` with the block time, found above).
      for (const { log, event } of decoded) {
        const t = event.args["registeredAt"];
        if (event.eventName === "WorkRegistered" && !txTimes.has(log.transactionHash)) {
          txTimes.set(log.transactionHash, Number(t));
        }
      }
      await this.#db.transaction(async (tx) => {
        const mints = new Map<string, string>();
        for (const { log, event } of decoded) {
          await this.#apply(tx, log, event, txTimes.get(log.transactionHash) ?? null, mints);
        }
        const hashes = new Map<string, string>(page.logs.map((l) => [BigInt(l.blockNumber).toString(), l.blockHash]));
        hashes.set(page.to.toString(), head.hash);
        for (const [number, hash] of hashes) {
          await tx.query(
            "insert into indexer_blocks (chain_id, number, hash) values ($1, $2, $3) " +
              "on conflict (chain_id, number) do update set hash = excluded.hash",
            [this.#chainId, number, hash],
          );
        }
        // Blocks deeper than the finality depth can no longer change: their hashes are not needed.
        await tx.query("delete from indexer_blocks where chain_id = $1 and number < $2", [
          this.#chainId,
          (page.to - BigInt(this.#finalityDepth)).toString(),
        ]);
        await tx.query(
          "insert into indexer_state (chain_id, synced_block, synced_hash, updated_at) values ($1, $2, $3, now()) " +
            "on conflict (chain_id) do update set synced_block = excluded.synced_block, " +
            "synced_hash = excluded.synced_hash, updated_at = now()",
          [this.#chainId, page.to.toString(), head.hash],
        );
      });
      applied += page.logs.length;
    }
    return applied;
  }

  /** Rolls back to the highest recorded block the chain still has, when the synced block was reorganised away. */
  async #followReorg(): Promise<void> {
    const recorded = await this.#db.query<{ number: string | number; hash: string }>(
      "select number, hash from indexer_blocks where chain_id = $1 order by number desc",
      [this.#chainId],
    );
    if (recorded.length === 0) return;
    const onChain = await this.#rpc.batch<{ hash: string } | null>(
      recorded.map((r) => ({ method: "eth_getBlockByNumber", params: [`0x${BigInt(r.number).toString(16)}`, false] })),
    );
    if (onChain[0]?.hash === recorded[0]?.hash) return;
    const match = recorded.findIndex((r, i) => onChain[i]?.hash === r.hash);
    if (match < 0) {
      throw new Error(
        `reorg deeper than the ${recorded.length} recorded blocks (finality depth ${this.#finalityDepth}): ` +
          "re-index from scratch",
      );
    }
    const ancestor = BigInt((recorded[match] as { number: string | number }).number);
    await this.#rollback(ancestor, (recorded[match] as { hash: string }).hash);
  }

  /** Deletes everything above `ancestor` and rebuilds the works those events touched from the event log. */
  async #rollback(ancestor: bigint, ancestorHash: string): Promise<void> {
    const chain = this.#chainId;
    const above = ancestor.toString();
    await this.#db.transaction(async (tx) => {
      const touched = await tx.query<{ id: string }>(
        "select distinct coalesce(args->>'workId', args->>'tokenId') as id from chain_events " +
          "where chain_id = $1 and block_number > $2 and (args ? 'workId' or args ? 'tokenId')",
        [chain, above],
      );
      await tx.query("delete from chain_events where chain_id = $1 and block_number > $2", [chain, above]);
      await tx.query("delete from indexer_blocks where chain_id = $1 and number > $2", [chain, above]);
      for (const { id } of touched) {
        await tx.query("delete from title_transfers where chain_id = $1 and work_id = $2", [chain, id]);
        await tx.query("delete from works where chain_id = $1 and work_id = $2", [chain, id]);
        const events = await tx.query<{
          name: string;
          args: Record<string, unknown>;
          block_number: string | number;
          log_index: number;
          tx_hash: string;
          t: string | null;
        }>(
          'select name, args, block_number, log_index, tx_hash, extract(epoch from "timestamp")::bigint::text as t ' +
            "from chain_events where chain_id = $1 and (args->>'workId' = $2 or args->>'tokenId' = $2) " +
            "order by block_number, log_index",
          [chain, id],
        );
        const mints = new Map<string, string>();
        for (const e of events) {
          await this.#derive(
            tx,
            { eventName: e.name, args: e.args },
            {
              block: String(e.block_number),
              logIndex: e.log_index,
              txHash: e.tx_hash,
              time: e.t === null ? null : Number(e.t),
            },
            mints,
          );
        }
      }
      await tx.query("update indexer_state set synced_block = $2, synced_hash = $3 where chain_id = $1", [
        chain,
        above,
        ancestorHash,
      ]);
    });
  }

  async #apply(tx: Sql, log: RpcLog, event: Decoded, time: number | null, mints: Map<string, string>): Promise<void> {
    const args = event.args;
    const block = BigInt(log.blockNumber).toString();
    const logIndex = Number(BigInt(log.logIndex));
    await tx.query(
      "insert into chain_events (chain_id, block_number, log_index, block_hash, tx_hash, contract, name, args, " +
        '"timestamp") values ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9))',
      [
        this.#chainId,
        block,
        logIndex,
        log.blockHash,
        log.transactionHash,
        this.#registry,
        event.eventName,
        JSON.stringify(args, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
        time,
      ],
    );
    await this.#derive(tx, event, { block, logIndex, txHash: log.transactionHash, time }, mints);
  }

  /** Updates the derived tables for one event (also used to rebuild works from the event log after a reorg). */
  async #derive(
    tx: Sql,
    event: Decoded,
    at: { block: string; logIndex: number; txHash: string; time: number | null },
    mints: Map<string, string>,
  ): Promise<void> {
    const args = event.args;
    const { block, logIndex, time } = at;
    const log = { transactionHash: at.txHash };
    const chain = this.#chainId;
    const work = () => String(args["workId"]);
    switch (event.eventName) {
      case "Transfer": {
        const from = lower(args["from"]);
        const to = lower(args["to"]);
        const id = String(args["tokenId"]);
        if (from === ZERO) mints.set(id, to);
        return;
      }
      case "WorkRegistered": {
        const owner = mints.get(work());
        if (!owner) throw new Error(`WorkRegistered ${work()} without its mint in block ${block}`);
        await tx.query(
          "insert into works (chain_id, work_id, content_hash, creator, owner, registered_at, royalty_receiver, " +
            "royalty_bps, metadata_cid, block_number) values ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8, $9, $10)",
          [
            chain,
            work(),
            `0x${BigInt(work()).toString(16).padStart(64, "0")}`,
            lower(args["creator"]),
            owner,
            Number(args["registeredAt"]),
            lower(args["royaltyReceiver"]),
            Number(args["royaltyBps"]),
            cidOf(Number(args["metadataCodec"]), args["metadataDigest"] as Hex),
            block,
          ],
        );
        return;
      }
      case "TitleTransferred":
        await tx.query("update works set owner = $3, moves = moves + 1 where chain_id = $1 and work_id = $2", [
          chain,
          work(),
          lower(args["to"]),
        ]);
        await tx.query(
          "insert into title_transfers (chain_id, block_number, log_index, tx_hash, work_id, from_address, " +
            'to_address, "timestamp") values ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8))',
          [chain, block, logIndex, log.transactionHash, work(), lower(args["from"]), lower(args["to"]), time],
        );
        return;
      case "AssignmentRecorded":
        await tx.query(
          "update title_transfers set deed_hash = $4, deed_cid = $5 where chain_id = $1 and work_id = $2 and " +
            "tx_hash = $3",
          [chain, work(), log.transactionHash, args["deedHash"], args["deedCid"]],
        );
        return;
      case "MetadataChanged":
        await tx.query(
          "update works set metadata_cid = $3, metadata_status = 'pending', metadata_attempts = 0 " +
            "where chain_id = $1 and work_id = $2",
          [chain, work(), cidOf(Number(args["metadataCodec"]), args["metadataDigest"] as Hex)],
        );
        return;
      case "WorkPledged":
      case "PledgeReleased":
      case "PledgeForeclosed":
        await tx.query("update works set pledged = $3 where chain_id = $1 and work_id = $2", [
          chain,
          work(),
          event.eventName === "WorkPledged",
        ]);
        return;
      case "DisputeFlagged":
      case "DisputeCleared":
        await tx.query("update works set disputed = $3 where chain_id = $1 and work_id = $2", [
          chain,
          work(),
          event.eventName === "DisputeFlagged",
        ]);
        return;
      default:
        // Kept in the event log only: commitments, batches, roles, approvals and the rest.
        return;
    }
  }
}

const ZERO = "0x0000000000000000000000000000000000000000";

function lower(value: unknown): string {
  return String(value).toLowerCase();
}

function decode(log: RpcLog): Decoded {
  return decodeEventLog({
    abi: provenanceRegistryAbi,
    data: log.data as Hex,
    topics: log.topics as [Hex, ...Hex[]],
  }) as unknown as Decoded;
}

/** The base32 CIDv1 of the (codec, sha2-256 digest) pair the registry's events carry. */
export function cidOf(codec: number, digest: Hex): string {
  return CID.create(1, codec, createDigest(0x12, hexToBytes(digest))).toString();
}
