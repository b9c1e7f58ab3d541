/**
 * A new PGlite cluster, as a gzip-compressed tarball (about 4 MB), made once per machine by a short-lived process. Creating a PGlite database runs
 * `initdb` inside the process that asks for it, and the memory that takes stays with that process (a fresh database
 * opened at about 650 MB of RSS, one restored from this snapshot at about 290 MB); the snapshot is made by a child
 * process that then exits, and every new database starts from it. Cached in the system's temporary directory, keyed
 * by the PGlite version and the settings; made again whenever it is missing.
 *
 * Run as a script (`node pglite-template.ts OUT`), it writes the snapshot to OUT.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";

/**
 * PGlite's settings. PostgreSQL's default 128 MB of shared buffers is sized for a server that owns its machine; the
 * embedded database shares a process with the API and the indexer, and the indexer's writes are the same speed with
 * 16 MB (measured with `npm run bench:indexer`), so the smaller pool leaves the memory to the rest of the process.
 */
const PGLITE_SETTINGS = "shared_buffers = 16MB\nwal_buffers = 1MB";

/** The options every PGlite database is created with. */
export const pgliteOptions: PGliteOptions = { extensions: { pg_trgm }, postgresqlconf: PGLITE_SETTINGS };

/** The path of the snapshot for `options` (the options every Titlechain PGlite is created with), made if needed. */
export async function pgliteTemplate(options: PGliteOptions): Promise<string> {
  const path = await templatePath(options);
  if (!existsSync(path)) await makeInChild(path);
  return path;
}

/** The snapshot at `path` as PGlite loads it (`loadDataDir`). */
export async function readTemplate(path: string): Promise<Blob> {
  return new Blob([await readFile(path)], { type: "application/gzip" });
}

async function templatePath(options: PGliteOptions): Promise<string> {
  const manifest = new URL("../package.json", import.meta.resolve("@electric-sql/pglite"));
  const { version } = JSON.parse(await readFile(manifest, "utf8")) as { version: string };
  const key = createHash("sha256")
    .update(
      JSON.stringify({
        version,
        conf: options.postgresqlconf ?? "",
        extensions: Object.keys(options.extensions ?? {}),
      }),
    )
    .digest("hex")
    .slice(0, 16);
  return join(tmpdir(), `titlechain-pglite-${version}-${key}.tar.gz`);
}

function makeInChild(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), path], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`making the PGlite snapshot failed (${code}): ${err.slice(-2000)}`)),
    );
  });
}

/** Makes the snapshot in this process and writes it to `path` whole (a temporary file renamed into place). */
async function make(path: string): Promise<void> {
  const db = await PGlite.create(pgliteOptions);
  const dump = await db.dumpDataDir("gzip");
  await db.close();
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, Buffer.from(await dump.arrayBuffer()));
  await rename(temporary, path);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) throw new Error("usage: pglite-template.ts OUT");
  await make(out);
}
