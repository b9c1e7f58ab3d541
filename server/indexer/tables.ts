// The mirror's tables and their bulk statements: one statement per table per page, arrays as literals.
import type { Sql, Statement } from "../db/database.ts";

/**
 * Column types as the indexer holds values in memory: `int` a number, `bigint` and `numeric` decimal strings,
 * `bool` a boolean, `text` a string, `time` Unix seconds (a number) stored as timestamptz, `jsonb` any JSON value,
 * `jsonText` JSON already serialised (a string) stored as jsonb. The list types hold an array: `int[]` of numbers,
 * `text[]` of strings, `numeric[]` of decimal strings; a list's elements may be null.
 */
export type ColumnType = ScalarType | ListType;
type ScalarType = "text" | "int" | "bigint" | "numeric" | "bool" | "time" | "jsonb" | "jsonText";
type ListType = "int[]" | "text[]" | "numeric[]";
export type Row = Record<string, unknown>;

/** Runs the statement, if any. */
async function run(sql: Sql, statement: Statement | null): Promise<void> {
  if (statement) await sql.query(statement.text, statement.params);
}

const SCALAR_TYPE: Record<ColumnType, string> = {
  text: "text",
  int: "integer",
  bigint: "bigint",
  numeric: "numeric",
  bool: "boolean",
  time: "float8",
  jsonb: "jsonb",
  jsonText: "jsonb",
  "int[]": "integer[]",
  "text[]": "text[]",
  "numeric[]": "numeric[]",
};

/**
 * The SQL array type a column's values of many rows are sent as. A list column's values are sent as a text array of
 * their own array literals (PostgreSQL arrays are rectangular: a ragged array of arrays cannot be unnested row by row),
 * each cast to the column's type in SQL.
 */
const ARRAY_TYPE: Record<ColumnType, string> = {
  text: "text[]",
  int: "integer[]",
  bigint: "bigint[]",
  numeric: "numeric[]",
  bool: "boolean[]",
  time: "float8[]",
  jsonb: "jsonb[]",
  jsonText: "jsonb[]",
  "int[]": "text[]",
  "text[]": "text[]",
  "numeric[]": "text[]",
};

/** The element type of each list type. */
const ELEMENT_TYPE: Record<ListType, "int" | "text" | "numeric"> = {
  "int[]": "int",
  "text[]": "text",
  "numeric[]": "numeric",
};

function isList(type: ColumnType): type is ListType {
  return type.endsWith("[]");
}

/**
 * One mirrored table and its bulk operations: every read and write of a page is one statement per table, whatever the
 * number of rows (arrays through `unnest`), the same SQL on PGlite and PostgreSQL.
 */
export class Table {
  readonly name: string;
  readonly key: readonly string[];
  readonly columns: readonly (readonly [string, ColumnType])[];
  /** The indexed column `load` looks rows up by (the key column after the chain id, unless told otherwise). */
  readonly lookup: string;
  readonly #types: Map<string, ColumnType>;
  readonly #select: string;

