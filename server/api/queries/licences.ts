// Licences from the mirror: grants and their status, "may this account use this work so?" as the ledger's permits.
import { countryBitOf } from "../../../core/licence.ts";
import type { Sql } from "../../db/database.ts";

/** The states the mirror stores, as `LicenceStorage`'s LIVE, TERMINATED and SURRENDERED. */
const LIVE = 1;
const TERMINATED = 2;
const SURRENDERED = 3;

/** The ledger's `GrantStatus` values in words (None never reaches a mirrored grant). */
export type GrantStatusName = "scheduled" | "active" | "expired" | "terminated" | "surrendered" | "parentEnded";

type GrantRow = {
  grant_id: string;
  work_id: string;
  offer_index: number;
  serial: number;
  holder: string;
  start_at: string;
  end_at: string;
  state: number;
  transferable: boolean;
  parent_grant_id: string;
  granted_at: string;
};

const GRANT_COLUMNS =
  "g.grant_id::text as grant_id, g.work_id::text as work_id, g.offer_index, g.serial, g.holder, " +
  "g.start_at::text as start_at, g.end_at::text as end_at, g.state, g.transferable, " +
  "g.parent_grant_id::text as parent_grant_id, extract(epoch from g.granted_at)::bigint::text as granted_at";

/** The grants above `grantId` (its parent, the parent's parent...), at most eight: a sublicence's depth bound. */
async function ancestors(sql: Sql, chainId: number, grantId: string): Promise<GrantRow[]> {
  return sql.query<GrantRow>(
    "with recursive up(id, depth) as (select parent_grant_id, 1 from licence_grants where chain_id = $1 and " +
      "grant_id = $2::numeric union all select g.parent_grant_id, up.depth + 1 from up join licence_grants g on " +
      "g.chain_id = $1 and g.grant_id = up.id where up.depth < 9) " +
      `select ${GRANT_COLUMNS} from up join licence_grants g on g.chain_id = $1 and g.grant_id = up.id order by up.depth`,
    [chainId, grantId],
  );
}

/** A grant's status at `now`, as the ledger's `grantStatus` computes it. */
function statusOf(grant: GrantRow, above: readonly GrantRow[], now: number): GrantStatusName {
  if (grant.state === TERMINATED) return "terminated";
  if (grant.state === SURRENDERED) return "surrendered";
  if (now >= Number(grant.end_at)) return "expired";
  if (above.some((p) => p.state !== LIVE && Number(p.end_at) <= now)) return "parentEnded";
  return now < Number(grant.start_at) ? "scheduled" : "active";
}

function grantOut(grant: GrantRow, above: readonly GrantRow[], now: number) {
  return {
    grantId: grant.grant_id,
    workId: grant.work_id,
    offerIndex: grant.offer_index,
    serial: grant.serial,
    holder: grant.holder,
    start: new Date(Number(grant.start_at) * 1000).toISOString(),
    end: Number(grant.end_at) >= 2 ** 40 - 1 ? null : new Date(Number(grant.end_at) * 1000).toISOString(),
    status: statusOf(grant, above, now),
    transferable: grant.transferable,
    parentGrantId: grant.parent_grant_id === "0" ? null : grant.parent_grant_id,
    grantedAt: new Date(Number(grant.granted_at) * 1000).toISOString(),
  };
}

export type GrantOut = ReturnType<typeof grantOut>;

/** At most this many grants are listed per answer. */
export const MAX_GRANTS_LISTED = 500;

/** The grants of a work, or held by an account (of one work or all), with their status now. */
export async function grantsOf(
  sql: Sql,
  chainId: number,
  by: { workId?: string; holder?: string },
): Promise<GrantOut[]> {
  const where = ["g.chain_id = $1"];
  const params: unknown[] = [chainId];
  if (by.workId !== undefined) where.push(`g.work_id = $${params.push(by.workId)}::numeric`);
  if (by.holder !== undefined) where.push(`g.holder = $${params.push(by.holder.toLowerCase())}`);
  const rows = await sql.query<GrantRow>(
    `select ${GRANT_COLUMNS} from licence_grants g where ${where.join(" and ")} order by g.granted_at, g.grant_id ` +
      `limit ${MAX_GRANTS_LISTED}`,
    params,
  );
  const now = Math.floor(Date.now() / 1000);
  return Promise.all(
    rows.map(async (g) => grantOut(g, g.parent_grant_id === "0" ? [] : await ancestors(sql, chainId, g.grant_id), now)),
  );
}

export type PermitQuestion = {
  chainId: number;
  account: string;
  workId: string;
  /** Bit set of uses (`core/licence.ts` Use), at least one. */
  use: number;
  /** ISO 3166-1 alpha-2, or null for "anywhere" (as the ledger's bytes2(0)). */
  country: string | null;
  /** Bit set of fields of use. */
  field: number;
  time: number;
};

/**
 * The first grant (by offer, then serial, as the ledger's `findGrant`) that lets `account` use the work so at `time`,
 * decided by the rule of the ledger's `permits`: held by the account and not ended at `time`, the offer's uses and
 * fields covering the ones asked, the country inside the offer's territory, and every grant above it running at
 * `time`. Null when none does.
 */
export async function findPermit(sql: Sql, q: PermitQuestion): Promise<GrantOut | null> {
  const candidates = await sql.query<GrantRow & { territory: string[]; uses: number; fields: number }>(
    `select ${GRANT_COLUMNS}, o.territory, o.uses, o.fields from licence_grants g join licence_offers o on ` +
      "o.chain_id = g.chain_id and o.work_id = g.work_id and o.offer_index = g.offer_index where g.chain_id = $1 " +
      "and g.work_id = $2::numeric and g.holder = $3 and g.start_at <= $4 and g.end_at > $4 " +
      "and (o.uses & $5) = $5 and (o.fields & $6) = $6 order by g.offer_index, g.serial",
    [q.chainId, q.workId, q.account.toLowerCase(), q.time, q.use, q.field],
  );
  const bit = q.country === null ? null : countryBitOf(q.country);
  for (const c of candidates) {
    const words = c.territory.map((w) => BigInt(w));
    const worldwide = words.every((w) => w === 0n);
    if (bit !== null && !worldwide && (((words[bit >> 8] ?? 0n) >> BigInt(bit & 255)) & 1n) === 0n) continue;
    const above = c.parent_grant_id === "0" ? [] : await ancestors(sql, q.chainId, c.grant_id);
    if (above.some((p) => q.time < Number(p.start_at) || q.time >= Number(p.end_at))) continue;
    return grantOut(c, above, Math.floor(Date.now() / 1000));
  }
  return null;
}
