// The term index of the mirrored works, held in memory by each API process and kept current from the database.
import type { Sql } from "../db/database.ts";
import { type IndexFilter, type OrdinalTest, WorkColumns } from "./search-columns.ts";
import { BoundedHeap, seek } from "./search-heap.ts";
import { documentTerms, MAX_TERM_WEIGHT } from "./search-terms.ts";

/** The order of a search's results. */
export type SearchOrder = "relevance" | "newest" | "oldest";

/** Where a result stands in its order: score (1 unless by relevance), registration time, id as 64 hex digits. */
export type RankKey = { s: number; t: number; key: string };

/** A ranked candidate: the work, its place in the order. */
export type Candidate = RankKey & { workId: string };

/**
 * A term's works in the order they were indexed, with the term's weight in each; and, made when a one-term query needs
 * them, the list's first `n` positions in the order of a one-term page by relevance (`impact`: weight, then newest)
 * or by time (`time`: newest first).
 */
type Postings = {
  ords: Int32Array;
  weights: Float32Array;
  n: number;
  impact?: Int32Array | undefined;
  time?: Int32Array | undefined;
};

/** Lists at most this long are ranked by a pass over them; longer ones by their ordered positions (see `#ordered`). */
const SCAN_ONLY = 512;

type Row = {
  work_id: string;
  rev: string;
  creator: string;
  technique: string | null;
  region: string | null;
  t: string;
  name: string | null;
  name_zh: string | null;
  name_en: string | null;
  tags: string[] | null;
  search_text: string;
};

/**
 * The PostgreSQL advisory lock a write of searchable text holds to commit, so search revisions commit in order (one
 * PGlite connection runs one transaction at a time anyway).
 */
export const SEARCH_REV_LOCK = 0x5ea4c4;

/** Rows read per statement while catching up. */
const PAGE = 5_000;

/** A work id (decimal) as 64 hex digits, which order as the numbers do. */
export const idKey = (workId: string) => BigInt(workId).toString(16).padStart(64, "0");

/** Negative when `a` comes before `b` in `order`. */
export function compareRank(order: SearchOrder, a: RankKey, b: RankKey): number {
  if (a.s !== b.s) return b.s - a.s;
  if (a.t !== b.t) return (order === "oldest" ? 1 : -1) * (a.t - b.t);
  return compareKeys(order, a.key, b.key);
}

/** Negative when the work id key `a` comes before `b` in `order` (the last tie-break). */
function compareKeys(order: SearchOrder, a: string, b: string): number {
  return a === b ? 0 : (order === "oldest" ? 1 : -1) * (a < b ? -1 : 1);
}

/** Negative when the result (s, t, key) comes before `b` in `order`; `key` is asked for only on a tie. */
function compareTo(order: SearchOrder, s: number, t: number, key: () => string, b: RankKey): number {
  if (s !== b.s) return b.s - s;
  if (t !== b.t) return (order === "oldest" ? 1 : -1) * (t - b.t);
  return compareKeys(order, key(), b.key);
}

/**
 * Every searchable work of one chain as postings of its terms (a term's works in the order they were indexed, with
 * the term's weight in each): a query intersects its terms' postings, shortest first, and keeps the best `k` in a
 * heap, so a page costs a pass over the postings of its rarest term and never a sort of every match. Works come in by
 * `search_rev` (migration 16), which the database bumps whenever a work's searchable text is written: `catchUp` reads
 * what changed since the last revision seen. A work indexed again gets a new place and its old one is dropped; a work
 * the database no longer has stays here until compaction, so results are always confirmed against the database.
 */
export class WorkTermIndex {
  readonly #sql: Sql;
  readonly #chainId: number;
  #rev = 0;
  #postings = new Map<string, Postings>();
  readonly #ordOf = new Map<string, number>();
  /** Each ordinal's work id and its key; its other fields are in `#columns`. */
  #works: { workId: string; key: string }[] = [];
  readonly #columns = new WorkColumns();
  #dead = 0;
  #catchingUp: Promise<void> | null = null;

  constructor(sql: Sql, chainId: number) {
    this.#sql = sql;
    this.#chainId = chainId;
  }

  /** The newest `search_rev` this index holds. */
  get revision(): number {
    return this.#rev;
  }

  /** Works indexed (not counting places left by works indexed again). */
  get size(): number {
    return this.#ordOf.size;
  }

