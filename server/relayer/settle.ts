// Settling the relayer's sent transactions: from their receipts, again when a reorg takes their blocks away.
import { type Address, type Hex, type PublicClient, TransactionReceiptNotFoundError } from "viem";
import type { Database } from "../db/database.ts";

/** Blocks below the head after which a mined transaction is final: the indexer's default finality depth. */
export const RELAY_FINALITY_DEPTH = 64;

/** A sent request as the settling needs it: an anchor's batch commitments follow it (`batch_id`). */
export type SentRow = {
  id: string;
  status: string;
  tx_hash: string | null;
  raw_tx: string | null;
  block_number: string | number | null;
  block_hash: string | null;
};

type Context = { db: Database; client: PublicClient; chainId: number; relayer: Address; finalityDepth: number };

/** Sends a signed transaction; a node that already has it (pending or mined) is no failure. */
export async function broadcast(client: PublicClient, raw: Hex): Promise<void> {
  try {
    await client.sendRawTransaction({ serializedTransaction: raw });
  } catch (error) {
    // Already known or already mined: following the hash tells which.
    if (!/already known|nonce too low|already imported/i.test(String((error as Error).message))) throw error;
  }
}

/** Fails a request, and the commitments of its batch when it is an anchor. */
export async function failRequest(db: Database, id: string, reason: string, block?: Block): Promise<void> {
  await db.query(
    "update relay_requests set status = 'failed', error = $2, block_number = $3, block_hash = $4, updated_at = now() " +
      "where id = $1 or batch_id = $1",
    [id, reason, block?.number ?? null, block?.hash ?? null],
  );
}

type Block = { number: string; hash: string };

/**
 * Settles a submitted request from its receipt (mined, or failed when it reverted, with its block either way);
 * broadcasts it again when the node does not know it. Returns whether it settled.
 */
export async function follow(c: Context, row: SentRow): Promise<boolean> {
  const hash = row.tx_hash as Hex;
  try {
    const receipt = await c.client.getTransactionReceipt({ hash });
    const block = { number: receipt.blockNumber.toString(), hash: receipt.blockHash };
    if (receipt.status === "success") {
      await c.db.query(
        "update relay_requests set status = 'mined', error = null, block_number = $2, block_hash = $3, gas_used = " +
          "case when id = $1 then $4::numeric end, updated_at = now() where id = $1 or batch_id = $1",
        [row.id, block.number, block.hash, receipt.gasUsed.toString()],
      );
    } else {
      await failRequest(c.db, row.id, `the transaction ${hash} reverted in block ${receipt.blockNumber}`, block);
    }
    return true;
  } catch (error) {
    if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    const known = await c.client.getTransaction({ hash }).catch(() => null);
    if (!known) await broadcast(c.client, row.raw_tx as Hex);
    return false;
  }
}

/**
 * Checks the relayer's transactions mined less than the finality depth ago against the chain. When the block of the
 * latest of them is still the chain's, no reorg touched any (a block's hash commits to its ancestors): two reads, that
 * block and the head. Else each is looked up again: one mined elsewhere is settled where it is now (it may have
 * reverted there); one the chain no longer has goes back to submitted and its very same transaction is sent again, so
 * neither the request nor the relayer's nonce is lost. Those now deeper than the finality depth are marked final and
 * not checked again. Returns how many moved. The rows checked are at most the relayer's transactions of
 * `finalityDepth` blocks.
 */
export async function recheckRecent(c: Context): Promise<number> {
  const rows = await c.db.query<SentRow>(
    "select id, status, tx_hash, raw_tx, block_number, block_hash from relay_requests where chain_id = $1 and " +
      "relayer = $2 and batch_id is null and block_hash is not null and not final order by relayer_nonce",
    [c.chainId, c.relayer.toLowerCase()],
  );
  if (rows.length === 0) return 0;
  const latest = rows.reduce((a, b) => (BigInt(b.block_number ?? 0) > BigInt(a.block_number ?? 0) ? b : a));
  const [head, block] = await Promise.all([
    c.client.getBlockNumber({ cacheTime: 0 }),
    c.client.getBlock({ blockNumber: BigInt(latest.block_number ?? 0) }).catch(() => null),
  ]);
  let moved = 0;
  if (block?.hash !== latest.block_hash) {
    for (const row of rows) moved += (await reconsider(c, row)) ? 1 : 0;
  }
  await c.db.query(
    "update relay_requests set final = true where chain_id = $1 and relayer = $2 and block_hash is not null and not " +
      "final and block_number <= $3",
    [c.chainId, c.relayer.toLowerCase(), (head - BigInt(c.finalityDepth)).toString()],
  );
  return moved;
}

/** One sent transaction after a reorg: settled where the chain has it now, or sent again. Returns whether it moved. */
async function reconsider(c: Context, row: SentRow): Promise<boolean> {
  const receipt = await c.client.getTransactionReceipt({ hash: row.tx_hash as Hex }).catch((error) => {
    if (error instanceof TransactionReceiptNotFoundError) return null;
    throw error;
  });
  if (receipt?.blockHash === row.block_hash) return false;
  if (receipt) return follow(c, row);
  // The very same signed transaction: sending it again is always safe, whatever the update below meets.
  await broadcast(c.client, row.raw_tx as Hex);
  try {
    await c.db.transaction(async (tx) => {
      // Another request for the same file or commitment may have been queued while this one seemed done: this one,
      // earlier and already signed, goes first; the other is refused as the chain would refuse it.
      await tx.query(
        "update relay_requests set status = 'failed', error = 'an earlier request for this file or commitment, " +
          "taken out of the chain by a reorg, is being sent again', updated_at = now() where status = 'queued' and " +
          "chain_id = $1 and id <> $2 and (content_hash in (select content_hash from relay_requests where id = $2 or " +
          "batch_id = $2) or commitment in (select commitment from relay_requests where id = $2 or batch_id = $2))",
        [c.chainId, row.id],
      );
      await tx.query(
        "update relay_requests set status = 'submitted', error = null, block_number = null, block_hash = null, " +
          "gas_used = null, updated_at = now() where id = $1 or batch_id = $1",
        [row.id],
      );
    });
  } catch (error) {
    // One for the same file already sent (in the moment the reorg left): it settles first, this one on a later round.
    if (/relay_requests_one_pending/.test(String((error as Error).message))) return false;
    throw error;
  }
  return true;
}
