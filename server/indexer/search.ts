/** Search of the mirrored works: bilingual free text, filters, licensable now, price ranges, keyset pages. */
import type { Sql } from "../db/database.ts";
import { ZERO } from "./projector.ts";
import type { IndexFilter } from "./search-columns.ts";
import { type Candidate, idKey, type RankKey, type SearchOrder, WorkTermIndex } from "./search-index.ts";
import { queryTerms } from "./search-terms.ts";

/** A search of the mirrored works. Every filter is optional; `q` matches Chinese and English text alike. */
export type WorkSearch = {
  chainId: number;
  /**
   * Free text: title, description, creator, technique, region and tags. Every word (Chinese: every pair of characters)
   * must be in the work; ranked by where they are (a title counts more) and how often, over the work's length.
   */
  q?: string;
  creator?: string;
  /** Technique, e.g. "Qiang embroidery" (case-insensitive). */
  technique?: string;
  /** Region where the work was made, e.g. "Sichuan" (case-insensitive). */
  region?: string;
  /** Only works some registered derivative names as a parent (true), or none does (false). */
  hasDerivatives?: boolean;
  /** Best match first (`relevance`, the default with `q`), or by registration time (`newest`, the default without). */
  sort?: "relevance" | "newest" | "oldest";
  /** Registered at or after / before this Unix time. */
  registeredFrom?: number;
  registeredTo?: number;
  /** Only works a licence can be bought of right now: an open offer by the current holder with supply left, time to
   * run and a currency the ledger allows now, the work not disputed and, when pledged, with the consent of the pledgee
   * of this pledge. */
  licensableNow?: boolean;
  /** Only works with such an offer priced within this range (base units of `currency`, decimal integers). */
  priceMin?: string;
  priceMax?: string;
  /** The currency of `priceMin`/`priceMax`: a token address, or the zero address for the native coin (default). */
  currency?: string;
  /** From a previous page's `next`. */
  cursor?: string;
  /** Page size, 1 to 100 (default 20). */
  limit?: number;
};

export type WorkHit = {
  workId: string;
  name: string | null;
  creator: string;
  owner: string;
  technique: string | null;
  registeredAt: number;
  score: number;
};

/** Refused search input; `field` names the parameter at fault (the API maps it to a 400). */
export class SearchError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "SearchError";
    this.field = field;
  }
}

type Cursor = { s: number; t: number; id: string };

type HitRow = {
  work_id: string;
  name: string | null;
  creator: string;
  owner: string;
  technique: string | null;
  t: string;
};

/** Largest batch of ranked candidates confirmed against the database in one statement. */
const MAX_BATCH = 2_000;

/** One term index per database handle and chain, built on the first search with words and kept current after. */
const termIndexes = new WeakMap<Sql, Map<number, WorkTermIndex>>();

/** The term index of `chainId`'s works in `sql`, created (empty) on first use. */
export function termIndexOf(sql: Sql, chainId: number): WorkTermIndex {
  const byChain = termIndexes.get(sql) ?? new Map<number, WorkTermIndex>();
  termIndexes.set(sql, byChain);
  const index = byChain.get(chainId) ?? new WorkTermIndex(sql, chainId);
  byChain.set(chainId, index);
  return index;
}

/**
 * One page of works, best match first (then newest, then by id), with a keyset cursor for the next page: pages never
 * repeat or skip a work, whatever is registered meanwhile. Free text is matched by the term index (every term of the
 * query in the work); the database confirms each page's works and applies every filter, and tells whether the index
 * has missed a write, in one statement.
 */