  /** Reads every work whose searchable text changed since the last call; concurrent callers share one read. */
  catchUp(): Promise<void> {
    this.#catchingUp ??= this.#read().finally(() => {
      this.#catchingUp = null;
    });
    return this.#catchingUp;
  }

  async #read(): Promise<void> {
    for (;;) {
      const rows = await this.#sql.query<Row>(
        "select work_id::text as work_id, search_rev::text as rev, creator, technique, region, extract(epoch from " +
          "registered_at)::bigint::text as t, name, name_zh, name_en, tags, search_text from works where chain_id = " +
          "$1 and search_rev > $2 order by search_rev limit $3",
        [this.#chainId, this.#rev, PAGE],
      );
      for (const row of rows) this.#add(row);
      const last = rows.at(-1);
      if (last) this.#rev = Number(last.rev);
      if (rows.length < PAGE) break;
    }
    if (this.#dead > 10_000 && this.#dead > this.#ordOf.size / 4) this.#compact();
  }

  #add(row: Row): void {
    const previous = this.#ordOf.get(row.work_id);
    if (previous !== undefined) {
      this.#columns.kill(previous);
      this.#dead += 1;
      this.#ordOf.delete(row.work_id);
    }
    if (!row.search_text) return;
    const ord = this.#columns.push({
      creator: row.creator,
      technique: row.technique?.toLowerCase() ?? null,
      region: row.region?.toLowerCase() ?? null,
      t: Number(row.t),
    });
    this.#works.push({ workId: row.work_id, key: idKey(row.work_id) });
    this.#ordOf.set(row.work_id, ord);
    const names = [...new Set([row.name, row.name_zh, row.name_en])];
    const terms = documentTerms([
      { text: row.search_text, weight: 1 },
      ...names.map((text) => ({ text, weight: 2 })),
      { text: row.technique, weight: 1 },
      { text: row.region, weight: 1 },
      { text: row.tags?.join(" "), weight: 1 },
    ]);
    for (const [term, weight] of terms) this.#append(term, ord, weight);
  }

  #append(term: string, ord: number, weight: number): void {
    let p = this.#postings.get(term);
    if (!p) {
      p = { ords: new Int32Array(4), weights: new Float32Array(4), n: 0 };
      this.#postings.set(term, p);
    } else if (p.n === p.ords.length) {
      const ords = new Int32Array(p.n * 2);
      ords.set(p.ords);
      const weights = new Float32Array(p.n * 2);
      weights.set(p.weights);
      p.ords = ords;
      p.weights = weights;
    }
    p.ords[p.n] = ord;
    p.weights[p.n] = weight;
    p.n += 1;
  }

  /** Drops the places of works indexed again from every posting list (ordinals stay as they are). */
  #compact(): void {
    for (const [term, p] of this.#postings) {
      let n = 0;
      for (let i = 0; i < p.n; i++) {
        const ord = p.ords[i] as number;
        if (!this.#columns.isAlive(ord)) continue;
        p.ords[n] = ord;
        p.weights[n] = p.weights[i] as number;
        n += 1;
      }
      if (n === 0) this.#postings.delete(term);
      else p.n = n;
      p.impact = undefined;
      p.time = undefined;
    }
    this.#dead = 0;
  }

  /**
   * The first `k` works after `after` (null: from the start) in `order` that have every one of `terms` and pass
   * `filter`, in order. The score is the mean of the terms' weights in the work over the most a term can weigh.
   */
  top(
    terms: readonly string[],
    order: SearchOrder,
    after: RankKey | null,
    k: number,
    filter: IndexFilter,
  ): Candidate[] {
    const passes = this.#columns.test(filter);
    if (!passes) return [];
    // Each list with its term's place in the query: weights are added in the query's order, so a work's score is the
    // same on every page whatever the lists' lengths (the cursor compares scores exactly).
    const lists: { p: Postings; place: number }[] = [];
    for (const term of terms) {
      const p = this.#postings.get(term);
      if (!p) return [];
      lists.push({ p, place: lists.length });
    }
    if (lists.length === 0) return [];
    if (lists.length === 1 && (lists[0] as (typeof lists)[0]).p.n > SCAN_ONLY) {
      return this.#topOfOne((lists[0] as (typeof lists)[0]).p, order, after, k, passes);
    }
    lists.sort((a, b) => a.p.n - b.p.n);
    const [driver, ...others] = lists as [(typeof lists)[0], ...typeof lists];
    const at = new Array<number>(others.length).fill(0);
    const weights = new Array<number>(lists.length).fill(0);
    const heap = new BoundedHeap(k, (a: Candidate, b: Candidate) => compareRank(order, a, b));
    const scale = 1 / (lists.length * MAX_TERM_WEIGHT);
    const times = this.#columns.t;
    let ord = 0;
    const key = () => (this.#works[ord] as { key: string }).key;
    // The filter first: a few array reads, where the other lists cost a search each.
    outer: for (let i = 0; i < driver.p.n; i++) {
      ord = driver.p.ords[i] as number;
      if (!passes(ord)) continue;
      weights[driver.place] = driver.p.weights[i] as number;
      for (let j = 0; j < others.length; j++) {
        const { p: list, place } = others[j] as (typeof lists)[0];
        const found = seek(list, at[j] as number, ord);
        at[j] = found;
        if (found >= list.n || list.ords[found] !== ord) continue outer;
        weights[place] = list.weights[found] as number;
      }
      let sum = 0;
      for (const w of weights) sum += w;
      const score = order === "relevance" ? sum * scale : 1;
      const t = times[ord] as number;
      // Most matches lose to the worst kept: compared without making anything first.
      const worst = heap.worst();
      if (worst && compareTo(order, score, t, key, worst) >= 0) continue;
      if (after && compareTo(order, score, t, key, after) <= 0) continue;
      const work = this.#works[ord] as { workId: string; key: string };
      heap.offer({ workId: work.workId, key: work.key, t, s: score });
    }
    return heap.sorted();
  }

  /**
   * `top` for one term with a long list: its positions in the page's order are walked from `after` until `k` works
   * are kept, so a page costs about `k` over the share `passes` keeps, not a pass over the list. Works indexed since
   * the order was made (its tail) are ranked by a pass over them and merged; the order is made again once the tail
   * passes an eighth of the list.
   */
  #topOfOne(p: Postings, order: SearchOrder, after: RankKey | null, k: number, passes: OrdinalTest): Candidate[] {
    const kind = order === "relevance" ? "impact" : "time";
    let positions = p[kind];
    if (!positions || p.n - positions.length > Math.max(64, positions.length / 8)) {
      positions = this.#ordered(p, kind);
      p[kind] = positions;
    }
    const scale = 1 / MAX_TERM_WEIGHT;
    const times = this.#columns.t;
    const candidate = (i: number): Candidate => {
      const ord = p.ords[i] as number;
      const work = this.#works[ord] as { workId: string; key: string };
      const s = order === "relevance" ? (p.weights[i] as number) * scale : 1;
      return { workId: work.workId, key: work.key, t: times[ord] as number, s };
    };
    const heap = new BoundedHeap(k, (a: Candidate, b: Candidate) => compareRank(order, a, b));
    // The ordered positions hold newest first; oldest first walks them from the end.
    const m = positions.length;
    const at = (j: number) => positions[order === "oldest" ? m - 1 - j : j] as number;
    let lo = 0;
    if (after) {
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareRank(order, candidate(at(mid)), after) <= 0) lo = mid + 1;
        else hi = mid;
      }
    }
    let kept = 0;
    for (let j = lo; j < m && kept < k; j++) {
      const i = at(j);
      if (!passes(p.ords[i] as number)) continue;
      heap.offer(candidate(i));
      kept++;
    }
    for (let i = m; i < p.n; i++) {
      if (!passes(p.ords[i] as number)) continue;
      const c = candidate(i);
      if (after && compareRank(order, c, after) <= 0) continue;
      heap.offer(c);
    }
    return heap.sorted();
  }

  /** The list's positions, relevance order (`impact`) or newest first (`time`). */
  #ordered(p: Postings, kind: "impact" | "time"): Int32Array {
    const positions = new Int32Array(p.n);
    for (let i = 0; i < p.n; i++) positions[i] = i;
    const [works, times] = [this.#works, this.#columns.t];
    return positions.sort((a, b) => {
      if (kind === "impact" && p.weights[a] !== p.weights[b])
        return (p.weights[b] as number) - (p.weights[a] as number);
      const [oa, ob] = [p.ords[a] as number, p.ords[b] as number];
      if (times[oa] !== times[ob]) return (times[ob] as number) - (times[oa] as number);
      const [ka, kb] = [(works[oa] as { key: string }).key, (works[ob] as { key: string }).key];
      return ka === kb ? 0 : ka < kb ? 1 : -1;
    });
  }
}
