// The detail of one work from the mirror: its record, metadata, title status, lineage, licence offers and listing.
import { cidFromHex } from "../../../core/cid.ts";
import { describeOffer, territoryCodes, useNamesOf } from "../../../core/licence-text.ts";
import { DRAWN_IMAGE } from "../../../core/media-types.ts";
import { finalAt } from "../../../core/priority.ts";
import type { Sql } from "../../db/database.ts";
import { nearDuplicatesJson } from "../../indexer/near-duplicates.ts";
import { iso } from "../schemas.ts";

type WorkRow = Record<string, unknown> & { work_id: string };

/** At most this many derivatives are listed in a work's detail (the search filter finds them all). */
export const MAX_DERIVATIVES_LISTED = 100;

type OfferState = "open" | "paused" | "closed" | "soldOut" | "ended" | "void";

/** An offer's state in words: void once the work changed holder, else closed, paused, sold out, ended or open. */
function offerState(current: boolean, status: number, soldOut: boolean, ended: boolean): OfferState {
  if (!current) return "void";
  if (status === 3) return "closed";
  if (status === 2) return "paused";
  if (soldOut) return "soldOut";
  return ended ? "ended" : "open";
}

/** A CID stored as the contracts' bytes, as its string; bytes that are no CID stay hex (untrusted input). */
function cidOrHex(hex: string): string {
  try {
    return cidFromHex(hex as `0x${string}`);
  } catch {
    return hex;
  }
}

