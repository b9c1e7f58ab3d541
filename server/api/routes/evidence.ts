// Evidence: a work's bundle (record, chain of title with receipts, timestamps, signature) and its server-side check.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { bytesOfBase64 } from "../../../core/evidence/encoding.ts";
import { TimestampError } from "../../../core/evidence/timestamp.ts";
import { STEPS, verifyEvidence } from "../../../core/evidence/verify.ts";
import { buildEvidence, EvidenceNotFound } from "../../evidence/build.ts";
import type { ApiDeps } from "../deps.ts";
import { ApiError, notFound } from "../errors.ts";
import { errors, Hash, WorkIdParam } from "../schemas.ts";

const Bundle = Type.Object(
  {
    format: Type.Literal("titlechain-evidence"),
    version: Type.Literal(1),
    manifest: Type.Record(Type.String(), Type.Unknown()),
    manifestHash: Hash,
    timestamps: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    platformSignature: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  },
  {
    $id: "EvidenceBundle",
    description:
      "An evidence bundle, version 1: its full JSON Schema is core/evidence/evidence-bundle.v1.schema.json " +
      "(https://titlechain.dev/schemas/evidence-bundle/v1.json).",
  },
);

const Verification = Type.Object({
  ok: Type.Boolean({ description: "true only when no step failed" }),
  steps: Type.Array(
    Type.Object({
      step: Type.Unsafe<(typeof STEPS)[number]>({
        type: "string",
        enum: [...STEPS],
        description: "the check, in the order they run",
      }),
      status: Type.Union([Type.Literal("pass"), Type.Literal("fail"), Type.Literal("warn"), Type.Literal("skip")]),
      message: Type.String(),
    }),
  ),
});

/** Largest verification request: a bundle of a long chain of title plus a design file in base64. */
const MAX_VERIFY_BODY = 48 * 1024 * 1024;

export const evidenceRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.addSchema(Bundle);
  const client = deps.client;
  app.get(
    "/works/:workId/evidence",
    {
      schema: {
        tags: ["evidence"],
        summary: "A work's evidence bundle, timestamped and signed",
        description:
          "The work's record, metadata and chain of title read from the node, with every event's block, hash, log " +
          "index and receipt; the registration's call (commitment, Merkle proof, the creator's EIP-712 signature); " +
          "RFC 3161 timestamps of the manifest from the configured authorities and the platform's signature. Check " +
          "it with `titlechain verify-evidence` or POST /api/evidence/verify, against any node.",
        params: Type.Object({ workId: WorkIdParam }),
        response: { 200: Type.Ref("EvidenceBundle"), ...errors(400, 404, 503) },
      },
    },
    async (request, reply) => {
      if (!client) throw new ApiError(503, "NoNode", "this server has no chain node to read evidence from");
      const workId = BigInt(request.params.workId);
      try {
        const bundle = await buildEvidence(
          { db: deps.db, store: deps.store, client, chain: deps.chain, ...deps.evidence },
          workId,
        );
        reply.header(
          "content-disposition",
          `attachment; filename="titlechain-evidence-${bundle.manifest.work.contentHash}.json"`,
        );
        return bundle;
      } catch (error) {
        if (error instanceof EvidenceNotFound) throw notFound(`work ${workId}`);
        if (error instanceof TimestampError) {
          throw new ApiError(503, "TimestampUnavailable", error.message, undefined, { "retry-after": "30" });
        }
        throw error;
      }
    },
  );

  app.post(
    "/evidence/verify",
    {
      bodyLimit: MAX_VERIFY_BODY,
      schema: {
        tags: ["evidence"],
        summary: "Verify an evidence bundle (and optionally the file) against this server's node",
        description:
          "Runs the same verifier as the CLI and the web page (core/evidence/verify.ts) against the chain node this " +
          "server reads, and reports every step. To trust no server at all, run the verifier yourself against a node " +
          "of your choosing.",
        body: Type.Object({
          bundle: Type.Unknown({ description: "the evidence bundle as downloaded" }),
          file: Type.Optional(Type.String({ description: "the original file, base64", maxLength: MAX_VERIFY_BODY })),
        }),
        response: { 200: Verification, ...errors(400, 413, 503) },
      },
    },
    async (request) => {
      if (!client) throw new ApiError(503, "NoNode", "this server has no chain node to verify against");
      const { bundle, file } = request.body;
      let bytes: Uint8Array | undefined;
      if (file !== undefined) {
        try {
          bytes = bytesOfBase64(file);
        } catch {
          throw new ApiError(400, "InvalidFile", "file is not base64", "file");
        }
      }
      return verifyEvidence(bundle, {
        rpc: client,
        ...(bytes ? { file: bytes } : {}),
        platformCertificates: deps.evidence?.signer?.certificates ?? [],
        tsaRoots: deps.evidence?.tsaRoots ?? [],
      });
    },
  );
};
