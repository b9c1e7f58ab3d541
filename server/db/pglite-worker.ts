/**
 * The embedded PGlite, run in a worker thread ({@link openDatabase} starts it): the database's work (Postgres compiled
 * to WebAssembly) runs beside the main thread instead of on it, so the indexer decodes and projects the next page
 * while the database writes the last one, and the API answers while the indexer writes.
 *
 * Requests are executed one at a time, in the order they arrive; the main thread's side keeps transactions whole.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { pgliteOptions } from "./pglite-template.ts";

/** What the main thread sends: a statement (with parameters), several statements, or the request to close. */
export type WorkerRequest =
  | { id: number; op: "query"; text: string; params: unknown[] }
  | { id: number; op: "exec"; text: string }
  | { id: number; op: "batch"; pipeline: number; statements: { text: string; params: unknown[] }[] }
  | { id: number; op: "close" };

/** What the worker answers: the rows of a query, or the error with PostgreSQL's fields. */
export type WorkerReply = { id: number; rows?: unknown[]; error?: SerialisedError };

export type SerialisedError = { message: string; fields: Record<string, unknown> };

/** How the worker starts: its data directory, which holds a database cluster (./pglite-template.ts makes new ones). */
export type WorkerStart = { dataDir: string };

if (parentPort) {
  const port = parentPort;
  const { dataDir } = workerData as WorkerStart;
  let db: PGlite;
  try {
    db = await PGlite.create({ ...pgliteOptions, dataDir });
    port.postMessage({ id: 0 } satisfies WorkerReply);
  } catch (error) {
    port.postMessage({ id: 0, error: serialise(error) } satisfies WorkerReply);
    throw error;
  }
  let queue = Promise.resolve();
  /** Pipelines one of whose batches failed: their later batches fail unrun. */
  const failed = new Map<number, string>();
  port.on("message", (request: WorkerRequest) => {
    queue = queue.then(async () => {
      try {
        if (request.op === "query") {
          const result = await db.query(request.text, request.params);
          port.postMessage({ id: request.id, rows: result.rows } satisfies WorkerReply);
        } else if (request.op === "batch") {
          const earlier = failed.get(request.pipeline);
          if (earlier !== undefined) throw new Error(`an earlier transaction of the pipeline failed: ${earlier}`);
          await db.exec("begin");
          try {
            for (const st of request.statements) await db.query(st.text, st.params);
            await db.exec("commit");
          } catch (error) {
            await db.exec("rollback").catch(() => undefined);
            failed.set(request.pipeline, error instanceof Error ? error.message : String(error));
            throw error;
          }
          port.postMessage({ id: request.id } satisfies WorkerReply);
        } else if (request.op === "exec") {
          await db.exec(request.text);
          port.postMessage({ id: request.id } satisfies WorkerReply);
        } else {
          await db.close();
          port.postMessage({ id: request.id } satisfies WorkerReply);
          port.close();
        }
      } catch (error) {
        port.postMessage({ id: request.id, error: serialise(error) } satisfies WorkerReply);
      }
    });
  });
}

/** An error as plain data: its message and PostgreSQL's fields (code, detail, constraint...). */
function serialise(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    // The parameters can be megabytes of array literals: the statement's text names what failed.
    if (value === undefined || key === "params" || typeof value === "function" || typeof value === "object") continue;
    fields[key] = value;
  }
  return { message: error.message, fields };
}
