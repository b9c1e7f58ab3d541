// One breakdown of the market (per day, per technique or per region): its chart of the chosen measure and its table.
import { useTranslation } from "react-i18next";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { localeOf } from "../i18n/index.ts";
import { Loading } from "../ui/Spinner.tsx";
import { Chart } from "./Chart.tsx";
import { StatsTable } from "./StatsTable.tsx";
import { type By, dayStart, figureOf, largest, type Measure } from "./stats.ts";
import type { StatsState } from "./use-stats.ts";

/** At most this many techniques or regions are drawn (the largest); the table lists them all. */
const MAX_CATEGORIES = 10;
const COLOURS: Record<Measure, string> = { registrations: "#8a1c1c", licences: "#1a4fd6", revenue: "#185c2c" };

export function Breakdown({ by, state, measure }: { by: By; state: StatsState; measure: Measure }) {
  const { t } = useTranslation();
  const format = useFormat();
  const locale = localeOf(format.language);
  const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  const shortDay = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", timeZone: "UTC" });
  const keyText = (key: string) =>
    by === "day" ? day.format(new Date(dayStart(key) * 1000)) : key === "" ? t("market.notGiven") : key;
  const title = t(`market.by.${by}`);
  if (state.stats === null) {
    return (
      <section aria-labelledby={`market-${by}`}>
        <h2 id={`market-${by}`}>{title}</h2>
        {state.problem ? <ProblemMessage problem={state.problem} /> : <Loading />}
      </section>
    );
  }
  const buckets = state.stats.buckets;
  const drawn = by === "day" ? buckets : largest(buckets, measure, MAX_CATEGORIES);
  const chartLabel = t("market.chartLabel", { measure: t(`market.measure.${measure}`), by: title });
  return (
    <section aria-labelledby={`market-${by}`} data-by={by}>
      <h2 id={`market-${by}`}>{title}</h2>
      {state.problem && <ProblemMessage problem={state.problem} />}
      {buckets.length === 0 ? (
        <p>{t("market.empty")}</p>
      ) : (
        <>
          <figure className="chart">
            <Chart
              kind={by === "day" ? "time" : "category"}
              xs={drawn.map((b, i) => (by === "day" ? dayStart(b.key) : i))}
              labels={drawn.map((b) => keyText(b.key))}
              values={drawn.map((b) => figureOf(b, measure))}
              integer={measure !== "revenue"}
              color={COLOURS[measure]}
              formatValue={(v) => format.number(v)}
              formatDay={(s) => shortDay.format(new Date(s * 1000))}
              label={chartLabel}
              locale={locale}
            />
            <figcaption>
              {by !== "day" && buckets.length > MAX_CATEGORIES
                ? t("market.figcaptionLargest", { n: MAX_CATEGORIES })
                : t("market.figcaption")}
            </figcaption>
          </figure>
          <StatsTable
            caption={t("market.tableCaption", { by: title })}
            keyHeading={t(`market.key.${by}`)}
            buckets={buckets}
            keyText={keyText}
          />
        </>
      )}
    </section>
  );
}
