// Starts anvil from its npm package for tests, benchmarks and the local stack, and stops it cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A real anvil chain, started from the npm package's binary (so it can be stopped by PID). */
export type Anvil = { url: string; wsUrl: string; port: number; process: ChildProcess; stop: () => Promise<void> };

/** One raw JSON-RPC call to `url`; a JSON-RPC error is thrown as "method: message". */
export async function rpcCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const answer = (await response.json()) as { result?: T; error?: { message: string } };
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result as T;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Starts anvil on a free port (or `options.port`) with extra arguments (a state file, a gas limit...) and waits until
 * it answers, for at most `startS` seconds (loading a large state file takes minutes). `stop` kills it at once, or with
 * `options.graceful` asks it to exit (so it writes its state file) and waits.
 */
export async function startAnvil(
  args: readonly string[] = [],
  startS = 60,
  options: { port?: number; graceful?: boolean } = {},
): Promise<Anvil> {
  const port = options.port ?? (await freePort());
  // Resolved like a module, so that the compiled copy of this script (dist/) finds it too.
  const binary = join(
    dirname(createRequire(import.meta.url).resolve("@foundry-rs/anvil-linux-amd64/package.json")),
    "bin/anvil",
  );
  // Anvil writes the states it evicts from memory to disk (gigabytes for a long chain) and deletes them only on a
  // graceful exit: they go to a directory of ours, removed when the chain stops however it stops.
  const cache = await mkdtemp(join(tmpdir(), "titlechain-anvil-"));
  const child = spawn(binary, ["--port", String(port), "--silent", "--cache-path", cache, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const removeCache = () => rm(cache, { recursive: true, force: true });
  child.once("exit", () => void removeCache());
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (response.ok) break;
    } catch (error) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `anvil exited (${child.exitCode ?? child.signalCode}) at start: ${stderr.trim() || "no output"}`,
        );
      }
      if (i >= startS * 10) throw new Error(`anvil did not start on port ${port}: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          if (!options.graceful) {
            child.kill("SIGKILL");
            return;
          }
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
          child.once("exit", () => clearTimeout(timer));
        });
      }
      await removeCache();
    },
  };
}
