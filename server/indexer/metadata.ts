// Fetches, validates and denormalises works' metadata beside the sync; pins registered files and fingerprints images.
import { MetadataError, type WorkMetadata } from "../../core/metadata.ts";
import type { ImageFingerprint } from "../../core/phash.ts";
import type { ContentStore } from "../content/content-store.ts";
import { ContentError } from "../content/errors.ts";
import { fingerprintOffThread } from "../content/image-hasher.ts";
import { fetchWorkMetadata } from "../content/metadata-io.ts";
import type { Database } from "../db/database.ts";
import type { Vacuum } from "../db/vacuum.ts";
import { recordFingerprint } from "./near-duplicates.ts";
import { pause } from "./pause.ts";
import { SEARCH_REV_LOCK } from "./search-index.ts";

export type MetadataFetcherOptions = {
  db: Database;
  store: ContentStore;
  chainId: number;
  /** Works fetched per round (default 32), `concurrency` at a time (default 4). */
  batchSize?: number;
  concurrency?: number;
  /** Per-document timeout (default 10 s). */
  timeoutMs?: number;
  /** First retry delay of an unavailable document, doubling per attempt up to `maxRetryMs` (defaults 30 s, 1 h). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Told the rows each round of `run` writes, which vacuums when they add up and nothing is due. */
  vacuum?: Vacuum | undefined;
};

/** Image files up to this size are fingerprinted (read whole into memory to decode). */
export const MAX_FINGERPRINTED_BYTES = 64 * 1024 * 1024;

export type FetchRound = { ok: number; invalid: number; unavailable: number };

/**
 * Fetches the metadata of mirrored works from the content store, validates it against the work metadata schema, and
 * denormalises it into the works table for search. It runs beside the chain sync and never blocks it: a work whose
 * metadata is missing or late is marked `unavailable` and retried with backoff; metadata that fails validation (or is
 * corrupt or too large: content-addressed, it can never get better) is marked `invalid` with the reason. Each result
 * is written only if the work still names the same CID (a `MetadataChanged` meanwhile makes it pending again).
 */
export class MetadataFetcher {
  readonly #o: Required<Omit<MetadataFetcherOptions, "vacuum">>;
  readonly #vacuum: Vacuum | undefined;

  constructor(options: MetadataFetcherOptions) {
    const { vacuum, ...rest } = options;
    this.#o = { batchSize: 32, concurrency: 4, timeoutMs: 10_000, retryMs: 30_000, maxRetryMs: 3_600_000, ...rest };
    this.#vacuum = vacuum;
  }

