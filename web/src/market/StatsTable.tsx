// The figures a chart draws, as a table (the chart's text alternative): one row per day, technique or region, and totals.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { formatUnits } from "viem";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { type Bucket, NATIVE, totalOf } from "./stats.ts";

function Revenue({ revenue }: { revenue: Bucket["revenue"] }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (revenue.length === 0) return <>{format.number(0)}</>;
  return (
    <ul className="amounts">
      {revenue.map((r) => (
        <li key={r.currency}>
          {r.currency === NATIVE ? (
            t("offers.priceNative", { amount: format.number(formatUnits(BigInt(r.amount), 18)) })
          ) : (
            <>
              {t("offers.priceToken", { amount: format.number(r.amount) })} <Hex value={r.currency} />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function Cells({ bucket }: { bucket: Bucket }) {
  const format = useFormat();
  return (
    <>
      <td data-measure="registrations">{format.number(bucket.registrations)}</td>
      <td data-measure="licences">{format.number(bucket.licences)}</td>
      <td data-measure="renewals">{format.number(bucket.renewals)}</td>
      <td data-measure="sales">{format.number(bucket.sales)}</td>
      <td data-measure="revenue">
        <Revenue revenue={bucket.revenue} />
      </td>
    </>
  );
}

export function StatsTable(props: {
  caption: string;
  keyHeading: string;
  buckets: Bucket[];
  /** The bucket's key in words (a day, or a technique or region, '' for none given). */
  keyText: (key: string) => string;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable to be scrolled by keyboard
    <section className="table-scroll" aria-labelledby={id} tabIndex={0}>
      <table className="stats">
        <caption id={id}>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{props.keyHeading}</th>
            <th scope="col">{t("market.measure.registrations")}</th>
            <th scope="col">{t("market.measure.licences")}</th>
            <th scope="col">{t("market.renewals")}</th>
            <th scope="col">{t("market.sales")}</th>
            <th scope="col">{t("market.revenue")}</th>
          </tr>
        </thead>
        <tbody>
          {props.buckets.map((b) => (
            <tr key={b.key} data-key={b.key}>
              <th scope="row">{props.keyText(b.key)}</th>
              <Cells bucket={b} />
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-total="">
            <th scope="row">{t("market.total")}</th>
            <Cells bucket={totalOf(props.buckets)} />
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
