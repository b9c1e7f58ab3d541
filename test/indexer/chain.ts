// Chain helpers of the indexer's tests: anvil, JSON-RPC calls, workloads of registrations, and a faulty RPC proxy.
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createPublicClient, createWalletClient, type Hex, http, keccak256, toHex } from "viem";
import { foundry } from "viem/chains";
import { type Deployment, deployBulkActor } from "../../scripts/deploy/viem.ts";
import { mulberry32 } from "../../scripts/random.ts";
import { bulkActorAbi, provenanceRegistryAbi } from "../../types/abi/index.js";

export { type Anvil, freePort, rpcCall, startAnvil } from "../../scripts/anvil.ts";

import { rpcCall } from "../../scripts/anvil.ts";

/** A seeded PRNG (mulberry32) returning floats in [0, 1): the same sequence on every run. */
export const seeded = mulberry32;

/** The chain's head block number at `url`. */
export async function headOf(url: string): Promise<bigint> {
  return BigInt(await rpcCall<string>(url, "eth_blockNumber"));
}

/** Polls `check` every 20 ms until it returns true and returns the ms waited; fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Deploys the registry and registers `count` works over several blocks (some empty); returns its address. */
export async function registryWithWorks(url: string, count: number, perBlock: number): Promise<Hex> {
  const transport = http(url);
  const publicClient = createPublicClient({ chain: foundry, transport });
  const [account] = await createWalletClient({ chain: foundry, transport }).getAddresses();
  if (!account) throw new Error("anvil has no accounts");
  const wallet = createWalletClient({ chain: foundry, transport, account });
  const artifact = JSON.parse(
    await readFile(
      new URL("../../artifacts/contracts/ProvenanceRegistry.sol/ProvenanceRegistry.json", import.meta.url),
      "utf8",
    ),
  ) as { bytecode: Hex };
  const hash = await wallet.deployContract({
    abi: provenanceRegistryAbi,
    bytecode: artifact.bytecode,
    args: [account],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const address = receipt.contractAddress as Hex;
  const rpc = (method: string, params: unknown[] = []) => rpcCall(url, method, params);
  await rpc("evm_setAutomine", [false]);
  let nonce = await publicClient.getTransactionCount({ address: account });
  for (let i = 0; i < count; i++) {
    await wallet.writeContract({
      address,
      abi: provenanceRegistryAbi,
      functionName: "register",
      args: [
        {
          to: account,
          contentHash: keccak256(toHex(`work ${i}`)),
          metadataCid: `0x01551220${keccak256(toHex(`metadata ${i}`)).slice(2)}`,
          royaltyReceiver: "0x0000000000000000000000000000000000000000",
          royaltyBps: 0,
          parents: [],
        },
      ],
      nonce: nonce++,
      gas: 300_000n,
    });
    if ((i + 1) % perBlock === 0) {
      await rpc("evm_mine");
      if (((i + 1) / perBlock) % 3 === 0) await rpc("anvil_mine", ["0x20"]); // empty blocks between busy ones
    }
  }
  await rpc("evm_mine");
  await rpc("evm_setAutomine", [true]);
  return address;
}

/**
 * Registry and ledger activity through two {BulkActor}s: `transactions` transactions of 1 to 3 works each (register,
 * offer, licence sale, every other work assigned), one per block, with an empty block now and then.
 */
export async function marketActivity(url: string, deployment: Deployment, transactions: number): Promise<void> {
  const seller = await deployBulkActor(url, deployment);
  const buyer = await deployBulkActor(url, deployment);
  const transport = http(url);
  const publicClient = createPublicClient({ chain: foundry, transport });
  const wallet = createWalletClient({ chain: foundry, transport, account: deployment.admin });
  const [, peer] = await wallet.getAddresses();
  if (!peer) throw new Error("anvil has one account only");
  let first = 0n;
  for (let i = 0; i < transactions; i++) {
    const count = BigInt(1 + (i % 3));
    const hash = await wallet.writeContract({
      address: seller,
      abi: bulkActorAbi,
      functionName: "act",
      args: [keccak256(toHex(`activity ${seller}`)), first, count, 1_000n, buyer, peer],
      value: 1_000n * count,
      gas: 2_000_000n,
    });
    await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 5 });
    first += count;
    if (i % 10 === 9) {
      await rpcCall(url, "anvil_mine", ["0x5"]);
    }
  }
}

/** Faults the proxy injects into a fraction of requests. */
export type FaultStats = {
  requests: number;
  dropped: number;
  delayed: number;
  http500: number;
  rpcErrors: number;
  tooLarge: number;
};

/**
 * A JSON-RPC proxy in front of anvil that injects the faults a real provider shows (a mock only for what a real node
 * cannot be made to do): a fraction of requests dropped, delayed, answered with HTTP 500 or an internal JSON-RPC error,
 * and every `eth_getLogs` wider than `maxRange` blocks answered "range too large".
 */
export async function faultyProxy(
  target: string,
  options: { faultRate: number; maxRange: number; seed: number },
): Promise<{ url: string; stats: FaultStats; close: () => Promise<void> }> {
  const random = seeded(options.seed);
  const stats: FaultStats = { requests: 0, dropped: 0, delayed: 0, http500: 0, rpcErrors: 0, tooLarge: 0 };
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    stats.requests++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const parsed = JSON.parse(body) as unknown;
    const calls = (Array.isArray(parsed) ? parsed : [parsed]) as { id: number; method: string; params: unknown[] }[];
    const roll = random();
    if (roll < options.faultRate) {
      const kind = Math.floor((roll / options.faultRate) * 4);
      if (kind === 0) {
        stats.dropped++;
        req.socket.destroy();
        return;
      }
      if (kind === 1) {
        stats.delayed++;
        await new Promise((r) => setTimeout(r, 300));
      } else if (kind === 2) {
        stats.http500++;
        res.writeHead(500).end("upstream exploded");
        return;
      } else {
        stats.rpcErrors++;
        const answer = calls.map((c) => ({
          jsonrpc: "2.0",
          id: c.id,
          error: { code: -32603, message: "internal error" },
        }));
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify(Array.isArray(parsed) ? answer : answer[0]));
        return;
      }
    }
    const tooWide = calls.some((c) => {
      if (c.method !== "eth_getLogs") return false;
      const filter = c.params[0] as { fromBlock: string; toBlock: string };
      return Number(BigInt(filter.toBlock) - BigInt(filter.fromBlock) + 1n) > options.maxRange;
    });
    if (tooWide) {
      stats.tooLarge++;
      const answer = calls.map((c) => ({
        jsonrpc: "2.0",
        id: c.id,
        error: { code: -32005, message: `query exceeds max block range ${options.maxRange}` },
      }));
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify(Array.isArray(parsed) ? answer : answer[0]));
      return;
    }
    const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
    res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("proxy has no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
