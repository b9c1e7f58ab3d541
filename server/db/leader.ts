// One writer per role across processes: a PostgreSQL session lock held for as long as the process does the role.
import pg from "pg";

/** The writing roles, each with its own lock. */
export type WriterRole = "indexer" | "relayer";

const LOCK_KEYS: Record<WriterRole, number> = { indexer: 0x7c_1d_e0, relayer: 0x7c_1d_e1 };

/** A role this process holds; `lost` settles if the lock's connection ends while held (the role must then stop). */
export type Leadership = { lost: Promise<Error>; release: () => Promise<void> };

/**
 * Takes `role`'s lock on the PostgreSQL server at `databaseUrl`, waiting while another process holds it: that process's
 * connection ends when it dies, and this one takes over at once. The lock lives on a connection of its own, outside
 * the pool. `waiting` is called once if the lock is not free at first.
 */
export async function takeRole(databaseUrl: string, role: WriterRole, waiting?: () => void): Promise<Leadership> {
  const client = new pg.Client({ connectionString: databaseUrl, keepAlive: true });
  let onLost: (error: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => {
    onLost = resolve;
  });
  let released = false;
  client.on("error", (error) => onLost(error));
  client.on("end", () => {
    if (!released) onLost(new Error(`the ${role}'s database lock connection ended`));
  });
  await client.connect();
  const [{ taken }] = (await client.query("select pg_try_advisory_lock($1) as taken", [LOCK_KEYS[role]])).rows as [
    { taken: boolean },
  ];
  if (!taken) {
    waiting?.();
    await client.query("select pg_advisory_lock($1)", [LOCK_KEYS[role]]);
  }
  return {
    lost,
    release: async () => {
      released = true;
      await client.end();
    },
  };
}
