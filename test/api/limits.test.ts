// The API's guards that need no chain or database: the CORS allow-list, security headers, body limits, and 5xx answers
// that say nothing of the server's insides.
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../server/api/app.ts";
import { type ApiDeps, defaultApiOptions } from "../../server/api/deps.ts";
import { MAX_METADATA_BYTES } from "../../server/content/metadata-io.ts";

const ALLOWED = "https://exchange.example";

describe("the API's guards", () => {
  let app: FastifyInstance;
  // No database, store or chain behind it: a route that needs one fails inside, as it would if one broke.
  before(async () => {
    app = await buildApp({} as ApiDeps, { ...defaultApiOptions, corsOrigins: [ALLOWED] });
  });
  after(() => app.close());

  it("lets only the allowed origins read answers across origins, and answers their preflight", async () => {
    const allowed = await app.inject({ url: "/api/openapi.json", headers: { origin: ALLOWED } });
    expect(allowed.headers["access-control-allow-origin"]).to.equal(ALLOWED);
    const other = await app.inject({ url: "/api/openapi.json", headers: { origin: "https://evil.example" } });
    expect(other.statusCode).to.equal(200);
    expect(other.headers["access-control-allow-origin"]).to.equal(undefined);
    const preflight = await app.inject({
      method: "OPTIONS",
      url: "/api/relay/register",
      headers: { origin: ALLOWED, "access-control-request-method": "POST" },
    });
    expect(preflight.statusCode).to.equal(204);
    expect(preflight.headers["access-control-allow-origin"]).to.equal(ALLOWED);
    const refused = await app.inject({
      method: "OPTIONS",
      url: "/api/relay/register",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(refused.headers["access-control-allow-origin"]).to.equal(undefined);
  });

  it("sets the security headers on API answers, problems included", async () => {
    for (const url of ["/api/openapi.json", "/api/no-such-route"]) {
      const answer = await app.inject({ url });
      expect(answer.headers["x-content-type-options"], url).to.equal("nosniff");
      expect(answer.headers["x-frame-options"], url).to.equal("SAMEORIGIN");
      expect(answer.headers["strict-transport-security"], url).to.match(/max-age=\d+/);
      expect(answer.headers["content-security-policy"], url).to.contain("default-src 'self'");
      expect(answer.headers["content-security-policy"], url).to.contain("script-src 'self'");
      expect(answer.headers["x-powered-by"], url).to.equal(undefined);
    }
  });

  it("refuses a JSON body over 1 MiB, and metadata over its 64 KiB, with 413 before any route runs", async () => {
    const big = JSON.stringify({ creator: "0x", padding: "x".repeat(1024 * 1024) });
    const relay = await app.inject({
      method: "POST",
      url: "/api/relay/register",
      headers: { "content-type": "application/json" },
      payload: big,
    });
    expect(relay.statusCode).to.equal(413);
    expect(relay.headers["content-type"]).to.match(/application\/problem\+json/);
    const metadata = await app.inject({
      method: "POST",
      url: "/api/metadata",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ name: "x".repeat(MAX_METADATA_BYTES) }),
    });
    expect(metadata.statusCode).to.equal(413);
    // Just under the limit, the document reaches the route (and is judged on its content: 422, not 413).
    const small = await app.inject({
      method: "POST",
      url: "/api/metadata",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ name: "x".repeat(MAX_METADATA_BYTES - 100) }),
    });
    expect(small.statusCode).to.equal(422);
  });

  it("answers a failure inside with 500 and a problem that names no error, code path, query or file", async () => {
    for (const url of ["/api/works/1", "/api/works/1/title", "/api/stats"]) {
      const failed = await app.inject({ url });
      expect(failed.statusCode, url).to.equal(500);
      expect(failed.json(), url).to.deep.equal({
        status: 500,
        code: "Internal",
        title: "Internal Server Error",
        detail: "the request failed; see the logs",
      });
      expect(failed.body, url).to.not.match(/TypeError|undefined|\.ts|\/work\/|select |at /);
    }
  });
});
