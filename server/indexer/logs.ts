// eth_getLogs over ranges sized to about 1,000 logs, fetched ahead of the writer, split when a node refuses a range.
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
  /** First range tried, in blocks (default 10); later ranges follow the density of the answers. */
  initialRange?: bigint;
  /** Widest range asked for (default 10,000 blocks). */
  maxRange?: bigint;
  /** Ranges asked for in one JSON-RPC batch (default 1). */
  batchSize?: number;
  /** Batches in flight at once (default 4): the node serves them in parallel while the caller writes pages. */
  concurrency?: number;
  /** Logs a range should bring: ranges are sized from the density of the last answer (default 1,000). */
  targetLogs?: number;
};

/** One fetched range: every log of blocks `[from, to]` from the addresses, in chain order. */
export type LogPage = { from: bigint; to: bigint; logs: RpcLog[] };

type Range = { from: bigint; to: bigint };

/**
 * Yields every log of `[fromBlock, toBlock]`, range after range in block order, never skipping or repeating a block.
 *
 * Ranges are sized to bring about `targetLogs` logs, from the density (logs per block) of the latest answer: a dense
 * chain gets narrow ranges, a sparse one wide ranges, since large answers are slow to serve and to parse. `concurrency`
 * batches of `batchSize` ranges are in flight at once, ahead of the caller: the node works while the caller writes;
 * while ranges grow (at most twofold per answer), one batch at a time tries the wider range.
 * A range the node refuses as too large (or that fails in a batch with one) is split in halves, down to a single block:
 * a block the node cannot serve is an error, never skipped. No per-block requests: the events carry their own times.
 */
export function fetchLogs(rpc: RpcClient, options: FetchLogsOptions): AsyncGenerator<LogPage>;
/**
 * The same, with each page passed through `prepare` as soon as it arrives (decoding it, say), while the caller is
 * still busy with earlier pages.
 */
export function fetchLogs<P>(
  rpc: RpcClient,
  options: FetchLogsOptions,
  prepare: (page: LogPage) => P,
): AsyncGenerator<P>;
export async function* fetchLogs<P>(
  rpc: RpcClient,
  options: FetchLogsOptions,
  prepare?: (page: LogPage) => P,
): AsyncGenerator<P | LogPage> {
  const maxRange = options.maxRange ?? 10_000n;
  const targetLogs = options.targetLogs ?? 1_000;
  const batchSize = options.batchSize ?? 1;
  const concurrency = options.concurrency ?? 4;
  let range = min(maxRange, options.initialRange ?? 10n);
  // One request until the first answer tells the chain's density; then `concurrency` at once.
  let width = 1;
  let next = options.fromBlock;
  const address = options.addresses.map((a) => a.toLowerCase());
  // What a batch brought: its pages, prepared, and its density (the raw logs are not kept once prepared).
  const inFlight: Promise<{ logs: number; blocks: bigint; prepared: (P | LogPage)[] }>[] = [];

  const plan = () => {
    while (inFlight.length < width && next <= options.toBlock) {
      const ranges: Range[] = [];
      for (let i = 0; i < batchSize && next <= options.toBlock; i++) {
        const to = min(options.toBlock, next + range - 1n);
        ranges.push({ from: next, to });
        next = to + 1n;
      }
      const request = fetchBatch(rpc, address, ranges).then((pages) => {
        let logs = 0;
        let blocks = 0n;
        for (const page of pages) {
          logs += page.logs.length;
          blocks += page.to - page.from + 1n;
        }
        return { logs, blocks, prepared: prepare ? pages.map(prepare) : pages };
      });
      request.catch(() => undefined); // awaited in order below; not an unhandled rejection meanwhile
      inFlight.push(request);
    }
  };

  plan();
  while (inFlight.length > 0) {
    const { logs, blocks, prepared } = await (inFlight.shift() as (typeof inFlight)[number]);
    // Size the next ranges from this answer's density.
    const perBlock = logs / Number(blocks);
    const sized = perBlock > 0 ? BigInt(Math.max(1, Math.floor(targetLogs / perBlock))) : range * 2n;
    const next = max(1n, min(maxRange, min(sized, range * 2n)));
    // A wider range is a guess from blocks it does not cover: one request tries it before several go out at once, so
    // a sparse stretch (a deployment's first blocks) followed by a dense one costs one large answer, not `concurrency`.
    width = next > range ? 1 : concurrency;
    range = next;
    plan();
    yield* prepared;
  }
}

/** Fetches ranges in one batch; a batch refused as too large is fetched again range by range, each split as needed. */
async function fetchBatch(rpc: RpcClient, address: string[], ranges: readonly Range[]): Promise<LogPage[]> {
  try {
    const answers = await rpc.batch<RpcLog[]>(ranges.map((r) => getLogs(address, r)));
    return ranges.map((r, i) => ({ from: r.from, to: r.to, logs: answers[i] as RpcLog[] }));
  } catch (error) {
    if (!(error instanceof RangeTooLargeError)) throw error;
    const pages: LogPage[] = [];
    for (const r of ranges) pages.push({ from: r.from, to: r.to, logs: await fetchRange(rpc, address, r) });
    return pages;
  }
}

async function fetchRange(rpc: RpcClient, address: string[], r: Range): Promise<RpcLog[]> {
  try {
    const [logs] = await rpc.batch<RpcLog[]>([getLogs(address, r)]);
    return logs as RpcLog[];
  } catch (error) {
    if (!(error instanceof RangeTooLargeError)) throw error;
    if (r.from === r.to) throw new Error(`the node refuses the logs of block ${r.from} even alone: ${error.message}`);
    const middle = r.from + (r.to - r.from) / 2n;
    const first = await fetchRange(rpc, address, { from: r.from, to: middle });
    return first.concat(await fetchRange(rpc, address, { from: middle + 1n, to: r.to }));
  }
}

function getLogs(address: string[], r: Range) {
  return { method: "eth_getLogs", params: [{ address, fromBlock: hex(r.from), toBlock: hex(r.to) }] };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}
