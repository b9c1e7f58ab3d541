// A work's chain of title in one call: every event that concerns it, oldest first, each with its on-chain proof.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ApiDeps } from "../deps.ts";
import { notFound } from "../errors.ts";
import { chainOfTitle, KINDS, MAX_TITLE_ENTRIES } from "../queries/chain-of-title.ts";
import { Address, errors, Hash, WorkId, WorkIdParam, workIdOf } from "../schemas.ts";

const Entry = Type.Object({
  kind: Type.String({ description: `one of: ${[...new Set(Object.values(KINDS))].join(", ")}` }),
  event: Type.String({ description: "the contract's event name" }),
  at: Type.Union([Type.String({ format: "date-time" }), Type.Null()], { description: "the block's time" }),
  proof: Type.Object(
    {
      chainId: Type.Integer(),
      contract: Address,
      transactionHash: Hash,
      blockNumber: Type.String({ pattern: "^[0-9]+$" }),
      blockHash: Hash,
      logIndex: Type.Integer(),
    },
    { description: "fetch the transaction's receipt from any node: the log at logIndex, in the block blockHash" },
  ),
  details: Type.Record(Type.String(), Type.Unknown(), {
    description: "the event's arguments (amounts and ids as decimal strings)",
  }),
});

export const ChainOfTitle = Type.Object({
  workId: WorkId,
  chainId: Type.Integer(),
  entries: Type.Array(Entry),
  next: Type.Union([Type.String(), Type.Null()], {
    description: `more entries after these ${MAX_TITLE_ENTRIES}: pass as after`,
  }),
});

export const titleRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/works/:workId/title",
    {
      schema: {
        tags: ["works"],
        summary: "The chain of title of a work, oldest first, each entry with its on-chain proof",
        description:
          "Registration (direct, by reveal of a commitment or of a batch, or by priority claim), assignments with " +
          "their deeds, pledges and their outcome, licence offers, grants, renewals, terminations and sublicences, " +
          "disputes, listings, bids and sales, royalties.",
        params: Type.Object({ workId: WorkIdParam }),
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.String({ pattern: "^[0-9]{1,20}:[0-9]{1,9}$", description: "next of the last page" }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: ChainOfTitle, ...errors(400, 404, 429) },
      },
    },
    async (request) => {
      const workId = workIdOf(request.params.workId);
      const { chainId } = deps.chain;
      const after = request.query.after?.split(":");
      const page = await chainOfTitle(
        deps.db,
        chainId,
        workId,
        after ? { block: BigInt(after[0] as string), logIndex: Number(after[1]) } : undefined,
      );
      // Every mirrored work has its registration in its title: an empty first page asks whether the work exists.
      if (page.entries.length === 0) {
        const [exists] = await deps.db.query("select 1 from works where chain_id = $1 and work_id = $2::numeric", [
          chainId,
          workId,
        ]);
        if (!exists) throw notFound(`work ${request.params.workId}`);
      }
      return { workId, chainId, ...page };
    },
  );
};
