// Evidence: a work's bundle (record, chain of title with receipts, timestamps, signature) and its server-side check.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { EvidenceBundle } from "../../../core/evidence/bundle.ts";
import { bytesOfBase64 } from "../../../core/evidence/encoding.ts";
import { TimestampError } from "../../../core/evidence/timestamp.ts";
import { STEPS, verifyEvidence } from "../../../core/evidence/verify.ts";
import { buildEvidence, EvidenceNotFound } from "../../evidence/build.ts";
import { certificatePdf, DEVELOPMENT_OPERATOR, verifyPageOf } from "../../evidence/certificate.ts";
import type { ApiDeps, ApiOptions } from "../deps.ts";
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

const Pdf = Type.Unsafe<Uint8Array>({ type: "string", format: "binary", description: "a signed PDF" });

export const evidenceRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; options: ApiOptions }> = async (
  app,
  { deps, options },
) => {
  app.addSchema(Bundle);
  const client = deps.client;
  const originOf = (request: { protocol: string; host: string }) =>
    options.publicUrl?.replace(/\/+$/, "") ?? `${request.protocol}://${request.host}`;
  /** The work's bundle, built now; the API's errors for an unknown work or an unreachable timestamp authority. */
  const bundleOf = async (workId: bigint): Promise<EvidenceBundle> => {
    if (!client) throw new ApiError(503, "NoNode", "this server has no chain node to read evidence from");
    try {
      return await buildEvidence(
        { db: deps.db, store: deps.store, client, chain: deps.chain, ...deps.evidence },
        workId,
      );
    } catch (error) {
      if (error instanceof EvidenceNotFound) throw notFound(`work ${workId}`);
      if (error instanceof TimestampError) {
        throw new ApiError(503, "TimestampUnavailable", error.message, undefined, { "retry-after": "30" });
      }
      throw error;
    }
  };
  const pdfOf = (bundle: EvidenceBundle, origin: string) =>
    certificatePdf(bundle, {
      operator: deps.evidence?.operator ?? DEVELOPMENT_OPERATOR,
      verifyUrl: verifyPageOf(origin, bundle),
      signer: deps.evidence?.signer,
    });
  /** The certificate of `bundle` as the answer to `request`. */
  const certificateReply = async (
    request: { protocol: string; host: string },
    reply: { header(k: string, v: string): unknown; type(t: string): unknown },
    bundle: EvidenceBundle,
  ) => {
    const pdf = await pdfOf(bundle, originOf(request));
    reply.type("application/pdf");
    const name = `titlechain-certificate-${bundle.manifest.work.contentHash}.pdf`;
    reply.header("content-disposition", `attachment; filename="${name}"`);
    return Buffer.from(pdf);
  };
  /** The verifier run against this server's node, trusting its own certificate and its configured TSA roots. */
  const verifyHere = (bundle: unknown, file?: Uint8Array) => {
    if (!client) throw new ApiError(503, "NoNode", "this server has no chain node to verify against");
    return verifyEvidence(bundle, {
      rpc: client,
      ...(file ? { file } : {}),
      platformCertificates: deps.evidence?.signer?.certificates ?? [],
      tsaRoots: deps.evidence?.tsaRoots ?? [],
    });
  };

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
      const bundle = await bundleOf(BigInt(request.params.workId));
      reply.header(
        "content-disposition",
        `attachment; filename="titlechain-evidence-${bundle.manifest.work.contentHash}.json"`,
      );
      return bundle;
    },
  );

  app.get(
    "/works/:workId/certificate.pdf",
    {
      schema: {
        tags: ["evidence"],
        summary: "A work's certificate: a bilingual PDF signed by the platform, its evidence bundle attached",
        description:
          "The fields of a copyright registration certificate in Chinese and English, the on-chain evidence, a " +
          "chain-of-title summary, a QR code to the work's verify page, how to verify it with or without Titlechain, " +
          "and the operator's statement. Drawn from a bundle built now, attached to the PDF as evidence.json.",
        params: Type.Object({ workId: WorkIdParam }),
        produces: ["application/pdf"],
        response: { 200: Pdf, ...errors(400, 404, 503) },
      },
    },
    async (request, reply) => certificateReply(request, reply, await bundleOf(BigInt(request.params.workId))),
  );

  app.post(
    "/evidence/certificate",
    {
      bodyLimit: MAX_VERIFY_BODY,
      schema: {
        tags: ["evidence"],
        summary: "The certificate of a given evidence bundle (checked against the node first)",
        description:
          "Draws the certificate of a bundle downloaded earlier, so that the PDF and the JSON go together. The " +
          "bundle is verified against this server's node first; one that fails a step is refused with 422 and the " +
          "steps that failed.",
        body: Type.Object({ bundle: Type.Unknown({ description: "the evidence bundle as downloaded" }) }),
        produces: ["application/pdf"],
        response: { 200: Pdf, ...errors(400, 413, 422, 503) },
      },
    },
    async (request, reply) => {
      const failed = (await verifyHere(request.body.bundle)).steps.filter((s) => s.status === "fail");
      if (failed.length > 0) {
        const why = failed.map((s) => `${s.step}: ${s.message}`).join("; ");
        throw new ApiError(422, "EvidenceDoesNotHold", why, "bundle");
      }
      return certificateReply(request, reply, request.body.bundle as EvidenceBundle);
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
      const { bundle, file } = request.body;
      let bytes: Uint8Array | undefined;
      if (file !== undefined) {
        try {
          bytes = bytesOfBase64(file);
        } catch {
          throw new ApiError(400, "InvalidFile", "file is not base64", "file");
        }
      }
      return verifyHere(bundle, bytes);
    },
  );
};
