// Serves the built web front end (web/dist): its pages under a strict Content-Security-Policy, its hashed assets cached.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { pagePreloads } from "./web-preloads.ts";

export type WebOptions = {
  /** The built app; default: web/dist beside the server's source. */
  dir?: string;
  /** The chain node the server reads: the page may call it (evidence checks), and is told it when that is safe. */
  chainRpcUrl?: string | undefined;
  /**
   * What a page will ask the API for first, by page path (e.g. a work's detail and image for `/works/:id`), as Link
   * values: the browser asks while the page's code loads. Called with the path's parameters; [] when nothing is known.
   */
  dataPreloads?: Partial<Record<PagePath, (params: Record<string, string>) => Promise<string[]>>>;
};

export const DEFAULT_WEB_DIR = new URL("../../web/dist/", import.meta.url).pathname;

/**
 * The client routes of the app (web/src/App.tsx), each with the module of its page (null: it comes with the entry):
 * each answers with the page. Any other path that is not the API's answers a browser with the page too, but as 404,
 * and the app shows its own "page not found".
 */
const PAGES = {
  "/": null,
  "/verify": "src/verify/VerifyPage.tsx",
  "/verify/:sha256": "src/verify/VerifyPage.tsx",
  "/works/:id": "src/work/WorkPage.tsx",
  "/evidence": "src/evidence/EvidencePage.tsx",
  "/audit": "src/audit/AuditPage.tsx",
  "/register": "src/register/RegisterPage.tsx",
  "/licences": "src/licences/MyLicencesPage.tsx",
  "/creators/:account": "src/creator/CreatorPage.tsx",
  "/market": "src/market/MarketPage.tsx",
  "/earnings": "src/exchange/EarningsPage.tsx",
} as const;

export type PagePath = keyof typeof PAGES;

/** Paths that belong to the server, never to the app: an unknown one there is the API's 404. */
const SERVER_PREFIXES = ["/api/", "/ipfs/"];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

type Asset = {
  body: Buffer;
  /** The same bytes precompressed at build time (web/build/precompress.ts), when smaller. */
  br?: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
  /** Named by its content's hash (Vite's assets/): cached for a year, never revalidated. */
  immutable: boolean;
};

const etagOf = (bytes: Buffer) => `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(entry.parentPath, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every file of the build by its URL path, with its precompressed forms. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const all = new Set(filesUnder(dir));
  for (const file of all) {
    if (file.endsWith(".br") || file.endsWith(".gz")) continue;
    const urlPath = `/${relative(dir, file).split(sep).join("/")}`;
    const body = readFileSync(file);
    const asset: Asset = {
      body,
      type: TYPES[extname(file)] ?? "application/octet-stream",
      etag: etagOf(body),
      immutable: urlPath.startsWith("/assets/"),
    };
    if (all.has(`${file}.br`)) asset.br = readFileSync(`${file}.br`);
    if (all.has(`${file}.gz`)) asset.gzip = readFileSync(`${file}.gz`);
    assets.set(urlPath, asset);
  }
  return assets;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** The node's origin, for the policy (a path may hold an API key: never more than the origin), or null. */
function originOf(url: string | undefined): URL | null {
  if (url === undefined) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * The pages' policy: scripts, styles and fonts from this server only, images from it or made by the page (no inline script, no eval), calls to
 * this server and the chain node, nothing framed, no plugins, no base or form elsewhere, and DOM sinks closed to
 * strings (Trusted Types).
 */
export function contentSecurityPolicy(chainOrigin: string | null): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // A file chosen for registration is previewed from a blob: URL; wallets announce their icons as data: images.
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${chainOrigin ? ` ${chainOrigin}` : ""}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join("; ");
}

const escapeAttribute = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The page with the node's address filled in (or left empty), compressed here once as the build compresses files. */
function pageWith(index: Buffer, rpc: string): Asset {
  const html = index
    .toString("utf8")
    .replace(
      /<meta name="titlechain-chain-rpc" content="[^"]*"\s*\/?>/,
      `<meta name="titlechain-chain-rpc" content="${escapeAttribute(rpc)}" />`,
    );
  const body = Buffer.from(html);
  return {
    body,
    br: brotliCompressSync(body),
    gzip: gzipSync(body, { level: 9 }),
    type: TYPES[".html"] as string,
    etag: etagOf(body),
    immutable: false,
  };
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, status = 200) {
  reply.header("content-type", asset.type);
  reply.header("etag", asset.etag);
  reply.header("vary", "accept-encoding");
  reply.header("cache-control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (status === 200 && request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
  const accepted = String(request.headers["accept-encoding"] ?? "");
  const [encoding, body] =
    asset.br && /\bbr\b/.test(accepted)
      ? ["br", asset.br]
      : asset.gzip && /\bgzip\b/.test(accepted)
        ? ["gzip", asset.gzip]
        : [null, asset.body];
  if (encoding) reply.header("content-encoding", encoding);
  return reply.code(status).send(body);
}

/**
 * The web app at `/`: its pages (client routes, the certificate QR code's `/verify/<sha256>` among them) answer
 * with the app's page under a strict policy; `/assets/*` with files named by their hash, cached for a year; the API,
 * the gateway and the health routes keep their own. Without a build it answers that the web is not built.
 */