/** The work's detail as the API answers it, or null when no such work is mirrored. */
export async function workDetail(sql: Sql, chainId: number, workId: string) {
  // One statement: the work, its first derivatives, its offers, its listing and its near-duplicates.
  const [work] = await sql.query<WorkRow>(
    "select work_id::text as work_id, content_hash, creator, owner, extract(epoch from registered_at)::bigint as " +
      "registered_at, extract(epoch from recorded_at)::bigint as recorded_at, royalty_receiver, royalty_bps, parents, " +
      "metadata_cid, pledged, pledgee, extract(epoch from pledge_maturity)::bigint as pledge_maturity, " +
      "licence_consent_pledge, pledges, disputed, owes_royalties, moves, encumbrances, metadata_status, " +
      "metadata_error, name, name_zh, name_en, description, technique, region, tags, content_cid, content_type, " +
      "(select coalesce(json_agg(d.work_id::text order by d.registered_at, d.work_id), '[]') from (select work_id, " +
      "registered_at from works d where d.chain_id = w.chain_id and d.parents @> jsonb_build_array(w.work_id::text) " +
      `order by d.registered_at, d.work_id limit ${MAX_DERIVATIVES_LISTED}) d) as derivatives, ` +
      "(select coalesce(json_agg(o order by o.offer_index), '[]') from (select offer_index, licensor, kind, status, " +
      "uses, fields, transferable, territory, supply, sold, start_at, end_at, duration, currency, price::text as " +
      "price, moves, terms_hash, derivative_royalty_bps, text_hash, text_cid from licence_offers o where o.chain_id = " +
      "w.chain_id and o.work_id = w.work_id and o.parent_grant_id is null) o) as offers, " +
      "(select row_to_json(l) from (select seller, currency, price::text as price, expiry, moves, pledges from " +
      "listings l where l.chain_id = w.chain_id and l.work_id = w.work_id) l) as listing, " +
      `${nearDuplicatesJson("w.chain_id", "w.work_id")} as near_duplicates ` +
      "from works w where w.chain_id = $1 and w.work_id = $2::numeric",
    [chainId, workId],
  );
  if (!work) return null;
  const derivatives = work["derivatives"] as string[];
  const offers = work["offers"] as Record<string, unknown>[];
  const listing = work["listing"] as Record<string, unknown> | null;
  const nearDuplicates = work["near_duplicates"] as { workId: string; distance: number }[];
  const now = Math.floor(Date.now() / 1000);
  const recordedAt = Number(work["recorded_at"]);
  const pledges = Number(work["pledges"]);
  const moves = Number(work["moves"]);
  return {
    workId: work.work_id,
    contentHash: String(work["content_hash"]),
    chainId,
    creator: String(work["creator"]),
    owner: String(work["owner"]),
    registeredAt: iso(work["registered_at"]) as string,
    recordedAt: iso(recordedAt) as string,
    priorityClaimsCloseAt: iso(Number(finalAt({ recordedAt: BigInt(recordedAt) }))) as string,
    royalty: { receiver: String(work["royalty_receiver"]), bps: Number(work["royalty_bps"]) },
    parents: (work["parents"] as string[]).map(String),
    derivatives,
    metadata: {
      cid: String(work["metadata_cid"]),
      status: String(work["metadata_status"]) as "pending" | "ok" | "invalid" | "unavailable",
      error: (work["metadata_error"] as string | null) ?? null,
      name: (work["name"] as string | null) ?? null,
      nameZh: (work["name_zh"] as string | null) ?? null,
      nameEn: (work["name_en"] as string | null) ?? null,
      description: (work["description"] as string | null) ?? null,
      technique: (work["technique"] as string | null) ?? null,
      region: (work["region"] as string | null) ?? null,
      tags: (work["tags"] as string[] | null) ?? [],
    },
    content: work["content_cid"] ? { cid: String(work["content_cid"]), mediaType: String(work["content_type"]) } : null,
    pledge: work["pledged"]
      ? {
          pledgee: String(work["pledgee"]),
          maturity: iso(work["pledge_maturity"]),
          licenceSalesConsented: Number(work["licence_consent_pledge"]) === pledges,
        }
      : null,
    disputed: Boolean(work["disputed"]),
    nearDuplicates,
    owesDerivativeRoyalties: Boolean(work["owes_royalties"]),
    moves,
    encumbrances: Number(work["encumbrances"]),
    offers: offers.map((o) => {
      const terms = {
        kind: Number(o["kind"]),
        uses: Number(o["uses"]),
        fields: Number(o["fields"]),
        transferable: Boolean(o["transferable"]),
        territory: o["territory"] as string[],
        start: Number(o["start_at"]),
        end: Number(o["end_at"]),
        duration: Number(o["duration"]),
        supply: Number(o["supply"]),
        derivativeRoyaltyBps: Number(o["derivative_royalty_bps"]),
      };
      const status = Number(o["status"]);
      const soldOut = terms.supply > 0 && Number(o["sold"]) >= terms.supply;
      const current = Number(o["moves"]) === moves;
      return {
        offerIndex: Number(o["offer_index"]),
        licensor: String(o["licensor"]),
        state: offerState(current, status, soldOut, terms.end <= now),
        kind: (["nonExclusive", "sole", "exclusive"] as const)[terms.kind] ?? "nonExclusive",
        uses: useNamesOf(terms.uses),
        fields: terms.fields,
        territory: territoryCodes(terms.territory),
        start: iso(terms.start) as string,
        end: terms.end >= 2 ** 40 - 1 ? null : iso(terms.end),
        durationSeconds: terms.duration,
        supply: terms.supply,
        sold: Number(o["sold"]),
        transferable: terms.transferable,
        derivativeRoyaltyBps: terms.derivativeRoyaltyBps,
        currency: String(o["currency"]),
        price: String(o["price"]),
        termsHash: String(o["terms_hash"]),
        legalText: { sha256: String(o["text_hash"]), cid: cidOrHex(String(o["text_cid"])) },
        words: describeOffer(terms),
      };
    }),
    listing:
      // A listing binds while the work has not moved or been pledged since, until its expiry (0: none).
      listing &&
      Number(listing["moves"]) === moves &&
      Number(listing["pledges"]) === pledges &&
      !work["pledged"] &&
      (Number(listing["expiry"]) === 0 || Number(listing["expiry"]) > now)
        ? {
            seller: String(listing["seller"]),
            currency: String(listing["currency"]),
            price: String(listing["price"]),
            expiry: Number(listing["expiry"]) === 0 ? null : iso(listing["expiry"]),
          }
        : null,
  };
}

/**
 * What a work's page asks for first, as Link values: its detail and, when its file is a drawn image, the image (the
 * page's largest paint). Nothing for an id that is not one or a work not mirrored.
 */
export async function workPagePreloads(sql: Sql, chainId: number, id: string): Promise<string[]> {
  let workId: string;
  try {
    if (!/^([0-9]{1,78}|0x[0-9a-fA-F]{64})$/.test(id)) return [];
    workId = BigInt(id).toString();
  } catch {
    return [];
  }
  const [work] = await sql.query<{ content_cid: string | null; content_type: string | null }>(
    "select content_cid, content_type from works where chain_id = $1 and work_id = $2::numeric",
    [chainId, workId],
  );
  if (!work) return [];
  // The page asks with fetch() from this origin: a preload matches it in CORS mode with same-origin credentials.
  const links = [`</api/works/${id}>; rel=preload; as=fetch; crossorigin`];
  if (work.content_cid && work.content_type && DRAWN_IMAGE.test(work.content_type)) {
    links.push(`</ipfs/${encodeURIComponent(work.content_cid)}>; rel=preload; as=image; fetchpriority=high`);
  }
  return links;
}
