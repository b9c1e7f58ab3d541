// One writer per role across processes: a PostgreSQL session lock held for as long as the process does the role.
import pg from "pg";
import { pause } from "../indexer/pause.ts";

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

/** How long to wait before asking again for a lock the database could not give (it was away). */
const RETRY_MS = 2_000;

/**
 * Runs `work` while this process holds `role`'s lock, until `signal` aborts. When the lock's connection ends (the
 * database stopped or restarted), the work's signal aborts and the role pauses; the lock is taken again once the
 * database answers (after any other process that took it meanwhile), and the work starts again. The process itself
 * goes on: its API answers 503 while the database is away. Without `databaseUrl` (PGlite: one process) the work just
 * runs.
 */
export async function holdRole(
  databaseUrl: string | undefined,
  role: WriterRole,
  signal: AbortSignal,
  say: (line: string) => void,
  work: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  if (!databaseUrl) return work(signal);
  while (!signal.aborted) {
    let leadership: Leadership;
    try {
      leadership = await takeRole(databaseUrl, role, () =>
        say(`another process is the ${role}: this one takes over when it stops`),
      );
    } catch (error) {
      say(`cannot take the ${role}'s lock (${(error as Error).message}): trying again in ${RETRY_MS / 1000} s`);
      await pause(RETRY_MS, signal);
      continue;
    }
    const held = new AbortController();
    void leadership.lost.then((error) => {
      if (signal.aborted) return;
      say(`lost the ${role}'s lock (${error.message}): the ${role} pauses until the database answers`);
      held.abort();
    });
    say(`this process is the ${role}`);
    try {
      await work(AbortSignal.any([signal, held.signal]));
    } finally {
      await leadership.release().catch(() => undefined);
    }
  }
}
