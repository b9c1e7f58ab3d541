// Market statistics for charts: registrations, licences sold, renewals, work sales and revenue per day, technique or region.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ApiDeps } from "../deps.ts";
import { Address, Amount, errors } from "../schemas.ts";

/** At most this many buckets in one answer (days of a range, or techniques and regions by activity). */
export const MAX_BUCKETS = 400;

const Bucket = Type.Object({
  key: Type.String({ description: "the day (YYYY-MM-DD, UTC), the technique or the region; '' for none given" }),
  registrations: Type.Integer(),
  licences: Type.Integer({ description: "licences sold (purchases)" }),
  renewals: Type.Integer(),
  sales: Type.Integer({ description: "works sold on the exchange" }),
  revenue: Type.Array(Type.Object({ currency: Address, amount: Amount }), {
    description: "licence purchases, renewals and work sales, gross, per currency",
  }),
});

export const statsRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    "/stats",
    {
      schema: {
        tags: ["stats"],
        summary: "Market statistics per day, technique or region, for charts",
        querystring: Type.Object(
          {
            by: Type.Union([Type.Literal("day"), Type.Literal("technique"), Type.Literal("region")], {
              default: "day",
            }),
            from: Type.Optional(Type.String({ format: "date-time" })),
            to: Type.Optional(Type.String({ format: "date-time" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ by: Type.String(), buckets: Type.Array(Bucket) }), ...errors(400, 429) },
      },
    },
    async (request) => {
      const { by, from, to } = request.query;
      const key =
        by === "day"
          ? "to_char(date_trunc('day', t at time zone 'UTC'), 'YYYY-MM-DD')"
          : `coalesce(w.${by === "technique" ? "technique" : "region"}, '')`;
      const params: unknown[] = [deps.chain.chainId, from ?? "-infinity", to ?? "infinity"];
      // Every event counted once, with its work, time, kind and amount; then grouped by the key asked for.
      const rows = await deps.db.query<{
        key: string;
        registrations: number;
        licences: number;
        renewals: number;
        sales: number;
        revenue: { currency: string; amount: string }[] | null;
      }>(
        `with events as (
          select work_id, registered_at as t, 'registration' as kind, null::text as currency, 0::numeric as amount
            from works where chain_id = $1
          union all select work_id, "timestamp", kind, currency, price from licence_payments where chain_id = $1
          union all select work_id, "timestamp", 'sale', currency, price from work_sales where chain_id = $1
        ), keyed as (
          select ${key} as key, e.kind, e.currency, e.amount from events e
          left join works w on w.chain_id = $1 and w.work_id = e.work_id
          where e.t >= $2::timestamptz and e.t < $3::timestamptz
        ), revenue as (
          select key, jsonb_agg(jsonb_build_object('currency', currency, 'amount', total::text) order by currency) as r
          from (select key, currency, sum(amount) as total from keyed where currency is not null group by key, currency) x
          group by key
        )
        select k.key, count(*) filter (where kind = 'registration')::int as registrations,
          count(*) filter (where kind = 'purchase')::int as licences,
          count(*) filter (where kind = 'renewal')::int as renewals,
          count(*) filter (where kind = 'sale')::int as sales, r.r as revenue
        from keyed k left join revenue r using (key) group by k.key, r.r
        order by ${by === "day" ? "k.key" : "count(*) desc, k.key"} limit ${MAX_BUCKETS}`,
        params,
      );
      return { by, buckets: rows.map((r) => ({ ...r, revenue: r.revenue ?? [] })) };
    },
  );
};
