// Property-based fuzzing of every route: thousands of malformed requests, never a 5xx, nothing written, still serving.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import type { FastifyInstance, InjectOptions } from "fastify";
import { buildApp } from "../../server/api/app.ts";
import { defaultApiOptions } from "../../server/api/deps.ts";
import { EmbeddedContentStore } from "../../server/content/embedded-store.ts";
import type { Database } from "../../server/db/database.ts";
import { migrate } from "../../server/db/migrate.ts";
import { pgliteBackend } from "../db/backends.ts";

const RUNS = 6000;
const LIMIT = 64 * 1024;

/** Strings that have broken servers: injections, traversal, encodings, control characters, huge and odd numbers. */
const NASTY = [
  "' or 1=1 --",
  "'; drop table works; --",
  "\u0000",
  "%00",
  "..%2F..%2Fetc%2Fpasswd",
  "../../etc/passwd",
  "%2e%2e%2f",
  "<script>alert(1)</script>",
  "{{7*7}}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style injection string, sent as text
  "${jndi:ldap://x}",
  "%ff%fe%fd",
  "%ED%A0%80",
  "\u202e\u202d",
  "NaN",
  "-1",
  "1e308",
  "99999999999999999999999999999999999999999999999999999999999999999999999999999999",
  "0x",
  `0x${"g".repeat(64)}`,
  "true",
  "[]",
  "{}",
  "null",
  "__proto__",
  "constructor",
  "x".repeat(5000),
];

const nasty = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 50, unit: "grapheme" }),
  fc.string({ maxLength: 30, unit: "binary" }),
  fc.string({ minLength: 200, maxLength: 3000 }),
);

/** A path segment or query value: URL-encoded text, or raw percent-escapes (including invalid UTF-8). */
const segment = fc.oneof(
  nasty.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "?"))),
  fc
    .uint8Array({ maxLength: 12 })
    .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("")),
);

const ROUTES = [
  "/api/works",
  "/api/works/{}",
  "/api/works/{}/title",
  "/api/works/{}/grants",
  "/api/accounts/{}/licences",
  "/api/permits",
  "/api/audit",
  "/api/audit.csv",
  "/api/verify/{}",
  "/api/metadata/{}",
  "/ipfs/{}",
  "/health",
  "/ready",
  "/api/openapi.json",
  "/api/relay/register",
  "/api/relay/commit",
  "/api/relay/reveal",
  "/api/relay/requests/{}",
  "/api/profiles/{}",
  "/api/feeds/works.atom",
  "/api/stats",
  "/metrics",
];
const QUERY_KEYS = [
  "q",
  "creator",
  "technique",
  "region",
  "registeredFrom",
  "registeredTo",
  "licensableNow",
  "priceMin",
  "priceMax",
  "currency",
  "hasDerivatives",
  "sort",
  "cursor",
  "limit",
  "after",
  "kinds",
  "work",
  "account",
  "from",
  "to",
  "uses",
  "country",
  "fields",
  "at",
  "by",
  "__proto__",
];