  /** One round: the works due (pending, or unavailable and due for a retry), oldest first. */
  async runOnce(): Promise<FetchRound> {
    const due = await this.#o.db.query<{ work_id: string; metadata_cid: string; metadata_attempts: number }>(
      "select work_id::text as work_id, metadata_cid, metadata_attempts from works where chain_id = $1 and " +
        "(metadata_status = 'pending' or (metadata_status = 'unavailable' and metadata_retry_at <= now())) " +
        "order by block_number, work_id limit $2",
      [this.#o.chainId, this.#o.batchSize],
    );
    const round: FetchRound = { ok: 0, invalid: 0, unavailable: 0 };
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < due.length; i = next++) {
        const work = due[i] as (typeof due)[number];
        round[await this.#fetch(work.work_id, work.metadata_cid, work.metadata_attempts)]++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, due.length) }, worker));
    return round;
  }

  /** Rounds until `signal` aborts, pausing `intervalMs` when nothing was due. */
  async run(signal: AbortSignal, intervalMs = 1000): Promise<void> {
    while (!signal.aborted) {
      let round: FetchRound = { ok: 0, invalid: 0, unavailable: 0 };
      try {
        round = await this.runOnce();
        this.#vacuum?.wrote(round.ok + round.invalid + round.unavailable);
        if (round.ok + round.invalid + round.unavailable === 0) await this.#vacuum?.whenDue();
      } catch {
        // The database is away: try again after the pause.
      }
      if (round.ok + round.invalid + round.unavailable === 0) {
        await pause(intervalMs, signal);
      }
    }
  }

  /**
   * Keeps a registered work's metadata and file for good (garbage collection removes only what no registered work
   * names). A file that is not stored here (a private registration, a file kept elsewhere) is left alone.
   */
  async #pin(metadataCid: string, fileCid: string): Promise<void> {
    for (const cid of [metadataCid, fileCid]) {
      try {
        if (await this.#o.store.has(cid)) await this.#o.store.pin(cid);
      } catch (error) {
        if (!(error instanceof ContentError)) throw error;
      }
    }
  }

  /**
   * Records the perceptual fingerprint of an image work whose file is stored here, for near-duplicate queries. A file
   * that is not stored, too large, or does not decode has none; that never fails the metadata.
   */
  async #fingerprint(workId: string, content: WorkMetadata["content"]): Promise<void> {
    if (!/^image\/(png|jpeg)$/.test(content.mediaType) || content.size > MAX_FINGERPRINTED_BYTES) return;
    const { db, store, chainId } = this.#o;
    let fingerprint: ImageFingerprint | null;
    try {
      if (!(await store.has(content.cid))) return;
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of store.get(content.cid)) {
        size += chunk.length;
        if (size > MAX_FINGERPRINTED_BYTES) return;
        chunks.push(chunk);
      }
      fingerprint = await fingerprintOffThread(Buffer.concat(chunks), content.mediaType);
    } catch {
      // Not stored whole, corrupt, or not a decodable image (whatever its metadata says): no fingerprint.
      return;
    }
    if (!fingerprint) return;
    const found = fingerprint;
    await db.transaction((tx) => recordFingerprint(tx, chainId, workId, found));
  }

  async #fetch(workId: string, cid: string, attempts: number): Promise<keyof FetchRound> {
    const { db, store, chainId } = this.#o;
    const where = "where chain_id = $1 and work_id = $2 and metadata_cid = $3";
    try {
      const metadata = await fetchWorkMetadata(store, cid, { signal: AbortSignal.timeout(this.#o.timeoutMs) });
      const d = denormalise(metadata);
      // The search revision is taken under a lock held to commit: revisions commit in order (migration 16).
      await db.transaction(async (tx) => {
        if (db.kind === "postgres") await tx.query("select pg_advisory_xact_lock($1)", [SEARCH_REV_LOCK]);
        await tx.query(
          "update works set metadata_status = 'ok', metadata_error = null, metadata_retry_at = null, " +
            "metadata_attempts = metadata_attempts + 1, name = $4, name_zh = $5, name_en = $6, description = $7, " +
            `technique = $8, region = $9, tags = $10, search_text = $11, content_cid = $12, content_type = $13, ` +
            `search_rev = nextval('works_search_rev') ${where}`,
          [
            chainId,
            workId,
            cid,
            d.name,
            d.nameZh,
            d.nameEn,
            d.description,
            d.technique,
            d.region,
            d.tags,
            d.searchText,
            metadata.content.cid,
            metadata.content.mediaType,
          ],
        );
      });
      await this.#pin(cid, metadata.content.cid);
      await this.#fingerprint(workId, metadata.content);
      return "ok";
    } catch (error) {
      const invalid =
        error instanceof MetadataError ||
        (error instanceof ContentError && ["Corrupt", "TooLarge", "NotAFile", "InvalidCid"].includes(error.code));
      const message = error instanceof Error ? error.message : String(error);
      if (invalid) {
        await db.query(
          "update works set metadata_status = 'invalid', metadata_error = $4, metadata_retry_at = null, " +
            `metadata_attempts = metadata_attempts + 1 ${where}`,
          [chainId, workId, cid, message.slice(0, 1000)],
        );
        return "invalid";
      }
      const delay = Math.min(this.#o.retryMs * 2 ** Math.min(attempts, 20), this.#o.maxRetryMs);
      await db.query(
        "update works set metadata_status = 'unavailable', metadata_error = $4, " +
          `metadata_retry_at = now() + make_interval(secs => $5), metadata_attempts = metadata_attempts + 1 ${where}`,
        [chainId, workId, cid, message.slice(0, 1000), delay / 1000],
      );
      return "unavailable";
    }
  }
}

/** The searchable fields of a work's metadata; `searchText` joins every one, Chinese and English alike. */
export function denormalise(m: WorkMetadata): {
  name: string;
  nameZh: string | null;
  nameEn: string | null;
  description: string;
  technique: string | null;
  region: string | null;
  tags: string[];
  searchText: string;
} {
  const region = m.locationCreated?.addressRegion ?? m.locationCreated?.name ?? null;
  const tags = m.keywords ?? [];
  const parts = [
    m.name,
    m.i18n.zh?.name,
    m.i18n.en?.name,
    m.description,
    m.i18n.zh?.description,
    m.i18n.en?.description,
    ...m.creator.map((c) => c.name),
    m.genre,
    region,
    m.locationCreated?.name,
    ...tags,
  ];
  return {
    name: m.name,
    nameZh: m.i18n.zh?.name ?? null,
    nameEn: m.i18n.en?.name ?? null,
    description: m.description,
    technique: m.genre ?? null,
    region,
    tags,
    searchText: [...new Set(parts.filter((p): p is string => typeof p === "string" && p.length > 0))].join(" \n"),
  };
}
