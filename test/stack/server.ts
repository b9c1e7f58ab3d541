// The tests' handle on the real server entry: started as its own process, ready when it prints its ready line.
import type { ChildProcess } from "node:child_process";
import { type Address, createPublicClient, type Hex, http } from "viem";
import { startEntry } from "../../scripts/entry-process.ts";
import { provenanceRegistryAbi } from "../../types/abi/index.js";

export { MAIN } from "../../scripts/entry-process.ts";

export type Server = {
  process: ChildProcess;
  url: string;
  chainUrl: string;
  stderr: () => string;
  exit: Promise<number>;
};

/** Starts the entry and waits for its ready line (or its exit, which fails the test with what it said). */
export async function startServer(dataDir: string, args: string[] = []): Promise<Server> {
  const { process: child, url, chainUrl, stderr, exit } = await startEntry(dataDir, args);
  return { process: child, url, chainUrl, stderr, exit };
}

/** The registry's nonce of `account` on the server's chain: how many gasless registrations and reveals it has made. */
export async function registryNonce(server: Server, account: Address): Promise<bigint> {
  const deployment = (await (await fetch(`${server.url}/api/deployment`)).json()) as { registry: Hex };
  return createPublicClient({ transport: http(server.chainUrl) }).readContract({
    address: deployment.registry,
    abi: provenanceRegistryAbi,
    functionName: "nonces",
    args: [account],
  });
}
