// Operations: /health (the process answers), /ready (the indexer has caught up), /api/deployment (the contracts).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { EndpointStatus } from "../../indexer/rpc.ts";
import type { ApiDeps } from "../deps.ts";

const Readiness = Type.Object({
  ready: Type.Boolean(),
  reasons: Type.Array(Type.String(), { description: "why not ready, in words; empty when ready" }),
  chainId: Type.Integer(),
  syncedBlock: Type.Union([Type.String(), Type.Null()]),
  head: Type.Union([Type.String(), Type.Null()]),
  lagBlocks: Type.Union([Type.Integer(), Type.Null()]),
});

const DeploymentInfo = Type.Object({
  chainId: Type.Integer(),
  registry: Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" }),
  ledger: Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" }),
  exchange: Type.String({ pattern: "^0x[0-9a-fA-F]{40}$" }),
});

/** Blocks the mirror may trail the head by and still count as caught up. */
export const READY_LAG_BLOCKS = 2;

/** The mirror's position from the database and the head from the chain, for a process without an indexer. */
/** How long every chain endpoint must have failed before /ready says the node does not answer. */
const NODE_DOWN_MS = 2_000;

/** How long /ready waits for the node's head (the client retries meanwhile). */
const HEAD_TIMEOUT_MS = 3_000;

/** The node's head now; null when it does not answer in time; undefined when this process has no client. */
async function headNow(deps: ApiDeps): Promise<bigint | null | undefined> {
  if (!deps.client) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), HEAD_TIMEOUT_MS);
  });
  try {
    return await Promise.race([deps.client.getBlockNumber({ cacheTime: 0 }).catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function mirrorStatus(
  deps: ApiDeps,
): Promise<{ syncedBlock: string | null; head: string | null; lastError: string | null } | null> {
  if (!deps.client) return null;
  try {
    const [[state], head] = await Promise.all([
      deps.db.query<{ synced: string }>("select synced_block::text as synced from indexer_state where chain_id = $1", [
        deps.chain.chainId,
      ]),
      deps.client.getBlockNumber({ cacheTime: 0 }),
    ]);
    return { syncedBlock: state?.synced ?? null, head: head.toString(), lastError: null };
  } catch {
    return null;
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/health",
    {
      schema: {
        tags: ["operations"],
        summary: "Liveness: the process answers",
        response: { 200: Type.Object({ ok: Type.Literal(true) }) },
      },
    },
    async () => ({ ok: true as const }),
  );

  app.get(
    "/api/deployment",
    {
      schema: {
        tags: ["operations"],
        summary: "The chain and the contracts this server mirrors: what a wallet signs for and a verifier checks",
        response: { 200: DeploymentInfo },
      },
    },
    async () => ({
      chainId: deps.chain.chainId,
      registry: deps.chain.registry,
      ledger: deps.chain.ledger,
      exchange: deps.chain.exchange,
    }),
  );

  app.get(
    "/ready",
    {
      schema: {
        tags: ["operations"],
        summary: "Readiness: the database answers and the indexer has caught up with the chain",
        description: `503 with the reasons while not ready; the mirror may trail the head by ${READY_LAG_BLOCKS} blocks.`,
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const reasons: string[] = [];
      try {
        await deps.db.query("select 1");
      } catch {
        reasons.push("the database does not answer");
      }
      // The indexer of this process, or (an API replica) the one whose mirror this database holds.
      const status = deps.indexer?.status() ?? (await mirrorStatus(deps));
      // The head as the node gives it now: the indexer's is the last it saw, which stands still while its own
      // requests are being retried.
      const nodeHead = deps.indexer ? await headNow(deps) : undefined;
      if (nodeHead === null) reasons.push("the chain node did not say its head");
      let lag: number | null = null;
      if (!status)
        reasons.push(
          "the mirror's position is unknown: no indexer runs in this process, and the chain or the database does not answer",
        );
      else {
        if (status.lastError) reasons.push(`the indexer's last sync failed: ${status.lastError}`);
        // A node that has stopped answering shows here at once, while the sync is still retrying (its error comes
        // only once the retries are spent): every endpoint failing for NODE_DOWN_MS and more.
        const endpoints: EndpointStatus[] = "rpc" in status ? (status.rpc as EndpointStatus[]) : [];
        const now = Date.now();
        if (
          endpoints.length > 0 &&
          endpoints.every((e) => e.failingSince !== null && now - e.failingSince >= NODE_DOWN_MS)
        ) {
          const since = Math.min(...endpoints.map((e) => e.failingSince as number));
          reasons.push(
            `the chain node has not answered for ${Math.round((now - since) / 1000)} s: ${endpoints[0]?.lastError}`,
          );
        }
        if (status.head === null || status.syncedBlock === null) reasons.push("the indexer has not synced yet");
        else {
          const head = nodeHead && nodeHead > BigInt(status.head) ? nodeHead : BigInt(status.head);
          lag = Number(head - BigInt(status.syncedBlock));
          if (lag > READY_LAG_BLOCKS) reasons.push(`the mirror is ${lag} blocks behind the chain`);
        }
      }
      const body = {
        ready: reasons.length === 0,
        reasons,
        chainId: deps.chain.chainId,
        syncedBlock: status?.syncedBlock ?? null,
        head: status?.head ?? null,
        lagBlocks: lag,
      };
      if (!body.ready) reply.header("retry-after", "5");
      return reply.code(body.ready ? 200 : 503).send(body);
    },
  );
};
