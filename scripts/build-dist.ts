/**
 * Compiles the parts that run as long-lived processes (the server and its benchmark) to JavaScript in `dist/`, with
 * what they load at run time beside them: the migrations, and the generated ABIs and bytecodes (JavaScript already,
 * which the compiler only reads the declarations of). Run by `npm run build`; `dist/` is git-ignored.
 *
 * Why not run the TypeScript directly, as the tests do: Node's type stripper is a WebAssembly module that stays in
 * the process once it has stripped a file (about 15 MB, more after a large file), and a server's memory is a promise
 * to its users (the indexer's benchmark holds it to 300 MB). Type-checking is `npm run typecheck`'s job; this only
 * emits (`noCheck`).
 */
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("../", import.meta.url);
const dist = new URL("dist/", root);
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", new URL("tsconfig.build.json", root).pathname], { stdio: "inherit" });
cpSync(new URL("server/db/migrations/", root), new URL("server/db/migrations/", dist), { recursive: true });
cpSync(new URL("types/abi/", root), new URL("types/abi/", dist), {
  recursive: true,
  filter: (f) => !f.endsWith(".d.ts"),
});
console.log("dist/: the server and its benchmark compiled to JavaScript");
