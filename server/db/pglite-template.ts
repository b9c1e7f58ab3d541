/**
 * A new PGlite cluster's data directory, made once per machine by a short-lived process and copied for every new
 * database. Creating a PGlite database runs `initdb` inside the process that asks for it, and the memory that takes
 * stays with that process (a fresh database opened at about 650 MB of RSS). Restoring PGlite's own gzip-compressed
 * dump (`loadDataDir`) still costs about 120 MB that stay (the tarball unpacked in memory, then written out), while
 * PGlite opening a copied directory from disk stays at about 180 MB, so the template is a plain directory.
 *
 * Cached in the system's temporary directory, keyed by the PGlite version and the settings. Its manifest lists every
 * file and its size; a template whose manifest is missing, or whose files no longer match it (a temporary-file cleaner
 * may have removed some), is made again.
 *
 * Run as a script (`node pglite-template.ts OUT`), it makes the template in the directory OUT.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { PGliteOptions } from "@electric-sql/pglite";
import { pgliteOptions } from "./pglite-options.js";

const MANIFEST = "titlechain-template.json";

/** A template's contents: its directories (parents first) and its files with their sizes. */
type Manifest = { directories: string[]; files: { path: string; size: number }[] };

/**
 * Makes `dir` a new database cluster for {@link pgliteOptions}: a copy of the template, written beside `dir` and
 * renamed into place, so that `dir` is either absent or whole. `dir` must not exist, or be an empty directory.
 */
export async function createFromTemplate(dir: string): Promise<void> {
  if (existsSync(dir)) {
    if ((await readdir(dir)).length > 0) {
      throw new Error(`${dir} exists and is not a PGlite database (no PG_VERSION); move it away to start afresh`);
    }
    await rm(dir, { recursive: true });
  }
  await removeStaleCopies(dir);
  for (let attempt = 0; ; attempt++) {
    const template = await pgliteTemplate(pgliteOptions, attempt > 0);
    const staging = `${dir}.new-${randomBytes(4).toString("hex")}`;
    try {
      await copyTemplate(template, staging);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (error instanceof DamagedTemplate && attempt === 0) continue;
      throw error;
    }
    await rename(staging, dir);
    return;
  }
}

/** Removes copies a process killed while copying left beside `dir` (`<dir>.new-<8 hex digits>`). */
async function removeStaleCopies(dir: string): Promise<void> {
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  const stale = new RegExp(`^${basename(dir).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.new-[0-9a-f]{8}$`);
  for (const name of await readdir(parent)) {
    if (stale.test(name)) await rm(join(parent, name), { recursive: true, force: true });
  }
}

/** The template's directory for `options`, made if missing or damaged (or, with `remake`, made again regardless). */
export async function pgliteTemplate(options: PGliteOptions, remake = false): Promise<string> {
  const path = await templatePath(options);
  if (remake || !existsSync(join(path, MANIFEST))) await makeInChild(path);
  return path;
}

class DamagedTemplate extends Error {}

/** Copies the template's files as its manifest lists them; a file missing or of another size is a damaged template. */
async function copyTemplate(template: string, to: string): Promise<void> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(template, MANIFEST), "utf8")) as Manifest;
  } catch (error) {
    throw new DamagedTemplate(`the PGlite template's manifest is unreadable: ${String(error)}`);
  }
  await mkdir(to, { recursive: true });
  for (const d of manifest.directories) await mkdir(join(to, d), { recursive: true });
  for (const f of manifest.files) {
    const target = join(to, f.path);
    try {
      await copyFile(join(template, f.path), target);
    } catch (error) {
      throw new DamagedTemplate(`the PGlite template lacks ${f.path}: ${String(error)}`);
    }
    if ((await stat(target)).size !== f.size) throw new DamagedTemplate(`the PGlite template's ${f.path} has changed`);
  }
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
  return join(tmpdir(), `titlechain-pglite-${version}-${key}`);
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
      code === 0 ? resolve() : reject(new Error(`making the PGlite template failed (${code}): ${err.slice(-2000)}`)),
    );
  });
}

/**
 * Makes the template in this process: the cluster and its manifest in a directory beside `path`, which then replaces
 * `path` (a concurrent maker's whole template may be replaced by this one, never mixed with it).
 */
async function make(path: string): Promise<void> {
  const staging = `${path}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  const { PGlite } = await import("@electric-sql/pglite"); // only the short-lived maker loads it on this thread
  const db = await PGlite.create({ ...pgliteOptions, dataDir: staging });
  await db.close();
  const manifest: Manifest = { directories: [], files: [] };
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const inside = relative(staging, full);
      if (entry.isDirectory()) {
        manifest.directories.push(inside);
        await walk(full);
      } else {
        manifest.files.push({ path: inside, size: (await stat(full)).size });
      }
    }
  };
  await walk(staging);
  await writeFile(join(staging, MANIFEST), JSON.stringify(manifest));
  const old = `${path}.${process.pid}.old`;
  if (existsSync(path)) await rename(path, old);
  try {
    await rename(staging, path);
  } catch (error) {
    // Another process put its whole template in place first: keep that one.
    if (!existsSync(join(path, MANIFEST))) throw error;
    await rm(staging, { recursive: true, force: true });
  }
  await rm(old, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) throw new Error("usage: pglite-template.ts OUT");
  await make(out);
}
