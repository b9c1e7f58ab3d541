// The market dashboard (/market): registrations, licences and revenue per day, technique and region, and arrivals live.
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useSearch } from "wouter";
import { Breakdown } from "./Breakdown.tsx";
import { LiveRegistrations } from "./LiveRegistrations.tsx";
import "./market.css";
import { MEASURES, type Measure } from "./stats.ts";
import { useStats } from "./use-stats.ts";

/** How long after a new registration the figures are asked again (the indexer may still be writing its row). */
const SETTLE_MS = 800;

function MeasureChoice({ value, onChange }: { value: Measure; onChange: (measure: Measure) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <fieldset className="measure-choice">
      <legend>{t("market.show")}</legend>
      {MEASURES.map((m) => (
        <div key={m} className="field checkbox">
          <input
            id={`${id}-${m}`}
            type="radio"
            name="measure"
            value={m}
            checked={value === m}
            onChange={() => onChange(m)}
          />
          <label htmlFor={`${id}-${m}`}>{t(`market.measure.${m}`)}</label>
        </div>
      ))}
    </fieldset>
  );
}

export default function MarketPage() {
  const { t } = useTranslation();
  const search = useSearch();
  const [, navigate] = useLocation();
  const shown = new URLSearchParams(search).get("show");
  const measure: Measure = (MEASURES as readonly string[]).includes(shown ?? "") ? (shown as Measure) : "registrations";
  const [generation, setGeneration] = useState(0);
  const day = useStats("day", generation);
  const technique = useStats("technique", generation);
  const region = useStats("region", generation);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const registered = () => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setGeneration((g) => g + 1), SETTLE_MS);
  };
  return (
    <>
      <title>{`${t("market.title")} · ${t("app.name")}`}</title>
      <h1>{t("market.title")}</h1>
      <p className="lead">{t("market.lead")}</p>
      <LiveRegistrations onRegistration={registered} />
      <MeasureChoice
        value={measure}
        onChange={(m) => navigate(m === "registrations" ? "/market" : `/market?show=${m}`, { replace: true })}
      />
      <Breakdown by="day" state={day} measure={measure} />
      <Breakdown by="technique" state={technique} measure={measure} />
      <Breakdown by="region" state={region} measure={measure} />
    </>
  );
}
