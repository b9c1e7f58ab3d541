// The web plugin on its own: which paths get the page, the policy, the node's address, caching and encodings.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";
import { installErrorHandler } from "../../server/api/errors.ts";
import { contentSecurityPolicy, webRoutes } from "../../server/api/web.ts";

const INDEX = `<!doctype html><html><head><meta name="titlechain-chain-rpc" content="" /></head><body></body></html>`;

describe("the web plugin", () => {
  let dir: string;
  const apps: FastifyInstance[] = [];

  const appWith = async (chainRpcUrl?: string, webDir = dir) => {
    const app = Fastify();
    installErrorHandler(app);
    app.get("/api/works", async () => ({ works: [] }));
    await app.register(webRoutes, { dir: webDir, chainRpcUrl });
    apps.push(app);
    return app;
  };
  const metaOf = (html: string) => /name="titlechain-chain-rpc" content="([^"]*)"/.exec(html)?.[1];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "titlechain-webdist-"));
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), INDEX);
    await writeFile(join(dir, "assets", "index-abc123.js"), "console.log('app');".repeat(50));
    await writeFile(join(dir, "assets", "index-abc123.js.br"), brotliCompressSync("console.log('app');".repeat(50)));
    await writeFile(join(dir, "favicon.svg"), "<svg/>");
  });

  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it("answers each client route with the page, under the strict policy, revalidated on every visit", async () => {
    const app = await appWith("http://127.0.0.1:8545");
    for (const url of ["/", "/verify", `/verify/0x${"ab".repeat(32)}`, "/works/123", "/evidence?work=1"]) {
      const page = await app.inject({ url });
      expect(page.statusCode, url).to.equal(200);
      expect(page.headers["content-type"]).to.equal("text/html; charset=utf-8");
      expect(page.headers["cache-control"]).to.equal("no-cache");
      expect(page.headers["content-security-policy"]).to.equal(contentSecurityPolicy("http://127.0.0.1:8545"));
      expect(page.headers["x-frame-options"]).to.equal("DENY");
    }
    const policy = contentSecurityPolicy(null);
    expect(policy).to.contain("default-src 'none'");
    expect(policy).to.contain("script-src 'self';");
    expect(policy).to.contain("connect-src 'self';");
    expect(policy).to.contain("require-trusted-types-for 'script'");
    expect(policy).to.not.match(/unsafe|\*|https?:/);
  });

  it("caches hashed assets for a year, sends Brotli (assets and page) when asked, and answers 304 to a known ETag", async () => {
    const app = await appWith();
    const plain = await app.inject({ url: "/assets/index-abc123.js" });
    expect(plain.headers["cache-control"]).to.equal("public, max-age=31536000, immutable");
    expect(plain.headers["content-encoding"]).to.equal(undefined);
    expect(plain.body).to.contain("console.log");
    const br = await app.inject({ url: "/assets/index-abc123.js", headers: { "accept-encoding": "gzip, br" } });
    expect(br.headers["content-encoding"]).to.equal("br");
    expect(br.headers["vary"]).to.equal("accept-encoding");
    const again = await app.inject({
      url: "/assets/index-abc123.js",
      headers: { "if-none-match": plain.headers["etag"] as string },
    });
    expect(again.statusCode).to.equal(304);
    expect((await app.inject({ url: "/favicon.svg" })).headers["cache-control"]).to.equal("no-cache");
    // The page too (its node's address filled in, so not the build's copy).
    const page = await app.inject({ url: "/verify", headers: { "accept-encoding": "gzip, br" } });
    expect(page.headers["content-encoding"]).to.equal("br");
    expect(page.rawPayload.length).to.be.below(Buffer.byteLength(INDEX));
  });

  it("leaves the API its own routes and 404s; an unknown page is the app's 404 for a browser only", async () => {
    const app = await appWith();
    expect((await app.inject({ url: "/api/works" })).json()).to.deep.equal({ works: [] });
    for (const url of ["/api/nothing", "/ipfs/x", "/assets/gone.js"]) {
      const missing = await app.inject({ url, headers: { accept: "text/html" } });
      expect(missing.statusCode, url).to.equal(404);
      expect(missing.headers["content-type"], url).to.match(/application\/problem\+json/);
    }
    const page = await app.inject({ url: "/no/such/page", headers: { accept: "text/html,*/*" } });
    expect(page.statusCode).to.equal(404);
    expect(page.headers["content-type"]).to.equal("text/html; charset=utf-8");
    const program = await app.inject({ url: "/no/such/page" });
    expect(program.headers["content-type"]).to.match(/application\/problem\+json/);
  });

  it("names the node to the page only when its address is whole, and a loopback node only on loopback", async () => {
    const local = await appWith("http://127.0.0.1:8545");
    expect(metaOf((await local.inject({ url: "/", headers: { host: "127.0.0.1:8080" } })).body)).to.equal(
      "http://127.0.0.1:8545",
    );
    expect(metaOf((await local.inject({ url: "/", headers: { host: "titlechain.example" } })).body)).to.equal("");
    const remote = await appWith("https://rpc.example:8545");
    expect(metaOf((await remote.inject({ url: "/", headers: { host: "titlechain.example" } })).body)).to.equal(
      "https://rpc.example:8545",
    );
    // A key in the path or the query is never shown; the policy names the origin only.
    const keyed = await appWith("https://rpc.example/v3/secret-key?token=also-secret");
    const page = await keyed.inject({ url: "/", headers: { host: "titlechain.example" } });
    expect(metaOf(page.body)).to.equal("");
    expect(page.headers["content-security-policy"]).to.contain("connect-src 'self' https://rpc.example;");
    expect(JSON.stringify(page.headers) + page.body).to.not.contain("secret");
  });

  it("says the web is not built when web/dist is missing, and the API still answers", async () => {
    const app = await appWith(undefined, join(dir, "missing"));
    const home = await app.inject({ url: "/" });
    expect(home.statusCode).to.equal(503);
    expect(home.body).to.contain("npm run build:web");
    expect((await app.inject({ url: "/api/works" })).statusCode).to.equal(200);
  });
});
