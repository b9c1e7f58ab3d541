// The API benchmark's load: the server in its own process, autocannon on routes, a streamed verification upload.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import type { ServeArgs } from "./serve-api.ts";

export type Server = { url: string; child: ChildProcess; stop: () => Promise<void> };

/** Starts the API server process and waits for the port it listens on. */
export async function startServer(args: ServeArgs): Promise<Server> {
  const child = spawn(process.execPath, [new URL("serve-api.ts", import.meta.url).pathname, JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the API server exited (${code}) before listening`)));
    lines.once("line", (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** One route's figures: requests per second, latency percentiles in ms, and the responses that were not 2xx. */
export type RouteFigures = { rps: number; p50Ms: number; p99Ms: number; requests: number; non2xx: number };

/**
 * Loads one route for `warmupS` then `durationS` seconds over `connections` connections, each request's path from
 * `path()`; returns the measured run's figures (the warm-up's are dropped).
 */
export async function loadRoute(
  url: string,
  path: () => string,
  options: { connections: number; warmupS: number; durationS: number },
): Promise<RouteFigures> {
  const run = (duration: number) =>
    autocannon({
      url,
      connections: options.connections,
      duration,
      timeout: 30,
      requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: path() }) }],
    });
  await run(options.warmupS);
  const result = await run(options.durationS);
  return {
    rps: Math.round(result.requests.total / options.durationS),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}

/** Verifies a `mib` MiB file by streaming it to `POST /api/verify`; returns MiB per second and the status. */
export async function verifyUpload(url: string, mib: number): Promise<{ mibPerS: number; status: number }> {
  const chunk = randomBytes(1024 * 1024);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === mib) return controller.close();
      // A different chunk each time (its first bytes numbered), so no layer can shortcut a repeated one.
      const next = Buffer.from(chunk);
      next.writeUInt32BE(sent++, 0);
      controller.enqueue(next);
    },
  });
  const started = performance.now();
  const response = await fetch(`${url}/api/verify`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body,
    duplex: "half",
  } as RequestInit);
  await response.arrayBuffer();
  return { mibPerS: Math.round(mib / ((performance.now() - started) / 1000)), status: response.status };
}
