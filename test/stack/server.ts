// The tests' handle on the real server entry: started as its own process, ready when it prints its ready line.
import { type ChildProcess, spawn } from "node:child_process";
import { type Address, createPublicClient, type Hex, http } from "viem";
import { provenanceRegistryAbi } from "../../types/abi/index.js";

export const MAIN = new URL("../../server/main.ts", import.meta.url).pathname;

export type Server = {
  process: ChildProcess;
  url: string;
  chainUrl: string;
  stderr: () => string;
  exit: Promise<number>;
};

/** Starts the entry and waits for its ready line (or its exit, which fails the test with what it said). */
export async function startServer(dataDir: string, args: string[] = []): Promise<Server> {
  const child = spawn(process.execPath, [MAIN, "--data-dir", dataDir, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : 0))),
  );
  const ready = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n").find((l) => l.startsWith("titlechain ready: "));
      if (line) resolve(line);
    });
    void exit.then((code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
  });
  const url = /ready: (http:\/\/[^ ]+) /.exec(ready)?.[1] as string;
  const chainUrl = /chain (http:\/\/[^ ,]+),/.exec(ready)?.[1] as string;
  return { process: child, url, chainUrl, stderr: () => stderr, exit };
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