export async function searchWorks(sql: Sql, search: WorkSearch): Promise<{ hits: WorkHit[]; next: string | null }> {
  const limit = search.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new SearchError("limit", "must be 1 to 100");
  const q = search.q?.trim();
  if (q !== undefined && (q.length === 0 || q.length > 200)) throw new SearchError("q", "must be 1 to 200 characters");
  const terms = q === undefined ? undefined : queryTerms(q);
  const sort = search.sort ?? (q === undefined ? "newest" : "relevance");
  if (!["relevance", "newest", "oldest"].includes(sort)) {
    throw new SearchError("sort", "must be relevance, newest or oldest");
  }
  if (sort === "relevance" && q === undefined) throw new SearchError("sort", "relevance needs a query q");
  const filters = sqlFilters(search);
  const cursor = search.cursor === undefined ? undefined : decodeCursor(search.cursor);
  // Punctuation alone matches no work.
  if (terms?.length === 0) return { hits: [], next: null };
  const rows = terms
    ? await indexedPage(sql, search, terms, sort, filters, cursor, limit)
    : await sqlPage(sql, sort, filters, cursor, limit);
  const page = rows.slice(0, limit);
  const hits = page.map((r) => ({
    workId: r.work_id,
    name: r.name,
    creator: r.creator,
    owner: r.owner,
    technique: r.technique,
    registeredAt: Number(r.t),
    score: r.score,
  }));
  const last = page.at(-1);
  const next = rows.length > limit && last ? encodeCursor({ s: last.score, t: last.rank, id: last.work_id }) : null;
  return { hits, next };
}

type Filters = { where: string[]; params: unknown[]; param: (value: unknown) => string };
type PageRow = HitRow & { score: number; rank: number };

/** Every filter of `search` but the free text, as SQL over the works table. */
function sqlFilters(search: WorkSearch): Filters {
  const params: unknown[] = [search.chainId];
  const where = ["chain_id = $1"];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (search.creator !== undefined) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(search.creator)) throw new SearchError("creator", "must be an address");
    where.push(`creator = ${param(search.creator.toLowerCase())}`);
  }
  if (search.technique !== undefined) where.push(`lower(technique) = lower(${param(search.technique)})`);
  if (search.region !== undefined) where.push(`lower(region) = lower(${param(search.region)})`);
  if (search.hasDerivatives !== undefined) {
    where.push(
      `${search.hasDerivatives ? "" : "not "}exists (select 1 from works d where d.chain_id = works.chain_id and ` +
        "d.parents @> jsonb_build_array(works.work_id::text))",
    );
  }
  if (search.registeredFrom !== undefined) where.push(`registered_at >= to_timestamp(${param(search.registeredFrom)})`);
  if (search.registeredTo !== undefined) where.push(`registered_at < to_timestamp(${param(search.registeredTo)})`);

  const priced = search.priceMin !== undefined || search.priceMax !== undefined;
  if (!priced && search.currency !== undefined) {
    throw new SearchError("currency", "applies only with priceMin or priceMax");
  }
  if (search.licensableNow || priced) {
    const offer = [
      "o.chain_id = works.chain_id",
      "o.work_id = works.work_id",
      "o.status = 1",
      "(o.supply = 0 or o.sold < o.supply)",
      "o.end_at > extract(epoch from now())",
      "o.moves = works.moves",
      // The ledger refuses payment in a currency it no longer allows, whenever the offer was made.
      `(o.currency = '${ZERO}' or exists (select 1 from currencies c where c.chain_id = o.chain_id and ` +
        "c.source = 'ledger' and c.token = o.currency and c.allowed))",
    ];
    for (const [field, op] of [
      ["priceMin", ">="],
      ["priceMax", "<="],
    ] as const) {
      const value = search[field];
      if (value === undefined) continue;
      if (!/^\d{1,78}$/.test(value)) throw new SearchError(field, "must be a whole number of base units");
      offer.push(`o.price ${op} ${param(value)}::numeric`);
    }
    if (priced) {
      const currency = search.currency ?? ZERO;
      if (!/^0x[0-9a-fA-F]{40}$/.test(currency)) throw new SearchError("currency", "must be an address");
      offer.push(`o.currency = ${param(currency.toLowerCase())}`);
    }
    // Consent belongs to one pledge: the one in force.
    where.push("not disputed", "(not pledged or licence_consent_pledge = pledges)");
    where.push(`exists (select 1 from licence_offers o where ${offer.join(" and ")})`);
  }

  return { where, params, param };
}

