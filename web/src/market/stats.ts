// The market's figures from GET /api/stats: the measures a chart can show, per bucket, and the totals of a table.
import { formatUnits } from "viem";
import type { paths } from "../../../client/index.ts";

export type Stats = paths["/api/stats"]["get"]["responses"][200]["content"]["application/json"];
export type Bucket = Stats["buckets"][number];
export type By = "day" | "technique" | "region";

export const MEASURES = ["registrations", "licences", "revenue"] as const;
export type Measure = (typeof MEASURES)[number];

/** The native currency's address in the API's revenue (licences and sales paid in ETH). */
export const NATIVE = "0x0000000000000000000000000000000000000000";

/** The bucket's revenue in the native currency, in wei. */
export function nativeRevenue(bucket: Pick<Bucket, "revenue">): bigint {
  return bucket.revenue.filter((r) => r.currency === NATIVE).reduce((sum, r) => sum + BigInt(r.amount), 0n);
}

/** The figure a chart draws for `bucket`: a count, or the revenue in ETH. */
export function figureOf(bucket: Bucket, measure: Measure): number {
  if (measure === "registrations") return bucket.registrations;
  if (measure === "licences") return bucket.licences;
  return Number(formatUnits(nativeRevenue(bucket), 18));
}

/** The buckets' sums: counts, and revenue per currency (in the currencies' order of first appearance). */
export function totalOf(buckets: Bucket[]): Bucket {
  const revenue = new Map<string, bigint>();
  for (const b of buckets) {
    for (const r of b.revenue) revenue.set(r.currency, (revenue.get(r.currency) ?? 0n) + BigInt(r.amount));
  }
  const sum = (key: "registrations" | "licences" | "renewals" | "sales") => buckets.reduce((s, b) => s + b[key], 0);
  return {
    key: "",
    registrations: sum("registrations"),
    licences: sum("licences"),
    renewals: sum("renewals"),
    sales: sum("sales"),
    revenue: [...revenue].map(([currency, amount]) => ({ currency, amount: amount.toString() })),
  };
}

/** Midnight UTC of a day bucket's key (YYYY-MM-DD), in Unix seconds. */
export function dayStart(key: string): number {
  return Date.parse(`${key}T00:00:00Z`) / 1000;
}

/** The `limit` buckets with the largest figure for `measure` (ties by key), largest first. */
export function largest(buckets: Bucket[], measure: Measure, limit: number): Bucket[] {
  return [...buckets]
    .sort((a, b) => figureOf(b, measure) - figureOf(a, measure) || a.key.localeCompare(b.key))
    .slice(0, limit);
}
