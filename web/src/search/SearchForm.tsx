// The search form: free text and the filters (technique, region, licensable now, registration dates), all labelled.
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, call, useApi } from "../api/client.ts";
import type { Filters } from "./filters.ts";

/** The techniques or regions works are registered with, for the filters' choices (none when the API cannot say). */
export function useChoices(by: "technique" | "region"): string[] {
  const loaded = useApi(by, () => call(api.GET("/api/stats", { params: { query: { by } } })));
  if (loaded.state !== "done") return [];
  return loaded.data.buckets
    .map((b) => b.key)
    .filter((key) => key !== "")
    .sort((a, b) => a.localeCompare(b));
}

function Choice(props: { label: string; value: string; choices: string[]; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const choices =
    props.value !== "" && !props.choices.includes(props.value) ? [props.value, ...props.choices] : props.choices;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{t("search.any")}</option>
        {choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  );
}

export function SearchForm({ initial, onSearch }: { initial: Filters; onSearch: (filters: Filters) => void }) {
  const { t } = useTranslation();
  const [filters, setFilters] = useState(initial);
  const techniques = useChoices("technique");
  const regions = useChoices("region");
  const id = useId();
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(filters);
  };
  return (
    <search>
      <form className="search-form" onSubmit={submit}>
        <div className="field query">
          <label htmlFor={`${id}-q`}>{t("search.query")}</label>
          <input
            id={`${id}-q`}
            type="search"
            name="q"
            value={filters.q}
            maxLength={200}
            placeholder={t("search.placeholder")}
            onChange={(e) => set("q", e.target.value)}
          />
          <button type="submit">{t("search.submit")}</button>
        </div>
        <fieldset className="filters">
          <legend>{t("search.filters")}</legend>
          <Choice
            label={t("search.technique")}
            value={filters.technique}
            choices={techniques}
            onChange={(v) => set("technique", v)}
          />
          <Choice
            label={t("search.region")}
            value={filters.region}
            choices={regions}
            onChange={(v) => set("region", v)}
          />
          <div className="field">
            <label htmlFor={`${id}-from`}>{t("search.from")}</label>
            <input id={`${id}-from`} type="date" value={filters.from} onChange={(e) => set("from", e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>{t("search.to")}</label>
            <input id={`${id}-to`} type="date" value={filters.to} onChange={(e) => set("to", e.target.value)} />
          </div>
          <div className="field checkbox">
            <input
              id={`${id}-licensable`}
              type="checkbox"
              checked={filters.licensableNow}
              onChange={(e) => set("licensableNow", e.target.checked)}
            />
            <label htmlFor={`${id}-licensable`}>{t("search.licensableNow")}</label>
          </div>
        </fieldset>
      </form>
    </search>
  );
}
