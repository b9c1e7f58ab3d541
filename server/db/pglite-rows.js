// @ts-check
/**
 * Rows straight from Postgres's wire protocol, for the PGlite worker (./pglite-worker.js): one copy of the output out
 * of WebAssembly memory and one pass over it, each text field decoded where it lies. PGlite's own path copies each
 * chunk twice, makes an object per message and copies every field before decoding it: on a work's detail (one row,
 * some JSON arrays) its parsing took as much of the worker's time as Postgres running the statement.
 */

/** A column of a statement's result: its name and type (an OID, the key of PGlite's parsers). */
/** @typedef {{ name: string, typeId: number }} Field */

/** Postgres's error and notice field codes, by the names PGlite's DatabaseError gives them. */
const ERROR_FIELDS = /** @type {Record<string, string>} */ ({
  S: "severity",
  C: "code",
  D: "detail",
  H: "hint",
  P: "position",
  p: "internalPosition",
  q: "internalQuery",
  W: "where",
  s: "schema",
  t: "table",
  c: "column",
  d: "dataType",
  n: "constraint",
  F: "file",
  L: "line",
  R: "routine",
});

/** Postgres's output for one call, gathered from PGlite's output callback (chunks are views of WebAssembly memory). */
export class OutputBuffer {
  #buffer = Buffer.allocUnsafe(64 * 1024);
  #length = 0;

  /** Takes a chunk (copied: the view is reused); returns its length, as PGlite's callback must. @param {Uint8Array} chunk */
  push = (chunk) => {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
    return chunk.length;
  };

  /** The output gathered since the last call, and the buffer emptied for the next. */
  take() {
    const out = this.#buffer.subarray(0, this.#length);
    this.#length = 0;
    return out;
  }
}

/**
 * The rows of a result (DataRow messages) as objects keyed by column name, each field parsed by its type's parser (text
 * when there is none), as PGlite's `query` gives them; the first ErrorResponse as an Error carrying Postgres's fields.
 * `fields` names the columns when the output has no RowDescription (the statement was described when prepared).
 * @param {Buffer} out
 * @param {Field[] | null} fields
 * @param {Record<number, (text: string, typeId: number) => unknown>} parsers
 * @returns {{ rows: Record<string, unknown>[], fields: Field[] | null, parameterTypes: number[] | null, error: (Error & Record<string, unknown>) | null }}
 */
export function readOutput(out, fields, parsers) {
  /** @type {Record<string, unknown>[]} */
  const rows = [];
  /** @type {(Error & Record<string, unknown>) | null} */
  let error = null;
  /** @type {number[] | null} */
  let parameterTypes = null;
  let columns = fields;
  let at = 0;
  while (at + 5 <= out.length) {
    const type = out[at];
    const end = at + 1 + out.readInt32BE(at + 1);
    let p = at + 5;
    if (type === 0x44 /* D: DataRow */) {
      const n = out.readInt16BE(p);
      p += 2;
      /** @type {Record<string, unknown>} */
      const row = {};
      for (let i = 0; i < n; i++) {
        const length = out.readInt32BE(p);
        p += 4;
        const column = /** @type {Field} */ (/** @type {Field[]} */ (columns)[i]);
        if (length < 0) {
          row[column.name] = null;
          continue;
        }
        const text = out.toString("utf8", p, p + length);
        p += length;
        const parse = parsers[column.typeId];
        row[column.name] = parse ? parse(text, column.typeId) : text;
      }
      rows.push(row);
    } else if (type === 0x54 /* T: RowDescription */) {
      const n = out.readInt16BE(p);
      p += 2;
      columns = [];
      for (let i = 0; i < n; i++) {
        const nul = out.indexOf(0, p);
        const name = out.toString("utf8", p, nul);
        // table OID (4), column number (2), then the type OID
        p = nul + 1 + 6;
        columns.push({ name, typeId: out.readInt32BE(p) });
        // type OID (4), size (2), modifier (4), format (2)
        p += 12;
      }
    } else if (type === 0x74 /* t: ParameterDescription */) {
      const n = out.readInt16BE(p);
      parameterTypes = [];
      for (let i = 0; i < n; i++) parameterTypes.push(out.readInt32BE(p + 2 + 4 * i));
    } else if (type === 0x45 /* E: ErrorResponse */ && error === null) {
      error = errorOf(out, p, end);
    }
    at = end;
  }
  return { rows, fields: columns, parameterTypes, error };
}

/**
 * An ErrorResponse's fields as an Error: its message Postgres's, its properties named as PGlite's DatabaseError's.
 * @param {Buffer} out
 * @param {number} from
 * @param {number} end
 */
function errorOf(out, from, end) {
  /** @type {Record<string, string>} */
  const fields = {};
  let p = from;
  while (p < end && out[p] !== 0) {
    const code = String.fromCharCode(/** @type {number} */ (out[p]));
    const nul = out.indexOf(0, p + 1);
    fields[code] = out.toString("utf8", p + 1, nul);
    p = nul + 1;
  }
  const error = /** @type {Error & Record<string, unknown>} */ (new Error(fields["M"] ?? "database error"));
  error.name = "DatabaseError";
  for (const [code, name] of Object.entries(ERROR_FIELDS)) {
    if (fields[code] !== undefined) error[name] = fields[code];
  }
  return error;
}
