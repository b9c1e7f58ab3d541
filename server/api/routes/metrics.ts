// /metrics in Prometheus's text format: request latency per route, the indexer's lag, the relay's queue and balance.
import type { FastifyInstance } from "fastify";
import { Gauge, Histogram, Registry } from "prom-client";
import { Type } from "typebox";
import type { ApiDeps } from "../deps.ts";

/**
 * Request latency is observed for every route (by its pattern, never the raw URL, so ids do not explode the label
 * set); the indexer's and the relay's gauges are read when Prometheus scrapes. Each app has its own registry.
 */
export function installMetrics(app: FastifyInstance, deps: ApiDeps): void {
  const registry = new Registry();
  const latency = new Histogram({
    name: "titlechain_http_request_duration_seconds",
    help: "HTTP request latency by route, method and status",
    labelNames: ["route", "method", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const started = new WeakMap<object, bigint>();
  app.addHook("onRequest", async (request) => {
    started.set(request, process.hrtime.bigint());
  });
  app.addHook("onResponse", async (request, reply) => {
    const start = started.get(request);
    if (start === undefined) return;
    const route = request.routeOptions.url ?? "unmatched";
    latency.observe(
      { route, method: request.method, status: String(reply.statusCode) },
      Number(process.hrtime.bigint() - start) / 1e9,
    );
  });
  new Gauge({
    name: "titlechain_indexer_lag_blocks",
    help: "blocks between the chain head and the mirror (absent without an indexer)",
    registers: [registry],
    collect() {
      const s = deps.indexer?.status();
      if (s?.head && s.syncedBlock) this.set(Number(BigInt(s.head) - BigInt(s.syncedBlock)));
    },
  });
  const queue = new Gauge({
    name: "titlechain_relay_requests",
    help: "relayed requests waiting, by status",
    labelNames: ["status"],
    registers: [registry],
  });
  const balance = new Gauge({
    name: "titlechain_relayer_balance_wei",
    help: "the relayer's balance (wei; a float, exact to about 15 digits)",
    registers: [registry],
  });
  const today = new Gauge({
    name: "titlechain_relay_requests_today",
    help: "gasless requests taken in the last day, of all creators (the daily quota bounds it)",
    registers: [registry],
  });
  const waiting = new Gauge({
    name: "titlechain_relay_fees_above_cap",
    help: "1 while the chain's fees are above the relayer's cap and requests wait, else 0",
    registers: [registry],
  });
  const refresh = async () => {
    if (!deps.relayer) return;
    const h = await deps.relayer.health();
    queue.set({ status: "queued" }, h.queued);
    queue.set({ status: "submitted" }, h.submitted);
    balance.set(Number(h.balance));
    today.set(h.today);
    waiting.set(h.feesAboveCap ? 1 : 0);
  };

  app.get(
    "/metrics",
    {
      schema: {
        tags: ["operations"],
        summary: "Metrics in Prometheus's text format",
        produces: ["text/plain"],
        response: { 200: Type.Any({ description: "Prometheus exposition format" }) },
      },
    },
    async (_request, reply) => {
      await refresh().catch(() => undefined);
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}
