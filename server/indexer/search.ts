/** Search of the mirrored works: bilingual free text, filters, licensable now, price ranges, keyset pages. */
import type { Sql } from "../db/database.ts";
import { ZERO } from "./projector.ts";

/** A search of the mirrored works. Every filter is optional; `q` matches Chinese and English text alike. */
export type WorkSearch = {
  chainId: number;
  /** Free text: title, description, creator, technique, region and tags (trigram match, ranked by similarity). */
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

/**
 * One page of works, best match first (then newest, then by id), with a keyset cursor for the next page: pages never
 * repeat or skip a work, whatever is registered meanwhile.
 */
export async function searchWorks(sql: Sql, search: WorkSearch): Promise<{ hits: WorkHit[]; next: string | null }> {
  const limit = search.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new SearchError("limit", "must be 1 to 100");
  const q = search.q?.trim();
  if (q !== undefined && (q.length === 0 || q.length > 200)) throw new SearchError("q", "must be 1 to 200 characters");
  const params: unknown[] = [search.chainId];
  const where = ["chain_id = $1"];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const sort = search.sort ?? (q === undefined ? "newest" : "relevance");
  if (!["relevance", "newest", "oldest"].includes(sort)) {
    throw new SearchError("sort", "must be relevance, newest or oldest");
  }
  if (sort === "relevance" && q === undefined) throw new SearchError("sort", "relevance needs a query q");
  let score = "1::real";
  if (q !== undefined) {
    // The query's own % and _ are characters, not wildcards.
    where.push(`search_text ilike ${param(`%${q.replace(/[\\%_]/g, "\\$&")}%`)}`);
    if (sort === "relevance") score = `similarity(search_text, ${param(q)})`;
  }
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

  let after = "";
  if (search.cursor !== undefined) {
    const c = decodeCursor(search.cursor);
    const [s, t, id] = [param(c.s), param(c.t), param(c.id)];
    const before = sort === "oldest" ? ">" : "<";
    after =
      `where score < ${s}::real or (score = ${s}::real and (t ${before} ${t} or (t = ${t} and id ${before} ` +
      `${id}::numeric)))`;
  }
  const direction = sort === "oldest" ? "asc" : "desc";
  const rows = await sql.query<{
    work_id: string;
    name: string | null;
    creator: string;
    owner: string;
    technique: string | null;
    t: string;
    score: number;
  }>(
    `select * from (select work_id::text as work_id, work_id as id, name, creator, owner, technique, ` +
      `extract(epoch from registered_at)::bigint as t, ${score} as score from works where ${where.join(" and ")}) hits ` +
      `${after} order by score desc, t ${direction}, id ${direction} limit ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const hits = page.map((r) => ({
    workId: r.work_id,
    name: r.name,
    creator: r.creator,
    owner: r.owner,
    technique: r.technique,
    registeredAt: Number(r.t),
    score: Number(r.score),
  }));
  const last = page.at(-1);
  const next =
    rows.length > limit && last ? encodeCursor({ s: Number(last.score), t: Number(last.t), id: last.work_id }) : null;
  return { hits, next };
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
