// The Titlechain HTTP API as one Fastify app: security and docs plugins first, then one plugin per area.
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyInstance } from "fastify";
import type { ApiDeps, ApiOptions } from "./deps.ts";
import { installErrorHandler } from "./errors.ts";
import { workPagePreloads } from "./queries/work-detail.ts";
import { auditRoutes } from "./routes/audit.ts";
import { eventRoutes } from "./routes/events.ts";
import { evidenceRoutes } from "./routes/evidence.ts";
import { exchangeRoutes } from "./routes/exchange.ts";
import { feedRoutes } from "./routes/feeds.ts";
import { filesRoutes } from "./routes/files.ts";
import { gatewayRoutes } from "./routes/gateway.ts";
import { healthRoutes } from "./routes/health.ts";
import { licenceRoutes } from "./routes/licences.ts";
import { metadataRoutes } from "./routes/metadata.ts";
import { installMetrics } from "./routes/metrics.ts";
import { profileRoutes } from "./routes/profiles.ts";
import { relayRoutes } from "./routes/relay.ts";
import { statsRoutes } from "./routes/stats.ts";
import { titleRoutes } from "./routes/title.ts";
import { verifyRoutes } from "./routes/verify.ts";
import { worksRoutes } from "./routes/works.ts";
import { Problem } from "./schemas.ts";
import { webRoutes } from "./web.ts";

export const API_VERSION = "0.1.0";

/**
 * Builds the API. Nothing listens until the caller calls `listen` (the server entry) or `inject` (tests). Routes:
 * `/health`, `/ready`, `/api/*` (documented at `/api/docs`, described by `/api/openapi.json`), the gateway
 * `/ipfs/<cid>` and the web front end at `/`.
 */
export async function buildApp(deps: ApiDeps, options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Request ids in every log line; a caller's own id is kept when it looks like one.
    genReqId: (request) => {
      const given = request.headers["x-request-id"];
      return typeof given === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : crypto.randomUUID();
    },
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false } },
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 300 },
    return503OnClosing: true,
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  installErrorHandler(app);
  app.addSchema(Problem);

  await app.register(helmet, {
    // The documentation page needs its own scripts and styles; the gateway sets its own, stricter policy.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
      },
    },
    crossOriginResourcePolicy: { policy: "cross-origin" },
  });
  await app.register(cors, { origin: options.corsOrigins.length > 0 ? [...options.corsOrigins] : false });
  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      status: 429,
      code: "RateLimited",
      title: "Too Many Requests",
      detail: `more than ${context.max} requests in a minute; retry after ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Titlechain API",
        version: API_VERSION,
        description:
          "Copyright registry and licensing ledger: search works, read their chain of title with on-chain proofs, " +
          "verify files, upload to the content store. Every answer about the chain can be checked against any node.",
      },
      tags: [
        { name: "works", description: "search, detail and chain of title" },
        { name: "verify", description: "is this file registered?" },
        { name: "evidence", description: "evidence bundles: timestamped, signed, checkable against any node" },
        { name: "licences", description: "grants, an account's licences, and whether a use is permitted" },
        { name: "exchange", description: "bids on works, and what the contracts owe an account to withdraw" },
        {
          name: "relay",
          description: "gasless registration, commitment and reveal: the creator signs, the platform pays",
        },
        { name: "profiles", description: "creator profiles, signed by their accounts" },
        { name: "feeds", description: "Atom feeds of new works" },
        { name: "stats", description: "market statistics for charts" },
        { name: "audit", description: "every transfer, sale, licence, pledge and dispute, as JSON or CSV" },
        { name: "files", description: "content store uploads and the gateway" },
        { name: "metadata", description: "work metadata documents" },
        { name: "operations", description: "health and readiness" },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json["$id"] ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs", staticCSP: true });
  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  installMetrics(app, deps);
  await app.register(healthRoutes, { deps });
  await app.register(
    async (api) => {
      await api.register(worksRoutes, { deps });
      await api.register(titleRoutes, { deps });
      await api.register(evidenceRoutes, { deps, options });
      await api.register(auditRoutes, { deps });
      await api.register(licenceRoutes, { deps });
      await api.register(exchangeRoutes, { deps });
      await api.register(relayRoutes, { deps });
      await api.register(profileRoutes, { deps });
      await api.register(feedRoutes, { deps, options });
      await api.register(statsRoutes, { deps });
      await api.register(eventRoutes, { deps });
      await api.register(metadataRoutes, { deps });
      await api.register(verifyRoutes, { deps, options });
      await api.register(filesRoutes, { deps, options });
    },
    { prefix: "/api" },
  );
  // The web front end at / (a certificate's QR code opens its /verify/<sha256> page), under its own strict policy.
  await app.register(webRoutes, {
    chainRpcUrl: (deps.client?.transport as { url?: string } | undefined)?.url,
    dataPreloads: { "/works/:id": ({ id = "" }) => workPagePreloads(deps.db, deps.chain.chainId, id) },
  });
  // The gateway lives at /ipfs/<cid>, beside the API, as IPFS gateways do.
  await app.register(gatewayRoutes, { deps });
  return app;
}
