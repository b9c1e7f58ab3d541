// The web plugin on its own: which paths get the page, the policy, the node's address, caching and encodings.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";
import { installErrorHandler } from "../../server/api/errors.ts";
import { contentSecurityPolicy, type WebOptions, webRoutes } from "../../server/api/web.ts";
import { acceptedLanguages } from "../../server/api/web-preloads.ts";

const INDEX = `<!doctype html><html><head><meta name="titlechain-chain-rpc" content="" /></head><body></body></html>`;

describe("the web plugin", () => {
  let dir: string;
  const apps: FastifyInstance[] = [];

  const appWith = async (chainRpcUrl?: string, webDir = dir, more: WebOptions = {}) => {
    const app = Fastify();
    installErrorHandler(app);
    app.get("/api/works", async () => ({ works: [] }));
    await app.register(webRoutes, { dir: webDir, chainRpcUrl, ...more });
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

  describe("a page's Link header", () => {
    let built: string;
    // A build's manifest as Vite writes it: the entry, shared chunks, each page's chunk and the two catalogues.
    const PAGE_MODULES = [
      "src/verify/VerifyPage.tsx",
      "src/work/WorkPage.tsx",
      "src/evidence/EvidencePage.tsx",
      "src/audit/AuditPage.tsx",
      "src/register/RegisterPage.tsx",
      "src/licences/MyLicencesPage.tsx",
      "src/creator/CreatorPage.tsx",
      "src/market/MarketPage.tsx",
      "src/exchange/EarningsPage.tsx",
    ];
    const manifest = (pages: string[]) => ({
      "index.html": { file: "assets/index-e.js", isEntry: true, imports: ["_react.js"], css: ["assets/index-e.css"] },
      "_react.js": { file: "assets/react-r.js" },
      "_image.js": { file: "assets/image-i.js", imports: ["_react.js"] },
      "src/i18n/en.json": { file: "assets/en-1.js", isDynamicEntry: true },
      "src/i18n/zh.json": { file: "assets/zh-2.js", isDynamicEntry: true },
      ...Object.fromEntries(
        pages.map((m) => [
          m,
          { file: `assets/${m.split("/").pop()}.js`, imports: ["_react.js", "_image.js"], css: ["assets/p.css"] },
        ]),
      ),
    });

    before(async () => {
      built = await mkdtemp(join(tmpdir(), "titlechain-webdist-"));
      await mkdir(join(built, ".vite"), { recursive: true });
      await writeFile(join(built, "index.html"), INDEX);
      await writeFile(join(built, ".vite", "manifest.json"), JSON.stringify(manifest(PAGE_MODULES)));
    });
    after(() => rm(built, { recursive: true, force: true }));

    it("names the page's own chunks (not the entry's), its language's catalogue and the data its page asks for", async () => {
      const asked: Record<string, string>[] = [];
      const app = await appWith(undefined, built, {
        dataPreloads: {
          "/works/:id": async (params) => {
            asked.push(params);
            return ["</api/works/7>; rel=preload; as=fetch; crossorigin"];
          },
        },
      });
      const work = await app.inject({ url: "/works/7", headers: { "accept-language": "en-GB,zh;q=0.8" } });
      expect(work.headers["link"]).to.equal(
        [
          "</assets/en-1.js>; rel=modulepreload",
          "</assets/WorkPage.tsx.js>; rel=modulepreload",
          "</assets/image-i.js>; rel=modulepreload",
          "</assets/p.css>; rel=preload; as=style; crossorigin",
          "</api/works/7>; rel=preload; as=fetch; crossorigin",
        ].join(", "),
      );
      expect(asked).to.deep.equal([{ id: "7" }]);
      // The browser's preferred language, by weight; the first page's code comes with the entry.
      const home = await app.inject({ url: "/", headers: { "accept-language": "fr;q=1, zh-TW;q=0.9, en;q=0.5" } });
      expect(home.headers["link"]).to.equal("</assets/zh-2.js>; rel=modulepreload");
      expect((await app.inject({ url: "/market" })).headers["link"]).to.contain("</assets/en-1.js>");
      expect((await app.inject({ url: "/market" })).headers["link"]).to.contain("</assets/MarketPage.tsx.js>");
      // The manifest is the server's, not a page's.
      expect((await app.inject({ url: "/.vite/manifest.json" })).statusCode).to.equal(404);
    });

    it("still answers with the page when the data's links fail (the database away)", async () => {
      const app = await appWith(undefined, built, {
        dataPreloads: { "/works/:id": () => Promise.reject(new Error("database unavailable")) },
      });
      const work = await app.inject({ url: "/works/7" });
      expect(work.statusCode).to.equal(200);
      expect(work.headers["link"]).to.not.contain("/api/works/7");
    });

    it("refuses to start on a build whose manifest lacks a page the server names", async () => {
      const stale = await mkdtemp(join(tmpdir(), "titlechain-webdist-"));
      await mkdir(join(stale, ".vite"));
      await writeFile(join(stale, "index.html"), INDEX);
      await writeFile(
        join(stale, ".vite", "manifest.json"),
        JSON.stringify(manifest(PAGE_MODULES.filter((m) => !m.includes("Market")))),
      );
      try {
        let error: unknown;
        await appWith(undefined, stale).catch((e: unknown) => {
          error = e;
        });
        expect(String(error)).to.contain("src/market/MarketPage.tsx");
      } finally {
        await rm(stale, { recursive: true, force: true });
      }
    });

    it("reads Accept-Language by weight, refusing a weight of 0", () => {
      expect(acceptedLanguages("en;q=0.2, zh-CN, de;q=0.5, fr;q=0")).to.deep.equal(["zh-CN", "de", "en"]);
      expect(acceptedLanguages(undefined)).to.deep.equal([]);
      expect(acceptedLanguages(" , ;q=1")).to.deep.equal([]);
    });
  });
});
