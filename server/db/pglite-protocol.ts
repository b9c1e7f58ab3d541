/** The messages between the main thread's PGlite database (./database.ts) and its worker (./pglite-worker.js). */

/**
 * What the main thread sends: a statement (with parameters), several statements (their parameters in PostgreSQL's text
 * format, see `textParam` in ./database.ts), or the request to close.
 */
export type WorkerRequest =
  | { id: number; op: "query"; text: string; params: unknown[] }
  | { id: number; op: "exec"; text: string }
  | { id: number; op: "batch"; pipeline: number; statements: { text: string; params: (string | null)[] }[] }
  | { id: number; op: "close" };

/** What the worker answers: the rows of a query, or the error with PostgreSQL's fields. */
export type WorkerReply = { id: number; rows?: unknown[]; error?: SerialisedError };

export type SerialisedError = { message: string; fields: Record<string, unknown> };

/**
 * How the worker starts: its data directory, which holds a database cluster (./pglite-template.ts makes new ones),
 * PGlite's WebAssembly module, compiled once per process, and the size of Postgres's page cache in MB.
 */
export type WorkerStart = { dataDir: string; wasmModule: WebAssembly.Module; cacheMb: number };
