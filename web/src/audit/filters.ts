// The transfers explorer's filters: kept in the page's address, turned into the query of /api/audit and its CSV.
import type { paths } from "../../../client/index.ts";
import { AUDIT_KINDS } from "../../../core/evidence/kinds.ts";
import { startOfDay } from "../search/filters.ts";

export { AUDIT_KINDS };

export type AuditQuery = NonNullable<paths["/api/audit"]["get"]["parameters"]["query"]>;

export type AuditFilters = {
  /** The work: its sha256 (0x-hex) or its id in decimal. */
  work: string;
  account: string;
  /** One kind of event, or "" for all. */
  kind: string;
  /** Days (YYYY-MM-DD, the reader's time zone), both included. */
  from: string;
  to: string;
};

const WORK = /^(0x[0-9a-fA-F]{64}|[0-9]{1,78})$/;
const ACCOUNT = /^0x[0-9a-fA-F]{40}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function auditFiltersOf(search: string): AuditFilters {
  const p = new URLSearchParams(search);
  const get = (name: string) => (p.get(name) ?? "").trim();
  const kind = get("kind");
  return {
    work: get("work"),
    account: get("account"),
    kind: (AUDIT_KINDS as readonly string[]).includes(kind) ? kind : "",
    from: DAY.test(get("from")) ? get("from") : "",
    to: DAY.test(get("to")) ? get("to") : "",
  };
}

/** The page's query string for `filters` (empty fields left out). */
export function auditSearchOf(filters: AuditFilters): string {
  const p = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value.trim() !== "") p.set(name, value.trim());
  return p.toString();
}

/** Which field is not valid, if any: the API would refuse it. */
export function invalidField(filters: AuditFilters): "work" | "account" | null {
  if (filters.work !== "" && !WORK.test(filters.work)) return "work";
  if (filters.account !== "" && !ACCOUNT.test(filters.account)) return "account";
  return null;
}

/** The API's query for `filters` (the day range becomes [from's midnight, the midnight after `to`)), no paging. */
export function auditQueryOf(filters: AuditFilters): AuditQuery {
  return {
    ...(filters.work !== "" ? { work: filters.work } : {}),
    ...(filters.account !== "" ? { account: filters.account } : {}),
    ...(filters.kind !== "" ? { kinds: filters.kind } : {}),
    ...(filters.from !== "" ? { from: startOfDay(filters.from) } : {}),
    ...(filters.to !== "" ? { to: startOfDay(filters.to, 1) } : {}),
  };
}
