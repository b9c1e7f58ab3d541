// The database layer: PGlite in a worker thread or PostgreSQL, one dialect, pipelines of transactions.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { DEFAULT_CACHE_MB } from "./pglite-options.js";
import type { SerialisedError, WorkerReply, WorkerRequest, WorkerStart } from "./pglite-protocol.ts";
import { createFromTemplate } from "./pglite-template.ts";

export type Row = Record<string, unknown>;

/** What a query runs on: the database, or a transaction of it. One SQL dialect (PostgreSQL) for both backends. */
export interface Sql {
  /** One statement with `$1`-style parameters; returns its rows. */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

/** One SQL statement and its parameters. */
export type Statement = { text: string; params: readonly unknown[] };

/**
 * Transactions sent one after another without waiting for each to commit. Each `send` runs its statements in one
 * transaction, after every earlier send of the pipeline has committed; once one fails, every later one fails with it,
 * unrun. It resolves when its transaction has committed.
 */
export interface Pipeline {
  send(statements: readonly Statement[]): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** A new pipeline of transactions (see {@link Pipeline}). */
  pipeline(): Pipeline;
  close(): Promise<void>;
}

/** The database's part of the configuration (read and validated at the entry point). */
export type DatabaseConfig = {
  /** PGlite keeps its files in `<dataDir>/db`; omit for a temporary database, removed when it is closed (tests). */
  dataDir?: string | undefined;
  /** A PostgreSQL connection string (`DATABASE_URL`): when set, PostgreSQL is used instead of PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite's page cache in MB (default {@link DEFAULT_CACHE_MB}); PostgreSQL's is the server's own setting. */
  cacheMb?: number | undefined;
};

/** Opens PostgreSQL when `databaseUrl` is set, else the embedded PGlite in the data directory. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.databaseUrl) return PostgresDatabase.open(config.databaseUrl);
  const cacheMb = config.cacheMb ?? DEFAULT_CACHE_MB;
  if (config.dataDir !== undefined) return PgliteDatabase.open(`${config.dataDir}/db`, cacheMb);
  const temporary = await mkdtemp(join(tmpdir(), "titlechain-db-"));
  try {
    return await PgliteDatabase.open(join(temporary, "db"), cacheMb, temporary);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Stops a PGlite database's worker thread as a crash would (tests only: a fault the real worker does not produce on
 * demand). The database starts a new worker for its next statement.
 */
export const crashWorkerForTests: unique symbol = Symbol("crash the PGlite worker (tests)");

/**
 * PGlite, run in a worker thread (./pglite-worker.js). Statements go to the worker one at a time; a transaction holds
 * the connection from its `begin` to its `commit` or `rollback`, and statements outside it wait their turn.
 *
 * When the worker stops (a crash: an out-of-memory error, a WebAssembly trap), the statements waiting for it fail, and
 * the next one starts a new worker on the same directory, where Postgres recovers to its last commit as after a
 * `kill -9`. A transaction or pipeline that was under way fails as a whole: none of its later statements runs on the
 * new worker, where its earlier ones no longer exist.
 */
class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  readonly #dir: string;
  readonly #cacheMb: number;
  #worker: Worker;
  /** Counts the workers started: a transaction or pipeline belongs to the worker it started on. */
  #generation = 0;
  /** Why the current worker stopped, until the next statement starts a new one. */
  #stopped: Error | null = null;
  #closed = false;
  readonly #waiting = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #nextPipeline = 1;
  /** Settles when the statement or transaction that holds the connection is done. */
  #turn: Promise<unknown> = Promise.resolve();
  /** A temporary database's directory, removed on close. */
  readonly #temporary: string | undefined;

  private constructor(dir: string, cacheMb: number, worker: Worker, temporary: string | undefined) {
    this.#dir = dir;
    this.#cacheMb = cacheMb;
    this.#worker = worker;
    this.#temporary = temporary;
    this.#watch(worker);
  }

  /**
   * Opens the database in `dir` with a page cache of `cacheMb` MB; a new one starts as a copy of a fresh cluster
   * (./pglite-template.ts). `temporary`, a directory that holds `dir`, is removed on close.
   */
  static async open(dir: string, cacheMb: number, temporary?: string): Promise<PgliteDatabase> {
    if (!existsSync(join(dir, "PG_VERSION"))) await createFromTemplate(dir);
    const db = new PgliteDatabase(dir, cacheMb, await startWorker(dir, cacheMb), temporary);
    try {
      await db.#answer(0);
    } catch (error) {
      await db.#worker.terminate();
      throw error;
    }
    return db;
  }

