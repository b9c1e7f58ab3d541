// Forgets everything the database holds of one chain: for a chain that was replaced (a reset development chain).
import type { Database } from "./database.ts";

/** Deletes the rows of `chainId` from every table with a `chain_id` column, in one transaction. */
export async function forgetChain(db: Database, chainId: number): Promise<void> {
  await db.transaction(async (tx) => {
    const tables = await tx.query<{ name: string }>(
      "select c.table_name as name from information_schema.columns c join information_schema.tables t on " +
        "t.table_schema = c.table_schema and t.table_name = c.table_name where c.table_schema = current_schema() " +
        "and c.column_name = 'chain_id' and t.table_type = 'BASE TABLE' order by c.table_name",
    );
    for (const { name } of tables)
      await tx.query(`delete from "${name.replaceAll('"', '""')}" where chain_id = $1`, [chainId]);
  });
}
