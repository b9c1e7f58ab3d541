// Secondary indexes set aside during a fresh backfill and built once at its end.
import type { Database, Sql } from "./database.ts";

/**
 * Drops the secondary indexes of `tables`, recording their definitions in `deferred_indexes`, in the caller's
 * transaction: the data and the record of what to rebuild commit together. Unique indexes (keys, upsert targets) stay.
 * Returns the names of the indexes deferred.
 */
export async function deferIndexes(tx: Sql, tables: readonly string[]): Promise<string[]> {
  const indexes = await tx.query<{ name: string; definition: string }>(
    "select c.relname as name, pg_get_indexdef(c.oid) as definition from pg_index x join pg_class c on c.oid = " +
      "x.indexrelid join pg_class t on t.oid = x.indrelid join pg_namespace n on n.oid = t.relnamespace where " +
      "n.nspname = current_schema() and t.relname = any($1::text[]) and not x.indisunique order by c.relname",
    [tables],
  );
  for (const { name, definition } of indexes) {
    await tx.query("insert into deferred_indexes (name, definition) values ($1, $2) on conflict do nothing", [
      name,
      definition,
    ]);
    await tx.exec(`drop index if exists ${quoteIdent(name)}`);
  }
  return indexes.map((i) => i.name);
}

/** Whether some indexes are deferred (a backfill is under way, or was interrupted). */
export async function hasDeferredIndexes(sql: Sql): Promise<boolean> {
  return (await sql.query("select 1 from deferred_indexes limit 1")).length > 0;
}

/** Creates every deferred index again, in one transaction, and forgets it. Returns the names of the indexes built. */
export async function restoreIndexes(db: Database): Promise<string[]> {
  return db.transaction(async (tx) => {
    const indexes = await tx.query<{ name: string; definition: string }>(
      "delete from deferred_indexes returning name, definition",
    );
    for (const { definition } of indexes) await tx.exec(definition);
    return indexes.map((i) => i.name).sort();
  });
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
