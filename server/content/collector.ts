// Garbage collection of uploads no registered work or profile names, on a schedule, never ahead of the metadata fetcher.
import type { Sql } from "../db/database.ts";
import { pause } from "../indexer/pause.ts";
import type { ContentStore } from "./content-store.ts";

export type CollectorOptions = {
  store: ContentStore;
  db: Sql;
  chainId: number;
  /** How long an upload is kept unregistered before it may go (default 24 h): time to register what was uploaded. */
  graceMs?: number;
  /** Time between rounds (default 1 h). */
  intervalMs?: number;
};

/** What a round did: the uploads removed, or why it removed nothing. */
export type CollectionRound = { removed: string[]; skipped: string | null };

/**
 * Removes the uploads no registered work names once they are older than the grace period. The metadata fetcher pins
 * a work's file and metadata when it fetches them, so a round is skipped while any work's metadata is still waiting
 * to be fetched for the first time: a file registered a moment ago is never taken for a stray.
 */
export class UploadCollector {
  readonly #o: Required<CollectorOptions>;

  constructor(options: CollectorOptions) {
    this.#o = { graceMs: 86_400_000, intervalMs: 3_600_000, ...options };
  }

  async runOnce(): Promise<CollectionRound> {
    const { db, store, chainId, graceMs } = this.#o;
    const [pending] = await db.query<{ n: number }>(
      "select count(*)::int as n from works where chain_id = $1 and metadata_status = 'pending'",
      [chainId],
    );
    if ((pending?.n ?? 0) > 0) {
      return { removed: [], skipped: `the metadata of ${pending?.n} works is not fetched (and pinned) yet` };
    }
    // A signed profile's picture is kept while the profile names it; the picture it replaced goes like any upload.
    const avatars = await db.query<{ cid: string }>(
      "select distinct avatar_cid as cid from profiles where chain_id = $1 and avatar_cid <> ''",
      [chainId],
    );
    return {
      removed: await store.collectGarbage(
        graceMs,
        avatars.map((a) => a.cid),
      ),
      skipped: null,
    };
  }

  /** Rounds every `intervalMs` until `signal` aborts; a failing round (the database away) is tried at the next. */
  async run(signal: AbortSignal, onRound?: (round: CollectionRound) => void): Promise<void> {
    while (!signal.aborted) {
      try {
        onRound?.(await this.runOnce());
      } catch {
        // The database or the store is away: the next round tries again.
      }
      await pause(this.#o.intervalMs, signal);
    }
  }
}