const getRequest: fc.Arbitrary<InjectOptions> = fc
  .record({
    route: fc.constantFrom(...ROUTES),
    id: segment,
    query: fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), segment), { maxLength: 5 }),
    range: fc.option(
      fc.oneof(fc.constantFrom("bytes=0-", "bytes=-0", "bytes=5-1", "bytes=a-b", "bytes=0-1,2-3"), nasty),
    ),
    method: fc.constantFrom("GET", "HEAD", "DELETE", "PUT", "OPTIONS"),
  })
  .map(({ route, id, query, range, method }) => ({
    method: method as "GET" | "HEAD" | "DELETE" | "PUT" | "OPTIONS",
    url: `${route.replace("{}", id)}${query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join("&")}` : ""}`,
    headers: range === null ? {} : { range: range.replace(/[^\x20-\x7e]/g, "?") },
  }));

/** Bodies that must never be stored: metadata that is not valid, and uploads over the limit. */
const postRequest: fc.Arbitrary<InjectOptions> = fc.oneof(
  fc
    .record({
      body: fc.oneof(
        fc.json().map((j) => j),
        nasty,
        fc.object().map((o) => JSON.stringify(o)),
        fc.constantFrom("{", '{"name":', '{"name":"\uD800"}', "[1,2", '"\\u0000"', '{"__proto__":{"x":1}}'),
      ),
      type: fc.constantFrom("application/json", "text/plain", "application/xml", "multipart/form-data; boundary=x", ""),
    })
    .map(({ body, type }) => ({
      method: "POST" as const,
      url: "/api/metadata",
      headers: type ? { "content-type": type } : {},
      payload: body,
    })),
  fc
    .record({
      extra: fc.integer({ min: 1, max: 4096 }),
      type: fc.constantFrom("image/png", "text/html", "", "x/y"),
      url: fc.constantFrom("/api/files", "/api/verify"),
    })
    .map(({ extra, type, url }) => ({
      method: "POST" as const,
      url,
      headers: type ? { "content-type": type } : {},
      payload: Buffer.alloc(LIMIT + extra, 7),
    })),
  fc.record({ route: fc.constantFrom(...ROUTES), body: nasty }).map(({ route, body }) => ({
    method: "POST" as const,
    url: route.replace("{}", "x"),
    headers: { "content-type": "application/json" },
    payload: body,
  })),
);

describe("the API under malformed requests (fast-check)", function () {
  this.timeout(300_000);
  const backend = pgliteBackend();
  let db: Database;
  let store: EmbeddedContentStore;
  let app: FastifyInstance;
  let dir: string;

  before(async () => {
    db = await backend.open();
    await migrate(db);
    await db.query(
      "insert into works (chain_id, work_id, content_hash, creator, owner, registered_at, recorded_at, royalty_receiver, " +
        "royalty_bps, metadata_cid, block_number, name, search_text) values (31337, 1, '0x01', '0xa', '0xa', now(), " +
        "now(), '0xa', 0, 'b', 1, '羌绣', '羌绣 Qiang embroidery')",
    );
    dir = await mkdtemp(join(tmpdir(), "titlechain-fuzz-"));
    store = await EmbeddedContentStore.open({ dir, maxFileSize: LIMIT });
    const chain = {
      chainId: 31337,
      registry: "0x0000000000000000000000000000000000000001",
      ledger: "0x0000000000000000000000000000000000000002",
      exchange: "0x0000000000000000000000000000000000000003",
    } as const;
    app = await buildApp(
      { db, store, chain },
      { ...defaultApiOptions, maxUploadBytes: LIMIT, rateLimitPerMinute: 1_000_000 },
    );
  });

  after(async () => {
    await app?.close();
    await store?.close();
    await db?.close();
    await backend.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`answers ${RUNS} malformed requests over every route with 4xx (never 5xx), writes nothing, and keeps serving`, async () => {
    const counts = async () =>
      (
        await db.query<{ n: string }>(
          "select (select count(*) from works) + (select count(*) from chain_transactions) as n",
        )
      )[0]?.n;
    const rowsBefore = await counts();
    const packsBefore = store.blocks.packs().length;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: getRequest }, { weight: 1, arbitrary: postRequest }),
        async (request) => {
          const res = await app.inject(request);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          // /ready says 503 on purpose: no indexer runs beside this app.
          const ready = request.url === "/ready" || request.url?.toString().startsWith("/ready?");
          if (res.statusCode >= 500 && !(ready && res.statusCode === 503))
            throw new Error(`${request.method} ${request.url}: ${res.statusCode} ${res.body}`);
          if (res.statusCode >= 400 && res.statusCode !== 405) {
            expect(res.body).not.to.match(/ at .*\.(ts|js):\d|node_modules|select .* from/i);
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(await counts(), "database rows").to.equal(rowsBefore);
    expect(store.blocks.packs().length, "stored files").to.equal(packsBefore);
    expect((await app.inject({ method: "GET", url: "/api/works/1" })).statusCode).to.equal(200);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).to.be.at.least(RUNS);
  });
});
