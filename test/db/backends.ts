import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Database, openDatabase } from "../../server/db/database.ts";

/**
 * The two database backends every database test runs on: embedded PGlite in a temporary data directory, and the
 * machine's PostgreSQL (`TEST_DATABASE_URL`, by default the local server), where each run creates and drops its own
 * database.
 */
const serverUrl = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type Backend = {
  name: string;
  open: () => Promise<Database>;
  /** What another process passes to `openDatabase`: the PGlite data directory or the PostgreSQL URL. */
  target: () => Promise<string>;
  cleanup: () => Promise<void>;
};

export function postgresBackend(): Backend {
  const name = `titlechain_test_${randomBytes(6).toString("hex")}`;
  const admin = () => new pg.Client({ connectionString: serverUrl });
  let created = false;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const create = async () => {
    if (created) return;
    const client = admin();
    await client.connect();
    await client.query(`create database ${name}`);
    await client.end();
    created = true;
  };
  return {
    name: "PostgreSQL",
    async open() {
      await create();
      return openDatabase({ databaseUrl: url.toString() });
    },
    async target() {
      await create();
      return url.toString();
    },
    async cleanup() {
      if (!created) return;
      const client = admin();
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
      created = false;
    },
  };
}

export function pgliteBackend(): Backend {
  let dir: string | undefined;
  return {
    name: "PGlite",
    async open() {
      dir ??= await mkdtemp(join(tmpdir(), "titlechain-pglite-"));
      return openDatabase({ dataDir: dir });
    },
    async target() {
      dir ??= await mkdtemp(join(tmpdir(), "titlechain-pglite-"));
      return dir;
    },
    async cleanup() {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}
