// Audit: every transfer, sale, licence event, pledge and dispute, filtered, as JSON pages or one streamed CSV export.
import { PassThrough } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { stringify } from "csv-stringify";
import { Type } from "typebox";
import type { ApiDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { AUDIT_KINDS, type AuditEntry, type AuditFilter, type AuditKind, auditPage } from "../queries/audit.ts";
import { Address, errors, Hash, WorkId, WorkIdParam, workIdOf } from "../schemas.ts";

const AuditQuery = Type.Object(
  {
    kinds: Type.Optional(
      Type.String({
        pattern: "^[a-zA-Z]+(,[a-zA-Z]+)*$",
        maxLength: 400,
        description: `comma-separated, any of: ${AUDIT_KINDS.join(", ")} (default: all)`,
      }),
    ),
    work: Type.Optional(WorkIdParam),
    account: Type.Optional(Address),
    from: Type.Optional(Type.String({ format: "date-time", description: "at or after" })),
    to: Type.Optional(Type.String({ format: "date-time", description: "before" })),
    after: Type.Optional(Type.String({ pattern: "^[0-9]{1,20}:[0-9]{1,9}$", description: "next of the last page" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const Entry = Type.Object({
  kind: Type.String(),
  event: Type.String(),
  at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  workId: Type.Union([WorkId, Type.Null()]),
  proof: Type.Object({
    chainId: Type.Integer(),
    contract: Address,
    transactionHash: Hash,
    blockNumber: Type.String(),
    blockHash: Hash,
    logIndex: Type.Integer(),
  }),
  details: Type.Record(Type.String(), Type.Unknown()),
});

/** The CSV's columns, in order. */
const COLUMNS = [
  "time",
  "kind",
  "event",
  "work_id",
  "details",
  "chain_id",
  "contract",
  "transaction_hash",
  "block_number",
  "block_hash",
  "log_index",
];

/**
 * A cell a spreadsheet will not run as a formula: text starting with =, +, -, @, a tab or a carriage return gets a
 * leading apostrophe (OWASP's advice for CSV injection). Numbers are written as they are.
 */
export function safeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function row(e: AuditEntry): string[] {
  return [
    e.at ?? "",
    e.kind,
    e.event,
    e.workId ?? "",
    safeCell(JSON.stringify(e.details)),
    String(e.proof.chainId),
    e.proof.contract,
    e.proof.transactionHash,
    e.proof.blockNumber,
    e.proof.blockHash,
    String(e.proof.logIndex),
  ];
}

type Query = {
  kinds?: string | undefined;
  work?: string | undefined;
  account?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  after?: string | undefined;
  limit?: number | undefined;
};

function filterOf(deps: ApiDeps, q: Query, limit: number): AuditFilter {
  const kinds = q.kinds ? q.kinds.split(",") : [...AUDIT_KINDS];
  const unknown = kinds.find((k) => !(AUDIT_KINDS as readonly string[]).includes(k));
  if (unknown)
    throw new ApiError(400, "InvalidField", `querystring.kinds: unknown kind "${unknown}"`, "querystring.kinds");
  const seconds = (t: string | undefined) => (t === undefined ? undefined : Math.floor(Date.parse(t) / 1000));
  const after = q.after?.split(":");
  return {
    chainId: deps.chain.chainId,
    kinds: kinds as AuditKind[],
    workId: q.work === undefined ? undefined : workIdOf(q.work),
    account: q.account,
    from: seconds(q.from),
    to: seconds(q.to),
    after: after ? { block: BigInt(after[0] as string), logIndex: Number(after[1]) } : undefined,
    limit,
  };
}

export const auditRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/audit",
    {
      schema: {
        tags: ["audit"],
        summary: "The audit trail, oldest first, filtered by kind, work, account and time; each entry with its proof",
        querystring: AuditQuery,
        response: {
          200: Type.Object({ entries: Type.Array(Entry), next: Type.Union([Type.String(), Type.Null()]) }),
          ...errors(400, 429),
        },
      },
    },
    async (request) => auditPage(deps.db, filterOf(deps, request.query, request.query.limit ?? 100)),
  );

  app.get(
    "/audit.csv",
    {
      schema: {
        tags: ["audit"],
        summary: "The whole audit trail matching the filters as one CSV file (RFC 4180, UTF-8 with BOM), streamed",
        description:
          `Columns: ${COLUMNS.join(", ")}. Cells a spreadsheet would read as a formula start with an apostrophe. ` +
          "The same filters as /api/audit; limit and after are ignored.",
        querystring: AuditQuery,
        produces: ["text/csv"],
        response: { 200: Type.Any({ description: "the CSV file" }), ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      const filter = filterOf(deps, { ...request.query, after: undefined }, 1000);
      // The first page is read before answering, so a bad filter or a failing database still gives a clean error.
      let page = await auditPage(deps.db, filter);
      const csv = stringify({ bom: true, record_delimiter: "windows", header: true, columns: COLUMNS });
      const body = new PassThrough();
      csv.pipe(body);
      void (async () => {
        try {
          for (;;) {
            for (const e of page.entries) {
              if (!csv.write(row(e))) await new Promise((resolve) => csv.once("drain", resolve));
            }
            if (!page.next || request.raw.destroyed) break;
            const [block, logIndex] = page.next.split(":");
            page = await auditPage(deps.db, {
              ...filter,
              after: { block: BigInt(block as string), logIndex: Number(logIndex) },
            });
          }
          csv.end();
        } catch (error) {
          request.log.error({ err: error }, "audit export failed mid-way");
          body.destroy(error as Error);
        }
      })();
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="titlechain-audit.csv"')
        .send(body);
    },
  );
};
