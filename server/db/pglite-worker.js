// @ts-check
/**
 * The embedded PGlite, run in a worker thread (./database.ts starts it): the database's work (Postgres compiled to
 * WebAssembly) runs beside the main thread instead of on it, so the indexer decodes and projects the next page while
 * the database writes the last one, and the API answers while the indexer writes.
 *
 * Requests are executed one at a time, in the order they arrive; the main thread's side keeps transactions whole.
 *
 * Plain JavaScript, type-checked from its JSDoc: a worker that loads TypeScript starts Node's type stripper (a
 * WebAssembly module) in its own thread, about 11 MB that the database's process would carry for nothing.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { pgliteOptions } from "./pglite-options.js";

/**
 * @typedef {import("./pglite-protocol.ts").WorkerRequest} WorkerRequest
 * @typedef {import("./pglite-protocol.ts").WorkerReply} WorkerReply
 * @typedef {import("./pglite-protocol.ts").WorkerStart} WorkerStart
 * @typedef {import("./pglite-protocol.ts").SerialisedError} SerialisedError
 */

if (parentPort) {
  const port = parentPort;
  const { dataDir, wasmModule } = /** @type {WorkerStart} */ (workerData);
  /** @param {WorkerReply} reply */
  const reply = (reply) => port.postMessage(reply);
  /** @type {PGlite} */
  let db;
  try {
    db = await PGlite.create({ ...pgliteOptions, dataDir, pgliteWasmModule: wasmModule });
    reply({ id: 0 });
  } catch (error) {
    reply({ id: 0, error: serialise(error) });
    throw error;
  }
  let queue = Promise.resolve();
  /** Pipelines one of whose batches failed: their later batches fail unrun. @type {Map<number, string>} */
  const failed = new Map();
  port.on("message", (/** @type {WorkerRequest} */ request) => {
    queue = queue.then(async () => {
      try {
        if (request.op === "query") {
          const result = await db.query(request.text, request.params);
          reply({ id: request.id, rows: result.rows });
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
          reply({ id: request.id });
        } else if (request.op === "exec") {
          await db.exec(request.text);
          reply({ id: request.id });
        } else {
          await db.close();
          reply({ id: request.id });
          port.close();
        }
      } catch (error) {
        reply({ id: request.id, error: serialise(error) });
      }
    });
  });
}

/**
 * An error as plain data: its message and PostgreSQL's fields (code, detail, constraint...).
 * @param {unknown} error
 * @returns {SerialisedError}
 */
function serialise(error) {
  if (!(error instanceof Error)) return { message: String(error), fields: {} };
  /** @type {Record<string, unknown>} */
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    // The parameters can be megabytes of array literals: the statement's text names what failed.
    if (value === undefined || key === "params" || typeof value === "function" || typeof value === "object") continue;
    fields[key] = value;
  }
  return { message: error.message, fields };
}
