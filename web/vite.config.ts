// Builds the web front end into web/dist: React pages split by journey, core's validators precompiled (strict CSP).
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { precompiledAjv } from "./build/precompiled-ajv.ts";
import { precompress } from "./build/precompress.ts";

const server = process.env["TITLECHAIN_SERVER"] ?? "http://127.0.0.1:8080";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  plugins: [react(), precompiledAjv(), precompress(`${root}dist`)],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Nothing inlined as data: URLs (the CSP allows only the server's own files), no source maps shipped.
    assetsInlineLimit: 0,
    sourcemap: false,
    modulePreload: { polyfill: false },
    // For the server: which chunks each page imports, to name them in the page's Link header (server/api/web-preloads.ts).
    manifest: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1024,
  },
  // `npx vite web` during development: core, client and types live outside web/, the API at a running server.
  server: {
    fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] },
    proxy: { "/api": server, "/ipfs": server },
  },
});