  constructor(
    name: string,
    key: readonly string[],
    columns: readonly (readonly [string, ColumnType])[],
    lookup: string = key[1] ?? (key[0] as string),
  ) {
    this.name = name;
    this.key = key;
    this.lookup = lookup;
    this.columns = columns;
    this.#types = new Map(columns);
    for (const k of key) if (!this.#types.has(k)) throw new Error(`${name}: key column ${k} is not a column`);
    this.#select = columns.map(([c, t]) => `${selectOf(`t.${quote(c)}`, t)} as ${quote(c)}`).join(", ");
  }

  /** The in-memory key of a row (its key columns joined). */
  keyOf(row: Row): string {
    const key = this.key;
    // Most keys are two to four columns: built without an array.
    if (key.length === 2) return `${row[key[0] as string]}|${row[key[1] as string]}`;
    if (key.length === 3) return `${row[key[0] as string]}|${row[key[1] as string]}|${row[key[2] as string]}`;
    if (key.length === 4) {
      return `${row[key[0] as string]}|${row[key[1] as string]}|${row[key[2] as string]}|${row[key[3] as string]}`;
    }
    return key.map((k) => String(row[k])).join("|");
  }

  /**
   * The rows with the given keys (each a row holding at least the key columns), for update (locked on PostgreSQL). One
   * indexed lookup by the table's `lookup` column (`= any`), then the exact keys are picked out.
   */
  async load(sql: Sql, keys: readonly Row[]): Promise<Row[]> {
    if (keys.length === 0) return [];
    const column = this.lookup;
    const values = [...new Set(keys.map((k) => String(k[column])))];
    const rows = await sql.query(
      `select ${this.#select} from ${this.name} t where t.chain_id = $1 and t.${quote(column)} = ` +
        `any($2::${ARRAY_TYPE[this.#type(column)]}) for update of t`,
      [keys[0]?.["chain_id"], arrayLiteral(values, this.#type(column))],
    );
    const wanted = new Set(keys.map((k) => this.keyOf(k)));
    return rows.map((r) => this.#fromDb(r)).filter((r) => wanted.has(this.keyOf(r)));
  }

  /** Every row of a chain (for the small tables). */
  async loadChain(sql: Sql, chainId: number): Promise<Row[]> {
    const rows = await sql.query(`select ${this.#select} from ${this.name} t where t.chain_id = $1`, [chainId]);
    return rows.map((r) => this.#fromDb(r));
  }

  /** Inserts rows; with `upsert`, rows whose key exists replace it. */
  async write(sql: Sql, rows: readonly Row[], upsert = false): Promise<void> {
    await run(sql, this.insert(rows, upsert));
  }

  /** Deletes the rows with the given keys. */
  async remove(sql: Sql, keys: readonly Row[]): Promise<void> {
    await run(sql, this.delete(keys));
  }

  /** The statement {@link write} runs (null for no rows). */
  insert(rows: readonly Row[], upsert = false): Statement | null {
    if (rows.length === 0) return null;
    const names = this.columns.map(([c]) => c);
    // A column with one value for every row (the chain id, always) is one parameter, not an array to unnest.
    const constant = this.columns.map(
      ([c, t]) => t !== "jsonb" && t !== "jsonText" && !isList(t) && rows.every((r) => same(r[c], rows[0]?.[c])),
    );
    if (constant.every(Boolean)) constant[0] = false;
    const params: unknown[] = [];
    const unnested: string[] = [];
    const select = this.columns.map(([c, t], i) => {
      const values = rows.map((r) => r[c]);
      let expr: string;
      if (constant[i]) {
        params.push(scalarOf(values[0], t));
        expr = `$${params.length}::${SCALAR_TYPE[t]}`;
      } else {
        params.push(arrayLiteral(values, t));
        unnested.push(`$${params.length}::${ARRAY_TYPE[t]}`);
        expr = isList(t) ? `v.${quote(c)}::${SCALAR_TYPE[t]}` : `v.${quote(c)}`;
      }
      return t === "time" ? `to_timestamp(${expr})` : expr;
    });
    const unnestedNames = this.columns.filter((_, i) => !constant[i]).map(([c]) => quote(c));
    let text =
      `insert into ${this.name} (${names.map(quote).join(", ")}) select ${select.join(", ")} from ` +
      `unnest(${unnested.join(", ")}) as v(${unnestedNames.join(", ")})`;
    if (upsert) {
      const rest = names.filter((n) => !this.key.includes(n));
      text +=
        ` on conflict (${this.key.map(quote).join(", ")}) do update set ` +
        rest.map((n) => `${quote(n)} = excluded.${quote(n)}`).join(", ");
    }
    return { text, params };
  }

  /** The statement {@link remove} runs (null for no keys). */
  delete(keys: readonly Row[]): Statement | null {
    if (keys.length === 0) return null;
    const params = this.key.map((k) =>
      arrayLiteral(
        keys.map((r) => r[k]),
        this.#type(k),
      ),
    );
    const on = this.key.map((k) => `t.${quote(k)} = k.${quote(k)}`).join(" and ");
    return {
      text:
        `delete from ${this.name} t using (select * from unnest(${this.#unnestArgs(this.key, 1)}) as ` +
        `k(${this.key.map(quote).join(", ")})) k where ${on}`,
      params,
    };
  }

  #type(column: string): ColumnType {
    const type = this.#types.get(column);
    if (!type) throw new Error(`${this.name} has no column ${column}`);
    return type;
  }

  #unnestArgs(columns: readonly string[], first: number): string {
    return columns.map((c, i) => `$${first + i}::${ARRAY_TYPE[this.#type(c)]}`).join(", ");
  }

  #fromDb(row: Row): Row {
    const out: Row = {};
    for (const [c, t] of this.columns) {
      const v = row[c];
      out[c] = v === null || v === undefined ? null : t === "int" || t === "time" ? Number(v) : v;
    }
    return out;
  }
}

function selectOf(expr: string, type: ColumnType): string {
  if (type === "bigint" || type === "numeric") return `${expr}::text`;
  if (type === "time") return `extract(epoch from ${expr})::float8`;
  return expr;
}

/** One value as a text parameter (cast in SQL to its column's type). */
function scalarOf(value: unknown, type: ColumnType): string | null {
  if (value === null || value === undefined) return null;
  if (type === "bool") return value ? "t" : "f";
  if (type === "jsonb") return JSON.stringify(value);
  return String(value);
}

/** Whether two in-memory values are the same column value (a chain id as a number or as a string, say). */
function same(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return a === b || String(a) === String(b);
}

/**
 * A PostgreSQL array literal (`{a,"b c",NULL}`) of the values, sent as one text parameter and cast to the column's
 * array type in SQL. Building it here costs a fraction of what the drivers' generic array serialisers do (they quote
 * and escape every element with regular expressions): numbers and booleans need no quoting, nor do the hex strings,
 * CIDs and names that make up most text columns.
 */
export function arrayLiteral(values: readonly unknown[], type: ColumnType): string {
  // Joined once: appending element by element would make a rope of two string nodes per element.
  const elements = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) elements[i] = "NULL";
    else if (type === "bool") elements[i] = v ? "t" : "f";
    else if (type === "jsonb") elements[i] = quoteElement(JSON.stringify(v));
    else if (type === "jsonText") elements[i] = quoteElement(v as string);
    else if (type === "text") elements[i] = bare(v as string) ? (v as string) : quoteElement(String(v));
    else if (isList(type)) elements[i] = quoteElement(arrayLiteral(v as unknown[], ELEMENT_TYPE[type]));
    else elements[i] = String(v);
  }
  return `{${elements.join(",")}}`;
}

/**
 * Whether text needs no quotes in an array literal: PostgreSQL reads an element bare unless it is empty, holds a
 * delimiter, brace, quote, backslash or space, or is the word NULL. Hex strings, CIDs and event names are bare.
 */
function bare(text: string): boolean {
  return BARE.test(text) && (text.length !== 4 || text.toUpperCase() !== "NULL");
}

const BARE = /^[0-9A-Za-z_.:+-]+$/;

function quoteElement(text: string): string {
  // Most quoted elements (a list's own literal, JSON) hold no quote or backslash: no need to scan them with a regex.
  if (!text.includes('"') && !text.includes("\\")) return `"${text}"`;
  return `"${text.replace(/["\\]/g, "\\$&")}"`;
}

function quote(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `"${name}"`;
}

const RESERVED = new Set(["timestamp", "row", "key"]);