  // A statement outside a transaction holds the turn only to post it: the worker runs requests in arrival order, so
  // the next statement is on its way while this one runs (no idle worker between concurrent readers), and a
  // transaction, which holds the turn throughout, still sees no other statement between its own.
  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const posted = await this.#exclusive(async () => {
      await this.#current();
      return { answer: this.#query<T>(text, params) };
    });
    return posted.answer;
  }

  async exec(text: string): Promise<void> {
    const posted = await this.#exclusive(async () => {
      await this.#current();
      return { answer: this.#exec(text) };
    });
    await posted.answer;
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      await this.#exec("begin");
      const generation = this.#generation;
      try {
        const result = await fn({
          query: <R extends Row = Row>(text: string, params: readonly unknown[] = []) =>
            this.#query<R>(text, params, generation),
          exec: (text: string) => this.#exec(text, generation),
        });
        await this.#exec("commit", generation);
        return result;
      } catch (error) {
        if (this.#generation === generation) await this.#exec("rollback").catch(() => undefined);
        throw error;
      }
    });
  }

  pipeline(): Pipeline {
    const pipeline = this.#nextPipeline++;
    let generation: number | undefined;
    /** A batch refused before it was posted: the worker does not know of it, so the later ones fail here. */
    let refused: Error | undefined;
    // The worker runs a batch whole, in arrival order, and fails the pipeline's later batches after a failure: the
    // turn is held only to post it, so the next batch is on its way while this one runs.
    return {
      send: async (statements) => {
        if (refused) throw refused;
        let batch: { text: string; params: (string | null)[] }[];
        try {
          batch = statements.map((st) => ({ text: st.text, params: textParams(st) }));
        } catch (error) {
          refused = error as Error;
          throw error;
        }
        const posted = await this.#exclusive(async () => {
          generation ??= await this.#current();
          return { answer: this.#call({ op: "batch", pipeline, statements: batch }, generation) };
        });
        await posted.answer;
      },
    };
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      await this.#exclusive(async () => {
        try {
          if (!this.#stopped) await this.#call({ op: "close" });
        } finally {
          this.#closed = true;
        }
      });
      await this.#worker.terminate();
    }
    if (this.#temporary) await rm(this.#temporary, { recursive: true, force: true });
  }

  [crashWorkerForTests](): Promise<number> {
    return this.#worker.terminate();
  }

  /** Runs `fn` once every statement or transaction before it is done. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(fn, fn);
    this.#turn = run.catch(() => undefined);
    return run;
  }

  async #query<T extends Row>(text: string, params: readonly unknown[], generation?: number): Promise<T[]> {
    return (await this.#call({ op: "query", text, params: [...params] }, generation)) as T[];
  }

  async #exec(text: string, generation?: number): Promise<void> {
    await this.#call({ op: "exec", text }, generation);
  }

  /**
   * Sends a request to the worker, starting a new one if the last stopped, unless the request belongs to a transaction
   * or pipeline of an earlier worker (`generation`): that one fails, its earlier statements gone with their worker.
   */
  async #call(request: DistributiveOmit<WorkerRequest, "id">, generation?: number): Promise<unknown[] | undefined> {
    if (this.#closed) throw new Error("the database is closed");
    if (generation !== undefined && (this.#stopped !== null || generation !== this.#generation)) {
      throw new Error(
        "the PGlite worker stopped during this transaction; what it had not committed is gone and the rest is not run",
      );
    }
    // Posted at once when the worker runs (a statement posted in its turn keeps its place in the worker's order).
    if (this.#stopped) await this.#current();
    const id = this.#nextId++;
    const answer = this.#answer(id);
    this.#worker.postMessage({ ...request, id });
    return (await answer).rows;
  }

  /** The generation of the worker, started anew on the database's directory if the last one stopped. */
  async #current(): Promise<number> {
    if (this.#stopped) await this.#restart();
    return this.#generation;
  }

  async #restart(): Promise<void> {
    const worker = await startWorker(this.#dir, this.#cacheMb);
    this.#worker = worker;
    this.#generation++;
    this.#stopped = null;
    this.#watch(worker);
    try {
      await this.#answer(0);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  /** Fails what waits for `worker` when it stops, and has the next statement start a new one. */
  #watch(worker: Worker): void {
    worker.on("message", (reply: WorkerReply) => {
      const waiting = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      waiting?.resolve(reply);
    });
    const stop = (error: Error) => {
      if (worker !== this.#worker || this.#stopped || this.#closed) return;
      this.#stopped = error;
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
    };
    worker.on("error", (error) => stop(new Error(`the PGlite worker failed: ${error.message}`, { cause: error })));
    worker.on("exit", (code) => stop(new Error(`the PGlite worker stopped (exit code ${code})`)));
  }

  /** The worker's answer to request `id` (0: its answer to starting, ready or why not). */
  #answer(id: number): Promise<WorkerReply> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise<WorkerReply>((resolve, reject) => {
      this.#waiting.set(id, {
        resolve: (reply) => (reply.error ? reject(errorOf(reply.error)) : resolve(reply)),
        reject,
      });
    });
  }
}

