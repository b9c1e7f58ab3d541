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
import { PGlite, protocol } from "@electric-sql/pglite";
import { pgliteOptions, pgliteSettings } from "./pglite-options.js";
import { OutputBuffer, readOutput } from "./pglite-rows.js";

/**
 * @typedef {import("./pglite-protocol.ts").WorkerRequest} WorkerRequest
 * @typedef {import("./pglite-protocol.ts").WorkerReply} WorkerReply
 * @typedef {import("./pglite-protocol.ts").WorkerStart} WorkerStart
 * @typedef {import("./pglite-protocol.ts").SerialisedError} SerialisedError
 */

/**
 * Runs statements as named prepared statements: one at a time ({@link Batches.query}), or in batches, each batch in one
 * transaction and one call into Postgres: each statement is a named
 * prepared statement (parsed and planned once per text, on its first use), bound and executed, and one Sync ends the
 * batch, committing it, or rolling it back whole when a statement fails (Postgres skips the rest up to the Sync).
 * Measured on the statements of a dense backfill: a quarter less of the database's time than a query per statement
 * (each one parsed, described and planned again, each a round of calls into Postgres), between `begin` and `commit`.
 */
class Batches {
  /** The prepared statements' names, by text. @type {Map<string, string>} */
  #names = new Map();
  /**
   * The prepared statements `query` described: name, parameter types and result columns, by text.
   * @type {Map<string, { name: string, types: number[], fields: import("./pglite-rows.js").Field[] }>}
   */
  #prepared = new Map();
  #next = 0;
  /** @type {PGlite} */
  #db;
  #out = new OutputBuffer();

  /** @param {PGlite} db */
  constructor(db) {
    this.#db = db;
  }

  /**
   * Runs the statements in one transaction: all of them or, when one fails, none.
   * @param {{ text: string, params: (string | null)[] }[]} statements
   */
  async run(statements) {
    // The texts are few (one per table and shape of page); a process that somehow makes many starts again.
    if (this.#names.size > MAX_PREPARED) await this.#forget([...this.#names.keys()]);
    /** @type {string[]} */
    const fresh = [];
    /** @type {Uint8Array[]} */
    const messages = [];
    for (const { text, params } of statements) {
      let name = this.#names.get(text);
      if (name === undefined) {
        name = `batch_${this.#next++}`;
        this.#names.set(text, name);
        fresh.push(text);
        messages.push(serialize.parse({ name, text }));
      }
      messages.push(serialize.bind({ statement: name, values: params }));
      messages.push(serialize.execute({}));
    }
    messages.push(serialize.sync());
    try {
      await this.#db.execProtocol(concat(messages));
    } catch (error) {
      // The statements parsed before the failure exist, those after it do not: forget them all.
      await this.#forget(fresh).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Runs one statement as a named prepared statement (parsed, described and planned on the first use of its text) and
   * returns its rows as PGlite's `query` would: parameters serialised by the types Postgres inferred for them, rows
   * parsed by PGlite's parsers. One call into Postgres per statement (bind, execute, sync; the result's columns known
   * from the first use) instead of `query`'s six (parse, describe, bind, describe, execute, sync), each parsing and
   * planning the text again: measured about four times the statements per second on a primary-key lookup. The output
   * is read by ./pglite-rows.js, not PGlite's message parser.
   * @param {string} text
   * @param {unknown[]} params
   */
  async query(text, params) {
    let prepared = this.#prepared.get(text);
    if (prepared === undefined) {
      if (this.#names.size > MAX_PREPARED) await this.#forget([...this.#names.keys()]);
      // A text a batch prepared already is only described.
      const known = this.#names.get(text);
      const name = known ?? `batch_${this.#next++}`;
      const messages = known ? [] : [serialize.parse({ name, text })];
      messages.push(serialize.describe({ type: "S", name }), serialize.sync());
      /** @type {{ name: string, dataTypeIDs?: number[], fields?: { name: string, dataTypeID: number }[] }[]} */
      let described;
      try {
        described = (await this.#db.execProtocol(concat(messages))).messages;
      } catch (error) {
        // Closing a statement that does not exist is not an error.
        if (!known) await this.#db.execProtocol(concat([serialize.close({ type: "S", name }), serialize.sync()]));
        throw error;
      }
      this.#names.set(text, name);
      const parameters = described.find((m) => m.name === "parameterDescription");
      const columns = described.find((m) => m.name === "rowDescription")?.fields ?? [];
      prepared = {
        name,
        types: parameters?.dataTypeIDs ?? [],
        fields: columns.map((f) => ({ name: f.name, typeId: f.dataTypeID })),
      };
      this.#prepared.set(text, prepared);
    }
    const types = prepared.types;
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = this.#db.serializers[/** @type {number} */ (types[i])];
      return serializer ? serializer(value) : String(value);
    });
    let out;
    try {
      await this.#db.execProtocolRawStream(
        concat([serialize.bind({ statement: prepared.name, values }), serialize.execute({}), serialize.sync()]),
        { syncToFs: true, onRawData: this.#out.push },
      );
    } finally {
      out = this.#out.take();
    }
    const { rows, error } = readOutput(out, prepared.fields, this.#db.parsers);
    if (error) throw error;
    return rows;
  }

  /** @param {string[]} texts */
  async #forget(texts) {
    /** @type {Uint8Array[]} */
    const messages = [];
    for (const text of texts) {
      const name = this.#names.get(text);
      this.#names.delete(text);
      this.#prepared.delete(text);
      // Closing a statement that does not exist is not an error.
      if (name !== undefined) messages.push(serialize.close({ type: "S", name }));
    }
    messages.push(serialize.sync());
    await this.#db.execProtocol(concat(messages));
  }
}

const MAX_PREPARED = 1000;
const { serialize } = protocol;

/**
 * The messages as one buffer.
 * @param {Uint8Array[]} messages
 */
function concat(messages) {
  let length = 0;
  for (const m of messages) length += m.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const m of messages) {
    out.set(m, at);
    at += m.length;
  }
  return out;
}

if (parentPort) {
  const port = parentPort;
  const { dataDir, wasmModule, cacheMb } = /** @type {WorkerStart} */ (workerData);
  /** @param {WorkerReply} reply */
  const reply = (reply) => port.postMessage(reply);
  /** @type {PGlite} */
  let db;
  try {
    const postgresqlconf = pgliteSettings(cacheMb);
    db = await PGlite.create({ ...pgliteOptions, postgresqlconf, dataDir, pgliteWasmModule: wasmModule });
    reply({ id: 0 });
  } catch (error) {
    reply({ id: 0, error: serialise(error) });
    throw error;
  }
  const batches = new Batches(db);
  let queue = Promise.resolve();
  /** Pipelines one of whose batches failed: their later batches fail unrun. @type {Map<number, string>} */
  const failed = new Map();
  port.on("message", (/** @type {WorkerRequest} */ request) => {
    queue = queue.then(async () => {
      try {
        if (request.op === "query") {
          reply({ id: request.id, rows: await batches.query(request.text, request.params) });
        } else if (request.op === "batch") {
          const earlier = failed.get(request.pipeline);
          if (earlier !== undefined) throw new Error(`an earlier transaction of the pipeline failed: ${earlier}`);
          try {
            await batches.run(request.statements);
          } catch (error) {
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
