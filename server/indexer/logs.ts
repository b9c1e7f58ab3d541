import { RangeTooLargeError, type RpcClient } from "./rpc.ts";

/** A log as `eth_getLogs` returns it (hex quantities). */
export type RpcLog = {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed?: boolean;
};

export type FetchLogsOptions = {
  addresses: readonly string[];
  fromBlock: bigint;
  toBlock: bigint;
  /** First range tried, in blocks. */
  initialRange?: bigint;
  maxRange?: bigint;
  /** Ranges fetched together in one JSON-RPC batch. */
  batchSize?: number;
  /** A range bringing fewer logs than this grows; one bringing more than four times this shrinks. */
  targetLogs?: number;
};

/** One fetched range: every log of blocks `[from, to]` from the addresses, in chain order. */
export type LogPage = { from: bigint; to: bigint; logs: RpcLog[] };

/**
 * Yields every log of `[fromBlock, toBlock]`, range after range in block order, never skipping or repeating a block.
 * Ranges adapt: they halve when the node refuses one as too large (or a batch fails), down to a single block (a block
 * the node cannot serve is an error, never skipped); they double while answers stay small. Several ranges go in one
 * JSON-RPC batch. No per-block requests: the events carry their own timestamps.
 */
export async function* fetchLogs(rpc: RpcClient, options: FetchLogsOptions): AsyncGenerator<LogPage> {
  const maxRange = options.maxRange ?? 100_000n;
  const targetLogs = options.targetLogs ?? 2_000;
  const batchSize = options.batchSize ?? 4;
  let range = options.initialRange ?? 2_000n;
  let next = options.fromBlock;
  const address = options.addresses.map((a) => a.toLowerCase());

  while (next <= options.toBlock) {
    const ranges: { from: bigint; to: bigint }[] = [];
    let from = next;
    for (let i = 0; i < batchSize && from <= options.toBlock; i++) {
      const to = min(options.toBlock, from + range - 1n);
      ranges.push({ from, to });
      from = to + 1n;
    }
    let pages: RpcLog[][];
    try {
      pages = await rpc.batch<RpcLog[]>(
        ranges.map((r) => ({
          method: "eth_getLogs",
          params: [{ address, fromBlock: hex(r.from), toBlock: hex(r.to) }],
        })),
      );
    } catch (error) {
      if (!(error instanceof RangeTooLargeError)) throw error;
      if (range === 1n && ranges.length === 1) {
        throw new Error(`the node refuses the logs of block ${next} even alone: ${error.message}`);
      }
      range = range > 1n ? range / 2n : 1n;
      continue;
    }
    let most = 0;
    for (const [i, logs] of pages.entries()) {
      const r = ranges[i] as { from: bigint; to: bigint };
      most = Math.max(most, logs.length);
      yield { from: r.from, to: r.to, logs };
    }
    next = (ranges[ranges.length - 1] as { to: bigint }).to + 1n;
    if (most > targetLogs * 4 && range > 1n) range /= 2n;
    else if (most < targetLogs) range = min(maxRange, range * 2n);
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}
