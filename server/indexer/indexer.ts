import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { decodeEventLog, type Hex, hexToBytes } from "viem";
import { provenanceRegistryAbi } from "../../types/abi/index.ts";
import type { Database, Sql } from "../db/database.ts";
import { fetchLogs, type RpcLog } from "./logs.ts";
import type { RpcClient } from "./rpc.ts";

export type IndexerOptions = {
  db: Database;
  rpc: RpcClient;
  chainId: number;
  /** The provenance registry's address. */
  registry: Hex;
  /** First block to index (the registry's deployment block). */
  startBlock: bigint;
};

type Decoded = { eventName: string; args: Record<string, unknown> };

/**
 * Mirrors the provenance registry into the database. Each page of logs, its derived rows and the new checkpoint are
 * committed in one transaction, so a crash at any point resumes from the last whole page with nothing lost and
 * nothing applied twice (an event applied twice would violate the event log's primary key and roll the page back).
 *
 * Not built yet (issue 5 continues): reorg handling (block hashes are recorded, rollback is not), the licence ledger
 * and exchange events, metadata fetching, realtime subscriptions.
 */
export class Indexer {
  readonly #db: Database;
  readonly #rpc: RpcClient;
  readonly #chainId: number;
  readonly #registry: Hex;
  readonly #startBlock: bigint;

  constructor(options: IndexerOptions) {
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
    const from = (await this.syncedBlock()) + 1n;
    if (from > target) return 0;
    for await (const page of fetchLogs(this.#rpc, { addresses: [this.#registry], fromBlock: from, toBlock: target })) {
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
        await tx.query(
          "insert into indexer_blocks (chain_id, number, hash, parent_hash) values ($1, $2, $3, $4) " +
            "on conflict (chain_id, number) do update set hash = excluded.hash, parent_hash = excluded.parent_hash",
          [this.#chainId, page.to.toString(), head.hash, head.parentHash],
        );
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
