// The two database backends every database test runs on: PGlite in a temporary directory, and PostgreSQL.
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
export const adminUrl = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Runs one statement on the PostgreSQL server as its administrator, outside any test's database. */
export async function adminQuery<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

export type Backend = {
  name: string;
  /** The PostgreSQL database's name; undefined for PGlite. */
  database?: string;
  open: () => Promise<Database>;
  /** What another process passes to `openDatabase`: the PGlite data directory or the PostgreSQL URL. */
  target: () => Promise<string>;
  cleanup: () => Promise<void>;
};

export function postgresBackend(): Backend {
  const name = `titlechain_test_${randomBytes(6).toString("hex")}`;
  let created = false;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const create = async () => {
    if (created) return;
    await adminQuery(`create database ${name}`);
    created = true;
  };
  return {
    name: "PostgreSQL",
    database: name,
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
      await adminQuery(`drop database if exists ${name} with (force)`);
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