async function startWorker(dir: string, cacheMb: number): Promise<Worker> {
  return new Worker(new URL("./pglite-worker.js", import.meta.url), {
    workerData: { dataDir: dir, wasmModule: await pgliteModule(), cacheMb } satisfies WorkerStart,
  });
}

/**
 * PGlite's WebAssembly module, compiled once per process and shared by every database's worker: V8 compiles each
 * function of Postgres on its first call into the module, so a database opened after another reuses that code instead
 * of compiling (and holding) its own copy.
 */
let compiled: Promise<WebAssembly.Module> | undefined;
function pgliteModule(): Promise<WebAssembly.Module> {
  if (!compiled) {
    const wasm = new URL("pglite.wasm", import.meta.resolve("@electric-sql/pglite"));
    compiled = readFile(wasm).then((bytes) => WebAssembly.compile(bytes));
    compiled.catch(() => {
      compiled = undefined; // tried again by the next open
    });
  }
  return compiled;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A pipeline statement's parameters in PostgreSQL's text format, the same for both backends. A pipeline carries text,
 * numbers, booleans and nulls (arrays go as literals, see ../indexer/tables.ts); anything else is refused, naming the
 * parameter, before any of its transaction runs.
 */
function textParams(statement: Statement): (string | null)[] {
  return statement.params.map((value, index) => {
    if (value === null || value === undefined) return null;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "bigint") return String(value);
    if (typeof value === "boolean") return value ? "t" : "f";
    throw new TypeError(
      `parameter $${index + 1} of a pipeline statement is not text, a number, a boolean or null (${typeof value}): ` +
        statement.text.slice(0, 80),
    );
  });
}

/** The worker's error as an Error again, with PostgreSQL's fields (code, detail, constraint...). */
function errorOf(serialised: SerialisedError): Error {
  return Object.assign(new Error(serialised.message), serialised.fields);
}

class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;
  readonly #pool: pg.Pool;
  /** The connections the pool has open, until each has really closed (`pool.end()` returns before they have). */
  readonly #connections = new Set<pg.PoolClient>();
  /** The pipelines' prepared statements' names, by text. */
  readonly #statements = new Map<string, string>();
  #allClosed: (() => void) | undefined;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
    pool.on("connect", (client) => this.#connections.add(client));
    pool.on("remove", (client) => {
      this.#connections.delete(client);
      if (this.#connections.size === 0) this.#allClosed?.();
    });
    // An idle connection's error (the server restarted or terminated it) has already removed it from the pool, and the
    // next query opens a new one and reports any error that persists. Without a listener, the pool would rethrow it as
    // an uncaught exception and end the process.
    pool.on("error", () => undefined);
  }

  static async open(url: string): Promise<PostgresDatabase> {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const db = new PostgresDatabase(pool);
    try {
      await pool.query("select 1"); // fails fast with the server's error when the URL is wrong
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#pool.query(text, [...params])).rows as T[];
  }

  async exec(text: string): Promise<void> {
    await this.#pool.query(text);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.#withClient(async (client) => {
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
    });
  }

  /** Runs `fn` on a connection of its own, rolling back what it left open when it throws. */
  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    // A connection that breaks while checked out (the server stopped) emits an error besides failing its query: with
    // no listener that would end the process. The query's own rejection carries it; the client is then discarded.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      return await fn(client);
    } catch (error) {
      if (!broken) await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  /**
   * The name of the prepared statement of a pipeline's text (the texts are few: one per table and shape of page); past
   * a thousand texts, new ones go unnamed, parsed each time, so a long-lived pool cannot hoard statements.
   */
  #statementName(text: string): string | undefined {
    let name = this.#statements.get(text);
    if (name === undefined && this.#statements.size < 1000) {
      name = `batch_${this.#statements.size}`;
      this.#statements.set(text, name);
    }
    return name;
  }

  pipeline(): Pipeline {
    // Each transaction starts once the one before has committed (a server's connection cannot promise that a queued
    // transaction is dropped when the one before it fails).
    let last: Promise<void> = Promise.resolve();
    return {
      send: (statements) => {
        const run = last.then(() =>
          this.#withClient(async (client) => {
            await client.query("begin");
            // Prepared statements, named by text: each connection parses and plans a text once.
            for (const st of statements) {
              await client.query({ name: this.#statementName(st.text), text: st.text, values: textParams(st) });
            }
            await client.query("commit");
          }),
        );
        last = run;
        return run;
      },
    };
  }

  /** Resolves once every connection has closed, so the database can be dropped or the server stopped at once. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.#allClosed = resolve;
    });
    await this.#pool.end();
    if (this.#connections.size > 0) await closed;
  }
}
