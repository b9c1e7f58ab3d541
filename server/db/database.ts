import { existsSync } from "node:fs";
import { join } from "node:path";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import pg from "pg";
import { pgliteOptions, pgliteTemplate } from "./pglite-template.ts";

export type Row = Record<string, unknown>;

/** What a query runs on: the database, or a transaction of it. One SQL dialect (PostgreSQL) for both backends. */
export interface Sql {
  /** One statement with `$1`-style parameters; returns its rows. */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The database's part of the configuration (read and validated at the entry point). */
export type DatabaseConfig = {
  /** PGlite keeps its files in `<dataDir>/db`; omit for an in-memory database (tests). */
  dataDir?: string | undefined;
  /** A PostgreSQL connection string (`DATABASE_URL`): when set, PostgreSQL is used instead of PGlite. */
  databaseUrl?: string | undefined;
};

/** Opens PostgreSQL when `databaseUrl` is set, else the embedded PGlite in the data directory. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.databaseUrl) return PostgresDatabase.open(config.databaseUrl);
  return PgliteDatabase.open(config.dataDir === undefined ? undefined : `${config.dataDir}/db`);
}

class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  readonly #db: PGlite;

  private constructor(db: PGlite) {
    this.#db = db;
  }

  /** Opens the database in `dir` (in memory when undefined); a new one starts from the snapshot of a fresh cluster. */
  static async open(dir: string | undefined): Promise<PgliteDatabase> {
    const exists = dir !== undefined && existsSync(join(dir, "PG_VERSION"));
    const options: PGliteOptions = exists
      ? pgliteOptions
      : { ...pgliteOptions, loadDataDir: await pgliteTemplate(pgliteOptions) };
    return new PgliteDatabase(await PGlite.create(dir === undefined ? options : { ...options, dataDir: dir }));
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#db.query<T>(text, [...params])).rows;
  }

  async exec(text: string): Promise<void> {
    await this.#db.exec(text);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.#db.transaction(async (tx) =>
      fn({
        query: async <R extends Row = Row>(text: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(text, [...params])).rows,
        exec: async (text: string) => {
          await tx.exec(text);
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async open(url: string): Promise<PostgresDatabase> {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    await pool.query("select 1"); // fails fast with the server's error when the URL is wrong
    return new PostgresDatabase(pool);
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#pool.query(text, [...params])).rows as T[];
  }

  async exec(text: string): Promise<void> {
    await this.#pool.query(text);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query("begin");
      const result = await fn({
        query: async <R extends Row = Row>(text: string, params: readonly unknown[] = []) =>
          (await client.query(text, [...params])).rows as R[],
        exec: async (text: string) => {
          await client.query(text);
        },
      });
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
