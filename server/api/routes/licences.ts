// Licences: a work's grants, an account's licences, and "may account A use work W so?" with the grant that says yes.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { countryHex, Use, type UseName } from "../../../core/licence.ts";
import type { ApiDeps } from "../deps.ts";
import { findPermit, grantsOf } from "../queries/licences.ts";
import { Address, errors, WorkId, WorkIdParam, workIdOf } from "../schemas.ts";

const Grant = Type.Object({
  grantId: Type.String({ description: "the licence's ERC-1155 token id (decimal)" }),
  workId: WorkId,
  offerIndex: Type.Integer(),
  serial: Type.Integer(),
  holder: Address,
  start: Type.String({ format: "date-time" }),
  end: Type.Union([Type.String({ format: "date-time" }), Type.Null()], { description: "null: perpetual" }),
  status: Type.Union(
    [
      Type.Literal("scheduled"),
      Type.Literal("active"),
      Type.Literal("expired"),
      Type.Literal("terminated"),
      Type.Literal("surrendered"),
      Type.Literal("parentEnded"),
    ],
    { description: "as the ledger's grantStatus now" },
  ),
  transferable: Type.Boolean(),
  parentGrantId: Type.Union([Type.String(), Type.Null()], { description: "the grant a sublicence was issued under" }),
  grantedAt: Type.String({ format: "date-time" }),
});

const USE_NAMES = Object.keys(Use) as UseName[];

export const licenceRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/works/:workId/grants",
    {
      schema: {
        tags: ["licences"],
        summary: "The licences granted on a work (purchases and sublicences), oldest first, with their status now",
        params: Type.Object({ workId: WorkIdParam }),
        response: { 200: Type.Object({ grants: Type.Array(Grant) }), ...errors(400, 429) },
      },
    },
    async (request) => ({
      grants: await grantsOf(deps.db, deps.chain.chainId, { workId: workIdOf(request.params.workId) }),
    }),
  );

  app.get(
    "/accounts/:account/licences",
    {
      schema: {
        tags: ["licences"],
        summary: "The licences an account holds, with their status now",
        params: Type.Object({ account: Address }),
        response: { 200: Type.Object({ grants: Type.Array(Grant) }), ...errors(400, 429) },
      },
    },
    async (request) => ({
      grants: await grantsOf(deps.db, deps.chain.chainId, { holder: request.params.account }),
    }),
  );

  app.get(
    "/permits",
    {
      schema: {
        tags: ["licences"],
        summary: "May this account use this work for these uses, in this country and fields, at this time?",
        description:
          "Answered from the mirror by the rule of the ledger's permits(); the answer names the grant and the exact " +
          "call that checks it against the contract on any node.",
        querystring: Type.Object(
          {
            account: Address,
            work: WorkIdParam,
            uses: Type.String({
              pattern: `^(${USE_NAMES.join("|")})(,(${USE_NAMES.join("|")}))*$`,
              description: `comma-separated: ${USE_NAMES.join(", ")}`,
            }),
            country: Type.Optional(Type.String({ pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2" })),
            fields: Type.Optional(
              Type.Integer({ minimum: 0, maximum: 65535, description: "bit set of fields of use; 0: none asked" }),
            ),
            at: Type.Optional(Type.String({ format: "date-time", description: "default: now" })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            permitted: Type.Boolean(),
            grant: Type.Union([Grant, Type.Null()]),
            check: Type.Union([
              Type.Object(
                {
                  contract: Address,
                  function: Type.Literal("permits"),
                  args: Type.Array(Type.Unknown()),
                },
                { description: "call it on the ledger to check the answer; it returns true" },
              ),
              Type.Null(),
            ]),
          }),
          ...errors(400, 429),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const use = q.uses.split(",").reduce((bits, name) => bits | Use[name as UseName], 0);
      const time = q.at === undefined ? Math.floor(Date.now() / 1000) : Math.floor(Date.parse(q.at) / 1000);
      const workId = workIdOf(q.work);
      const grant = await findPermit(deps.db, {
        chainId: deps.chain.chainId,
        account: q.account,
        workId,
        use,
        country: q.country ?? null,
        field: q.fields ?? 0,
        time,
      });
      return {
        permitted: grant !== null,
        grant,
        check: grant && {
          contract: deps.chain.ledger,
          function: "permits" as const,
          args: [
            { workId, offerIndex: grant.offerIndex, serial: grant.serial },
            q.account,
            use,
            q.country ? countryHex(q.country) : "0x0000",
            q.fields ?? 0,
            time,
          ],
        },
      };
    },
  );
};
