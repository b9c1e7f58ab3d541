// Fetching logs over RPC: every log once, in order, through failing and range-limited providers.
import { expect } from "chai";
import type { Hex } from "viem";
import { fetchLogs, type LogPage, type RpcLog } from "../../server/indexer/logs.ts";
import { isRangeTooLarge, RpcClient, RpcUnavailableError } from "../../server/indexer/rpc.ts";
import { type Anvil, faultyProxy, freePort, registryWithWorks, startAnvil } from "./chain.ts";

const WORKS = 240;

async function collect(pages: AsyncIterable<LogPage>): Promise<{ pages: LogPage[]; logs: RpcLog[] }> {
  const all: LogPage[] = [];
  for await (const page of pages) all.push(page);
  return { pages: all, logs: all.flatMap((p) => p.logs) };
}

const key = (l: RpcLog) => `${BigInt(l.blockNumber)}:${BigInt(l.logIndex)}:${l.transactionHash}`;

describe("indexer: fetching logs over RPC", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let registry: Hex;
  let latest: bigint;
  let expected: RpcLog[];

  before(async () => {
    anvil = await startAnvil();
    registry = await registryWithWorks(anvil.url, WORKS, 12);
    const rpc = new RpcClient({ urls: [anvil.url] });
    latest = BigInt(await rpc.request<string>("eth_blockNumber"));
    // anvil has no range limit: one request gives the truth to compare with.
    expected = await rpc.request<RpcLog[]>("eth_getLogs", [
      { address: [registry], fromBlock: "0x0", toBlock: `0x${latest.toString(16)}` },
    ]);
  });

  after(async () => {
    await anvil?.stop();
  });

  it("has a workload: two logs per registration over many blocks, some empty", () => {
    // RoleGranted from the constructor, then Transfer and WorkRegistered per work.
    expect(expected).to.have.length(1 + WORKS * 2);
    expect(new Set(expected.map((l) => l.blockNumber)).size).to.equal(1 + WORKS / 12);
    expect(latest).to.be.greaterThan(BigInt(WORKS / 12) * 2n);
  });

  it("yields every log once, in order, in contiguous pages covering exactly the requested blocks", async () => {
    const rpc = new RpcClient({ urls: [anvil.url] });
    const { pages, logs } = await collect(
      fetchLogs(rpc, {
        addresses: [registry],
        fromBlock: 0n,
        toBlock: latest,
        initialRange: 3n,
        batchSize: 3,
        targetLogs: 10,
      }),
    );
    expect(logs.map(key)).to.deep.equal(expected.map(key));
    expect(pages[0]?.from).to.equal(0n);
    expect(pages.at(-1)?.to).to.equal(latest);
    for (let i = 1; i < pages.length; i++) expect(pages[i]?.from).to.equal((pages[i - 1]?.to ?? -2n) + 1n);
    // The range grew past its initial 3 blocks while answers stayed small.
    expect(Math.max(...pages.map((p) => Number(p.to - p.from + 1n)))).to.be.greaterThan(3);
  });

  it("tries a wider range with one request before several go out: a sparse stretch then a dense one", async () => {
    // A node whose first 40 blocks hold one log and every later block 50, answering after 5 ms.
    const logsOf = (from: number, to: number): RpcLog[] => {
      const logs: RpcLog[] = [];
      for (let b = from; b <= to; b++) {
        for (let i = 0; i < (b >= 40 ? 50 : b === 0 ? 1 : 0); i++) {
          const n = `0x${b.toString(16)}`;
          logs.push({
            address: registry,
            topics: [],
            data: "0x",
            blockNumber: n,
            blockHash: n,
            transactionHash: n,
            transactionIndex: "0x0",
            logIndex: `0x${i.toString(16)}`,
          });
        }
      }
      return logs;
    };
    let widestAnswered = 0;
    const inFlight = new Set<number>();
    const refused: string[] = [];
    const rpc = {
      batch: async (calls: { params: [{ fromBlock: string; toBlock: string }] }[]) => {
        const ranges = calls.map((c) => [Number(c.params[0].fromBlock), Number(c.params[0].toBlock)] as const);
        const width = Math.max(...ranges.map(([from, to]) => to - from + 1));
        // A range wider than any answered yet is a guess: nothing else may be in flight beside it, either way.
        if ((width > widestAnswered || [...inFlight].some((w) => w > widestAnswered)) && inFlight.size > 0) {
          refused.push(`${width} blocks beside ${[...inFlight].join(", ")} (widest answered ${widestAnswered})`);
        }
        inFlight.add(width);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight.delete(width);
        widestAnswered = Math.max(widestAnswered, width);
        return ranges.map(([from, to]) => logsOf(from, to));
      },
    } as unknown as RpcClient;
    const { pages, logs } = await collect(
      fetchLogs(rpc, { addresses: [registry], fromBlock: 0n, toBlock: 199n, initialRange: 10n, targetLogs: 100 }),
    );
    expect(logs).to.have.length(1 + 160 * 50);
    expect(pages.at(-1)?.to).to.equal(199n);
    expect(refused).to.deep.equal([]);
    // The one large answer is the first range to reach the dense blocks; then about `targetLogs` each.
    expect(pages.filter((p) => p.logs.length > 200).length).to.equal(1);
  });

  it("converges through a provider that drops, delays and fails 20% of requests and refuses ranges over 25 blocks", async () => {
    const proxy = await faultyProxy(anvil.url, { faultRate: 0.2, maxRange: 25, seed: 7 });
    try {
      const rpc = new RpcClient({
        urls: [proxy.url],
        timeoutMs: 2_000,
        maxAttempts: 50,
        baseDelayMs: 5,
        maxDelayMs: 50,
      });
      const { pages, logs } = await collect(
        // Small ranges make the run send many requests for the faults to hit.
        fetchLogs(rpc, {
          addresses: [registry],
          fromBlock: 0n,
          toBlock: latest,
          initialRange: 200n,
          maxRange: 40n,
          batchSize: 1,
          targetLogs: 2,
        }),
      );
      expect(logs.map(key)).to.deep.equal(expected.map(key));
      // Ranges the node refused were split until it served them, and their pages still cover every block once.
      let next = 0n;
      for (const page of pages) {
        expect(page.from).to.equal(next);
        next = page.to + 1n;
      }
      expect(next).to.equal(latest + 1n);
      console.log(`      faults injected: ${JSON.stringify(proxy.stats)}`);
      expect(proxy.stats.tooLarge).to.be.greaterThan(0);
      const { dropped, delayed, http500, rpcErrors, requests } = proxy.stats;
      expect(requests).to.be.at.least(40);
      for (const count of [dropped, delayed, http500, rpcErrors]) expect(count).to.be.greaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it("fails over to the next endpoint and reports the failing one", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const rpc = new RpcClient({ urls: [dead, anvil.url], baseDelayMs: 1 });
    const { logs } = await collect(fetchLogs(rpc, { addresses: [registry], fromBlock: 0n, toBlock: latest }));
    expect(logs).to.have.length(expected.length);
    const [first, second] = rpc.status();
    expect(first).to.include({ url: dead, ok: false });
    expect(first?.lastError).to.match(/fetch failed|ECONNREFUSED/);
    expect(second).to.include({ url: anvil.url, ok: true });
  });

  it("gives a clear error when every endpoint keeps failing, and never skips a range", async () => {
    const rpc = new RpcClient({ urls: [`http://127.0.0.1:${await freePort()}`], maxAttempts: 3, baseDelayMs: 1 });
    try {
      await collect(fetchLogs(rpc, { addresses: [registry], fromBlock: 0n, toBlock: latest }));
      expect.fail("logs were fetched from a dead endpoint");
    } catch (error) {
      expect(error).to.be.instanceOf(RpcUnavailableError);
      expect((error as Error).message).to.match(/^eth_getLogs(,eth_getLogs)* failed on every RPC endpoint: /);
      expect((error as RpcUnavailableError).failures).to.have.length(3);
    }
  });

  it("refuses to skip a block whose logs the node will not serve even alone", async () => {
    const proxy = await faultyProxy(anvil.url, { faultRate: 0, maxRange: 0, seed: 1 });
    try {
      const rpc = new RpcClient({ urls: [proxy.url] });
      try {
        await collect(
          fetchLogs(rpc, { addresses: [registry], fromBlock: 5n, toBlock: 9n, initialRange: 4n, batchSize: 1 }),
        );
        expect.fail("a block was skipped");
      } catch (error) {
        expect((error as Error).message).to.equal(
          "the node refuses the logs of block 5 even alone: query exceeds max block range 0",
        );
      }
    } finally {
      await proxy.close();
    }
  });

  it("recognises the ways providers say a range is too large", () => {
    expect(isRangeTooLarge(-32005, "limit exceeded")).to.equal(true);
    expect(isRangeTooLarge(-32000, "query returned more than 10000 results")).to.equal(true);
    expect(isRangeTooLarge(-32602, "eth_getLogs block range too large, range: 5000, max: 2000")).to.equal(true);
    expect(isRangeTooLarge(-32000, "Log response size exceeded")).to.equal(true);
    expect(isRangeTooLarge(-32000, "header not found")).to.equal(false);
    expect(isRangeTooLarge(-32602, "invalid argument 0: hex string without 0x prefix")).to.equal(false);
  });
});
