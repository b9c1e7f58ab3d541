// The server entry as its own process, for tests and benchmarks: started, ready when it prints its ready line.
import { type ChildProcess, spawn } from "node:child_process";

export const MAIN = new URL("../server/main.ts", import.meta.url).pathname;

export type EntryProcess = {
  process: ChildProcess;
  /** The HTTP server's and the chain's addresses, from the ready line. */
  url: string;
  chainUrl: string;
  /** Seconds from the spawn to the ready line. */
  seconds: number;
  stderr: () => string;
  /** The exit code (-1 for a signal). */
  exit: Promise<number>;
  /** SIGTERM, then the exit. */
  stop: () => Promise<number>;
};

/** Starts `server/main.ts` on `dataDir` at any free port; rejects with what it said when it exits before ready. */
export async function startEntry(dataDir: string, args: readonly string[] = []): Promise<EntryProcess> {
  const started = performance.now();
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
  return {
    process: child,
    url: /ready: (http:\/\/[^ ]+) /.exec(ready)?.[1] as string,
    chainUrl: /chain (http:\/\/[^ ,]+),/.exec(ready)?.[1] as string,
    seconds: (performance.now() - started) / 1000,
    stderr: () => stderr,
    exit,
    stop: async () => {
      child.kill("SIGTERM");
      return exit;
    },
  };
}
