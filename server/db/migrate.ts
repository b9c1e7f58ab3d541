// Applies the numbered SQL migrations, each in its own transaction under an advisory lock.
import { readdir, readFile } from "node:fs/promises";
import type { Database } from "./database.ts";
import { restoreIndexes } from "./indexes.ts";

/** The numbered SQL migrations, applied in order at start: `NNNN_name.sql`. */
export const migrationsDir = new URL("./migrations/", import.meta.url);

/** Any number, the same in every process: the PostgreSQL advisory lock that serialises concurrent migrators. */
const MIGRATION_LOCK = 7_234_001;

export type Migration = { version: number; name: string; sql: string };

/** The migrations in the directory, in version order; refuses gaps, repeats and badly named files. */
export async function loadMigrations(dir: URL = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`${file}: migration files are named NNNN_name.sql`);
    const version = Number(match[1]);
    if (version !== migrations.length + 1) throw new Error(`${file}: expected version ${migrations.length + 1}`);
    migrations.push({ version, name: match[2] as string, sql: await readFile(new URL(file, dir), "utf8") });
  }
  return migrations;
}

/**
 * Applies every migration not yet applied, each in its own transaction with its record in `schema_migrations`, so a
 * crash leaves the schema at a whole version. Concurrent migrators on PostgreSQL wait for each other. Returns the
 * versions applied now.
 */
export async function migrate(db: Database, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  await db.exec(
    "create table if not exists schema_migrations (version integer primary key, name text not null, " +
      "applied_at timestamptz not null default now())",
  );
  const applied: number[] = [];
  // Indexes an interrupted backfill set aside are rebuilt before a new migration, which may change them.
  const [current] = await db.query<{ version: number | null; deferring: boolean }>(
    "select max(version) as version, to_regclass('deferred_indexes') is not null as deferring from schema_migrations",
  );
  if (current?.deferring && all.some((m) => m.version > Number(current.version ?? 0))) await restoreIndexes(db);
  for (const migration of all) {
    const done = await db.transaction(async (tx) => {
      if (db.kind === "postgres") await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const rows = await tx.query("select 1 from schema_migrations where version = $1", [migration.version]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