export const webRoutes: FastifyPluginAsync<WebOptions> = async (app, options) => {
  const dir = options.dir ?? DEFAULT_WEB_DIR;
  const hide = { schema: { hide: true } };
  if (!existsSync(join(dir, "index.html"))) {
    app.get("/", hide, async (_request, reply) =>
      reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(
          "The web front end is not built: run `npm run build:web`. The API is at /api (documented at /api/docs).\n",
        ),
    );
    return;
  }
  const assets = loadAssets(dir);
  // The build's manifest is for the server, not for browsers.
  assets.delete("/.vite/manifest.json");
  const preloads = pagePreloads(
    dir,
    Object.values(PAGES).filter((m) => m !== null),
  );
  const index = assets.get("/index.html") as Asset;
  assets.delete("/index.html");
  const node = originOf(options.chainRpcUrl);
  const policy = contentSecurityPolicy(node ? node.origin : null);
  // The node's address is given to the page only when it is the whole address (no path, query or credentials that
  // might be a key), and a loopback node only to a page opened on loopback (elsewhere it would name the reader's own
  // machine).
  const plain = node !== null && node.pathname === "/" && node.search === "" && node.username === "" && !node.password;
  const remotePage = pageWith(index.body, plain && !LOOPBACK.test(node.hostname) ? node.origin : "");
  const localPage = pageWith(index.body, plain ? node.origin : "");

  const page = (request: FastifyRequest, reply: FastifyReply, status = 200, links: string[] = []) => {
    reply.header("content-security-policy", policy);
    const all = [...preloads.catalogue(request.headers["accept-language"]), ...links];
    if (all.length > 0) reply.header("link", all.join(", "));
    reply.header("x-frame-options", "DENY");
    const local = LOOPBACK.test(request.hostname.replace(/:\d+$/, ""));
    return send(request, reply, local ? localPage : remotePage, status);
  };

  for (const [path, module] of Object.entries(PAGES) as [PagePath, string | null][]) {
    const data = options.dataPreloads?.[path];
    app.get(path, hide, async (request, reply) => {
      const links = [...preloads.code(module)];
      // The page never waits on a failing database: without its data links it is the same page.
      if (data) links.push(...(await data(request.params as Record<string, string>).catch(() => [])));
      return page(request, reply, 200, links);
    });
  }
  for (const [path, asset] of assets) {
    app.get(path, hide, async (request, reply) => send(request, reply, asset));
  }
  // Anything else: a browser asking for a page gets the app (which says "page not found") with a 404; an unknown
  // asset, API path or a program gets the API's problem document.
  app.get("/*", hide, async (request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const wantsPage = /\btext\/html\b/.test(String(request.headers.accept ?? ""));
    if (!wantsPage || path.startsWith("/assets/") || SERVER_PREFIXES.some((p) => path.startsWith(p))) {
      return reply.callNotFound();
    }
    return page(request, reply, 404);
  });
};
