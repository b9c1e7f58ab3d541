// Vacuuming the embedded database: PGlite runs no autovacuum, so its writers count what they write and vacuum it.
import type { Database } from "./database.ts";

/** Rows written since the last vacuum after which the embedded database is vacuumed and analysed. */
export const VACUUM_AFTER_ROWS = 10_000;

/**
 * Counts the rows the mirror's writers write and, once `threshold` have been written since the last time, vacuums
 * and analyses the embedded database when a writer is caught up (`whenDue`). A vacuum clears the dead versions that
 * updates leave (a work's row is rewritten when its metadata is read, its holder changes, its offers sell), marks
 * every row as committed once (otherwise the first read of each row after a backfill marks it, rewriting its page)
 * and gives the planner fresh statistics. It holds the database's one connection while it runs: about 3 s after a
 * backfill of 100,000 works, far less after everyday writes. PostgreSQL's own autovacuum does this there: nothing
 * is counted.
 */
export class Vacuum {
  readonly #db: Database;
  readonly #threshold: number;
  #written = 0;
  #running: Promise<boolean> | null = null;

  constructor(db: Database, threshold = VACUUM_AFTER_ROWS) {
    this.#db = db;
    this.#threshold = threshold;
  }

  /** Rows written since the last vacuum. */
  get written(): number {
    return this.#written;
  }

  /** Counts `rows` written. */
  wrote(rows: number): void {
    if (this.#db.kind === "pglite") this.#written += rows;
  }

  /** Vacuums and analyses when enough rows were written since the last time; whether it ran. Callers share a run. */
  whenDue(): Promise<boolean> {
    if (this.#written < this.#threshold) return Promise.resolve(false);
    this.#running ??= (async () => {
      const written = this.#written;
      try {
        await this.#db.exec("vacuum (analyze)");
        this.#written -= written;
        return true;
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }
}