/** A page without free text: the filters' matches by registration time, straight from the database. */
async function sqlPage(
  sql: Sql,
  sort: "relevance" | "newest" | "oldest",
  { where, params, param }: Filters,
  cursor: Cursor | undefined,
  limit: number,
): Promise<PageRow[]> {
  const before = sort === "oldest" ? ">" : "<";
  let after = "";
  if (cursor) {
    const [t, id] = [param(cursor.t), param(cursor.id)];
    after = `where t ${before} ${t} or (t = ${t} and id ${before} ${id}::numeric)`;
  }
  const direction = sort === "oldest" ? "asc" : "desc";
  const rows = await sql.query<HitRow>(
    "select * from (select work_id::text as work_id, work_id as id, name, creator, owner, technique, " +
      `extract(epoch from registered_at)::bigint as t from works where ${where.join(" and ")}) hits ${after} ` +
      `order by t ${direction}, id ${direction} limit ${param(limit + 1)}`,
    params,
  );
  return rows.map((r) => ({ ...r, score: 1, rank: Number(r.t) }));
}

/**
 * A page with free text: the term index ranks the candidates (with the filters it can check itself), the database
 * confirms them with every filter, batch by growing batch until the page is full or the matches run out. When the
 * database has searchable text the index has not read, the index catches up and the page starts again (once).
 */
async function indexedPage(
  sql: Sql,
  search: WorkSearch,
  terms: string[],
  order: SearchOrder,
  { where, params, param }: Filters,
  cursor: Cursor | undefined,
  limit: number,
): Promise<PageRow[]> {
  const index = termIndexOf(sql, search.chainId);
  if (index.revision === 0) await index.catchUp();
  const filter: IndexFilter = {
    ...(search.creator !== undefined ? { creator: search.creator.toLowerCase() } : {}),
    ...(search.technique !== undefined ? { technique: search.technique.toLowerCase() } : {}),
    ...(search.region !== undefined ? { region: search.region.toLowerCase() } : {}),
    ...(search.registeredFrom !== undefined ? { from: search.registeredFrom } : {}),
    ...(search.registeredTo !== undefined ? { to: search.registeredTo } : {}),
  };
  const dbOnly =
    search.licensableNow !== undefined ||
    search.priceMin !== undefined ||
    search.priceMax !== undefined ||
    search.hasDerivatives !== undefined;
  const ids = param(null);
  const statement =
    "select m.rev::text as rev, h.* from (select coalesce(max(search_rev), 0) as rev from works where chain_id = $1) " +
    "m left join lateral (select work_id::text as work_id, name, creator, owner, technique, extract(epoch from " +
    `registered_at)::bigint as t from works where ${where.join(" and ")} and work_id = any(${ids}::numeric[])) h on true`;
  const start: RankKey | null = cursor ? { s: cursor.s, t: cursor.t, key: idKey(cursor.id) } : null;
  for (let attempt = 0; ; attempt++) {
    const page: PageRow[] = [];
    let after = start;
    // With a filter only the database can check, the first batch is larger: most pages then need one statement.
    let k = dbOnly ? Math.min((limit + 1) * 4, MAX_BATCH) : limit + 1;
    let behind = false;
    for (;;) {
      const candidates = index.top(terms, order, after, k, filter);
      params[Number(ids.slice(1)) - 1] = `{${candidates.map((c) => c.workId).join(",")}}`;
      const rows = await sql.query<HitRow & { rev: string; work_id: string | null }>(statement, params);
      if (Number(rows[0]?.rev ?? 0) > index.revision) behind = true;
      if (behind && attempt === 0) break;
      const confirmed = new Map(rows.filter((r) => r.work_id !== null).map((r) => [r.work_id, r]));
      for (const c of candidates) {
        const row = confirmed.get(c.workId);
        if (row) page.push({ ...row, score: c.s, rank: c.t });
        if (page.length > limit) return page;
      }
      if (candidates.length < k) return page;
      after = candidates.at(-1) as Candidate;
      k = Math.min(k * 4, MAX_BATCH);
    }
    await index.catchUp();
  }
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Cursor;
    if (typeof c.s === "number" && Number.isFinite(c.s) && Number.isInteger(c.t) && /^\d{1,78}$/.test(c.id)) return c;
  } catch {
    // reported below
  }
  throw new SearchError("cursor", "is not a cursor from a previous page");
}
