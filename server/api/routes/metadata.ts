// Work metadata: validate and store a document (its CID, or every violation with its JSON pointer), read one back.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import { MetadataError, type MetadataIssue, validateWorkMetadata, workMetadataSchema } from "../../../core/metadata.ts";
import { fetchWorkMetadata, MAX_METADATA_BYTES, storeWorkMetadata } from "../../content/metadata-io.ts";
import type { ApiDeps } from "../deps.ts";
import { Cid, errors } from "../schemas.ts";

const Issues = Type.Object({
  status: Type.Literal(422),
  code: Type.Literal("InvalidMetadata"),
  title: Type.String(),
  detail: Type.String(),
  issues: Type.Array(
    Type.Object({ path: Type.String({ description: "JSON pointer of the field at fault" }), message: Type.String() }),
  ),
});

const Document = Type.Record(Type.String(), Type.Unknown(), {
  description: "a work metadata document: its JSON Schema is at GET /api/metadata/schema",
});

/** The 422 answer listing every violation of a metadata document. */
function invalid(reply: FastifyReply, detail: string, issues: readonly MetadataIssue[]) {
  return reply
    .code(422)
    .type("application/problem+json")
    .send({
      status: 422 as const,
      code: "InvalidMetadata" as const,
      title: "Unprocessable Content",
      detail: detail.slice(0, 2000),
      issues: [...issues],
    });
}

export const metadataRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/metadata/schema",
    {
      schema: {
        tags: ["metadata"],
        summary: "The JSON Schema of work metadata (version 1)",
        response: { 200: Type.Record(Type.String(), Type.Unknown()) },
      },
    },
    async () => workMetadataSchema as Record<string, unknown>,
  );

  app.post(
    "/metadata",
    {
      bodyLimit: MAX_METADATA_BYTES,
      // The document is checked by core/metadata.ts, which reports every violation at once (422), not the first.
      validatorCompiler: () => () => true,
      schema: {
        tags: ["metadata"],
        summary: "Validate a work's metadata and store it as canonical JSON; returns its CID",
        body: Document,
        response: { 200: Type.Object({ cid: Cid }), 422: Issues, ...errors(400, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const result = validateWorkMetadata(request.body);
      if (!result.ok) {
        return invalid(reply, new MetadataError(result.issues).message, result.issues);
      }
      return { cid: await storeWorkMetadata(deps.store, result.metadata) };
    },
  );

  app.get(
    "/metadata/:cid",
    {
      schema: {
        tags: ["metadata"],
        summary: "A stored metadata document, validated as it is read (metadata is untrusted)",
        params: Type.Object({ cid: Type.String({ pattern: "^[A-Za-z0-9]{10,200}$" }) }),
        response: { 200: Document, 422: Issues, ...errors(400, 404, 429) },
      },
    },
    async (request, reply) => {
      try {
        return await fetchWorkMetadata(deps.store, request.params.cid);
      } catch (error) {
        if (!(error instanceof MetadataError)) throw error;
        return invalid(reply, `${request.params.cid} is not valid work metadata`, error.issues);
      }
    },
  );
};
