// Client addresses behind a trusted reverse proxy, and problem documents that never echo long input.
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../server/api/app.ts";
import { type ApiDeps, defaultApiOptions } from "../../server/api/deps.ts";

/** The app with no database or chain behind it: only routes that need none are called. */
const app = (trustedProxies: string[]) =>
  buildApp({} as ApiDeps, { ...defaultApiOptions, rateLimitPerMinute: 2, trustedProxies });

/** The statuses of `GET /api/openapi.json` from `remoteAddress`, each naming the forwarded client given. */
async function statuses(server: FastifyInstance, remoteAddress: string, forwarded: (string | undefined)[]) {
  const out: number[] = [];
  for (const client of forwarded) {
    const res = await server.inject({
      method: "GET",
      url: "/api/openapi.json",
      remoteAddress,
      headers: client ? { "x-forwarded-for": client } : {},
    });
    out.push(res.statusCode);
  }
  return out;
}

describe("client addresses and proxies", () => {
  it("limits each client behind a trusted proxy by the address the proxy forwards", async () => {
    const server = await app(["10.0.0.0/8"]);
    try {
      const a = "198.51.100.9";
      const b = "203.0.113.4";
      expect(await statuses(server, "10.1.2.3", [a, a, a])).to.deep.equal([200, 200, 429]);
      expect(await statuses(server, "10.1.2.3", [b])).to.deep.equal([200]);
    } finally {
      await server.close();
    }
  });

  it("ignores X-Forwarded-For from anyone not trusted: a client cannot choose its own address", async () => {
    for (const trusted of [[], ["10.0.0.0/8"]]) {
      const server = await app(trusted);
      try {
        const forged = ["198.51.100.1", "198.51.100.2", "198.51.100.3"];
        expect(await statuses(server, "192.0.2.50", forged)).to.deep.equal([200, 200, 429]);
      } finally {
        await server.close();
      }
    }
  });

  it("names an unknown path in a 404 problem cut to 200 characters", async () => {
    const server = await app([]);
    try {
      const res = await server.inject({ method: "GET", url: `/api/${"x".repeat(5000)}` });
      expect(res.statusCode).to.equal(404);
      const detail = (res.json() as { detail: string }).detail;
      expect(detail.length).to.be.lessThan(230);
      expect(detail).to.match(/^no route GET \/api\/x+…$/);
    } finally {
      await server.close();
    }
  });
});
