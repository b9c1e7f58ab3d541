// Search filters: kept in the page's address (shareable, back button), turned into the API's query.
import type { paths } from "../../../client/index.ts";

export type Filters = {
  q: string;
  technique: string;
  region: string;
  licensableNow: boolean;
  /** Registered on or after this day (YYYY-MM-DD, the reader's time zone). */
  from: string;
  /** Registered on or before this day. */
  to: string;
};

export type WorksQuery = NonNullable<paths["/api/works"]["get"]["parameters"]["query"]>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersOf(search: string): Filters {
  const p = new URLSearchParams(search);
  const day = (name: string) => {
    const value = p.get(name) ?? "";
    return DAY.test(value) ? value : "";
  };
  return {
    q: p.get("q") ?? "",
    technique: p.get("technique") ?? "",
    region: p.get("region") ?? "",
    licensableNow: p.get("licensable") === "1",
    from: day("from"),
    to: day("to"),
  };
}

/** The page's query string for `filters` (empty fields left out). */
export function searchOf(filters: Filters): string {
  const p = new URLSearchParams();
  if (filters.q.trim() !== "") p.set("q", filters.q.trim());
  if (filters.technique !== "") p.set("technique", filters.technique);
  if (filters.region !== "") p.set("region", filters.region);
  if (filters.licensableNow) p.set("licensable", "1");
  if (filters.from !== "") p.set("from", filters.from);
  if (filters.to !== "") p.set("to", filters.to);
  return p.toString();
}

/** Midnight starting `day` (YYYY-MM-DD) in the reader's time zone, `plusDays` later, as an ISO time. */
export function startOfDay(day: string, plusDays = 0): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The API's query for `filters`: the day range becomes [from's midnight, the midnight after `to`). */
export function queryOf(filters: Filters, cursor?: string): WorksQuery {
  return {
    limit: 20,
    ...(filters.q.trim() !== "" ? { q: filters.q.trim().slice(0, 200) } : {}),
    ...(filters.technique !== "" ? { technique: filters.technique } : {}),
    ...(filters.region !== "" ? { region: filters.region } : {}),
    ...(filters.licensableNow ? { licensableNow: true } : {}),
    ...(filters.from !== "" ? { registeredFrom: startOfDay(filters.from) } : {}),
    ...(filters.to !== "" ? { registeredTo: startOfDay(filters.to, 1) } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  };
}
