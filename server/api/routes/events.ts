// Server-Sent Events: the ledger's new events as the indexer mirrors them, for live pages.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ApiDeps } from "../deps.ts";
import { EVENT_COLUMNS, EVENT_ROWS, type EventLogRow, KINDS, proofOf } from "../queries/chain-of-title.ts";
import { errors } from "../schemas.ts";

/** How often the stream looks for newly mirrored events, and how many it sends at most per look. */
export const POLL_MS = 500;
const BATCH = 200;

export const eventRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  // Streams end when the server closes, so that a shutdown does not wait for subscribers to leave.
  let closing = false;
  app.addHook("onClose", async () => {
    closing = true;
  });
  app.get(
    "/events",
    {
      schema: {
        tags: ["feeds"],
        summary: "A Server-Sent Events stream of the ledger's events as they are mirrored",
        description:
          "Each message is one event (`event:` its kind, `id:` its block:logIndex, `data:` JSON with the work, the " +
          "time and the proof). Reconnecting with Last-Event-ID resumes after it; without one the stream starts at " +
          "the newest event.",
        headers: Type.Object({
          "last-event-id": Type.Optional(Type.String({ pattern: "^[0-9]{1,20}:[0-9]{1,9}$" })),
        }),
        produces: ["text/event-stream"],
        response: { 200: Type.Any({ description: "text/event-stream" }), ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      const { chainId } = deps.chain;
      let after: [string, number];
      const last = request.headers["last-event-id"];
      if (last) {
        const [block, log] = last.split(":");
        after = [block as string, Number(log)];
      } else {
        const [newest] = await deps.db.query<{ block_number: string; log_index: number }>(
          "select t.block_number::text as block_number, t.log_indexes[cardinality(t.log_indexes)] as log_index from " +
            "chain_transactions t where t.chain_id = $1 order by t.block_number desc, t.tx_index desc limit 1",
          [chainId],
        );
        after = newest ? [newest.block_number, newest.log_index] : ["-1", 0];
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        connection: "keep-alive",
      });
      raw.write(": titlechain ledger events\n\n");
      let open = true;
      request.raw.on("close", () => {
        open = false;
      });
      while (open && !closing) {
        try {
          const rows = await deps.db.query<EventLogRow & { args: unknown }>(
            `select ${EVENT_COLUMNS}, nullif(e.args, 'null') as args ${EVENT_ROWS} where t.chain_id = $1 and ` +
              "(t.block_number, e.log_index) > ($2::bigint, $3::integer) and t.names[e.name] = any($4::text[]) " +
              `order by t.block_number, e.log_index limit ${BATCH}`,
            [chainId, after[0], after[1], Object.keys(KINDS)],
          );
          for (const r of rows) {
            const at = r.at === null ? null : new Date(Number(r.at) * 1000).toISOString();
            const data = { kind: KINDS[r.name], event: r.name, workId: r.work_id, at, proof: proofOf(chainId, r) };
            raw.write(
              `id: ${r.block_number}:${r.log_index}\nevent: ${KINDS[r.name]}\ndata: ${JSON.stringify(data)}\n\n`,
            );
            after = [r.block_number, r.log_index];
          }
          if (rows.length === BATCH) continue;
        } catch {
          // The database is away for a moment: the stream waits and tries again.
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      raw.end();
    },
  );
};
