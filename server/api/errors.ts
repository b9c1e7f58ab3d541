// The API's errors: one problem document (RFC 9457) for every failure, naming the field at fault, never leaking internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ContentError } from "../content/index.ts";
import { SearchError } from "../indexer/search.ts";
import { RELAY_REFUSAL_CODES, RelayRefused, RelayUnavailable } from "../relayer/requests.ts";

/**
 * Every code a problem document of the API can carry, in one list: `ApiError`, the mappings below and the relay's
 * refusals are typed against it, and the web's test checks that each has a sentence in both languages.
 */
export const API_ERROR_CODES = [
  // the request
  "BadRequest",
  "InvalidField",
  "InvalidFile",
  "InvalidCid",
  "InvalidRange",
  "InvalidMetadata",
  "BatchLengthMismatch",
  "UnsupportedMediaType",
  "TooLarge",
  "Stale",
  // what was asked for
  "NotFound",
  "NotAFile",
  "EvidenceDoesNotHold",
  // the relay (InvalidSignature also for a profile's signature)
  ...RELAY_REFUSAL_CODES,
  "NoRelayer",
  // the server and what it depends on
  "RateLimited",
  "ChainUnavailable",
  "NoNode",
  "TimestampUnavailable",
  "DatabaseUnavailable",
  "StorageFull",
  "ContentCorrupt",
  "Internal",
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

const isApiErrorCode = (code: unknown): code is ApiErrorCode =>
  typeof code === "string" && (API_ERROR_CODES as readonly string[]).includes(code);

/** A refusal the API gives on purpose: a status, a stable code, a sentence, and the field at fault when one is. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: ApiErrorCode,
    message: string,
    field?: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.headers = headers;
  }
}

export const notFound = (what: string) => new ApiError(404, "NotFound", `${what} not found`);

/** `text` cut to `max` characters, marked with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

const CONTENT_STATUS: Record<ContentError["code"], [number, ApiErrorCode]> = {
  NotFound: [404, "NotFound"],
  Corrupt: [502, "ContentCorrupt"],
  TooLarge: [413, "TooLarge"],
  InvalidCid: [400, "InvalidCid"],
  NotAFile: [404, "NotAFile"],
  InvalidRange: [416, "InvalidRange"],
};

/** The problem document every error response carries. */
export type Problem = {
  status: number;
  code: ApiErrorCode;
  title: string;
  detail: string;
  field?: string;
  requestId?: string;
};

const TITLES: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  406: "Not Acceptable",
  411: "Length Required",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Fastify's refusals with a code of their own in the API; any other (bad JSON, a bad URL...) is `BadRequest`. */
const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "TooLarge",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UnsupportedMediaType",
};

type Answer = Problem & { headers?: Record<string, string> };

/** A problem document titled by its status; `field`, `requestId` and `headers` only when given. */
function problem(
  status: number,
  code: ApiErrorCode,
  detail: string,
  more: { field?: string | undefined; requestId?: string | undefined; headers?: Record<string, string> } = {},
): Answer {
  const { field, requestId, headers } = more;
  return {
    status,
    code,
    title: TITLES[status] ?? "Error",
    detail,
    ...(field ? { field } : {}),
    ...(requestId ? { requestId } : {}),
    ...(headers ? { headers } : {}),
  };
}

function problemOf(error: unknown): Answer {
  if (error instanceof ApiError) {
    return problem(error.status, error.code, error.message, { field: error.field, headers: error.headers });
  }
  if (error instanceof SearchError) return problem(400, "InvalidField", error.message, { field: error.field });
  if (error instanceof RelayRefused) {
    const status =
      error.code === "QuotaExceeded"
        ? 429
        : error.code === "RelayBusy"
          ? 503
          : error.code === "AlreadyPending"
            ? 409
            : 422;
    return problem(status, error.code, error.message, {
      field: error.field,
      requestId: error.requestId,
      ...(status === 429 || status === 503 ? { headers: { "retry-after": "3600" } } : {}),
    });
  }
  if (error instanceof RelayUnavailable) {
    return problem(503, "ChainUnavailable", "the chain did not answer; try again shortly", {
      headers: { "retry-after": "5" },
    });
  }
  const unavailable = storageFailureOf(error);
  if (unavailable) return unavailable;
  if (error instanceof ContentError) {
    const [status, code] = CONTENT_STATUS[error.code];
    return problem(status, code, error.message);
  }
  const e = error as FastifyError & { validationContext?: string };
  if (e.validation) {
    const [first] = e.validation;
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
    const path = [e.validationContext ?? "request", ...(first?.instancePath ?? "").split("/").filter(Boolean)];
    if (missing) path.push(missing);
    if (extra) path.push(extra);
    const field = path.join(".");
    const detail = extra ? `${field} is not a known field` : `${field} ${first?.message ?? "is invalid"}`;
    return problem(400, "InvalidField", detail, { field });
  }
  const status = typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  if (status < 500) {
    // Fastify's own refusals (body too large, bad JSON, unsupported media type): their messages name no internals.
    // A plugin's code of the list (RateLimited) stays; Fastify's own become the API's.
    const code = isApiErrorCode(e.code) ? e.code : (FASTIFY_CODES[e.code ?? ""] ?? "BadRequest");
    return problem(status, code, e.message);
  }
  return problem(500, "Internal", "the request failed; see the logs");
}

/** Error codes of the disk being full or read-only (the content store or PGlite's files could not be written). */
const DISK_FULL = new Set(["ENOSPC", "EDQUOT", "EROFS"]);
/** PostgreSQL's connection failures and shutdowns (SQLSTATE class 08, 57P01–57P03) and the driver's own. */
const DATABASE_GONE = /^(08...|57P0[123])$|^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/;

/**
 * A request that failed because the database or the disk is away: 503 with Retry-After (nothing was half-written:
 * every write is one transaction, or a file renamed into place once whole), so clients come back when it returns.
 */
function storageFailureOf(error: unknown): Answer | null {
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    depth++
  ) {
    const code = typeof e.code === "string" ? e.code : "";
    if (DISK_FULL.has(code)) {
      return problem(503, "StorageFull", "the server's disk is full; nothing was stored: try again later", {
        headers: { "retry-after": "60" },
      });
    }
    const message = typeof e.message === "string" ? e.message : "";
    if (DATABASE_GONE.test(code) || /Connection terminated|connection error|the database system is/i.test(message)) {
      return problem(
        503,
        "DatabaseUnavailable",
        "the database does not answer; nothing was written: try again shortly",
        {
          headers: { "retry-after": "5" },
        },
      );
    }
    e = e.cause as typeof e;
  }
  return null;
}

/** Sends every error as a problem document; 5xx details go to the log only. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { headers, ...problem } = problemOf(error);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ code: problem.code, field: problem.field }, problem.detail);
    if (problem.status === 429 && !reply.getHeader("retry-after")) reply.header("retry-after", "60");
    reply.headers(headers ?? {});
    return reply.code(problem.status).type("application/problem+json").send(problem);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(404)
      .type("application/problem+json")
      // The path as asked, cut short: a problem document never echoes kilobytes of a caller's input.
      .send(problem(404, "NotFound", `no route ${request.method} ${truncate(request.url.split("?")[0] ?? "", 200)}`)),
  );
}
