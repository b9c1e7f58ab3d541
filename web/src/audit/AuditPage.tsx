// The transfers explorer (/audit): the audit trail filtered, as a table paged by the API's cursor, and its CSV.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useSearch } from "wouter";
import { api, apiHref, call, type Problem } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { Loading } from "../ui/Spinner.tsx";
import { AuditForm } from "./AuditForm.tsx";
import { type AuditEntry, AuditTable } from "./AuditTable.tsx";
import { type AuditFilters, auditFiltersOf, auditQueryOf, auditSearchOf } from "./filters.ts";

const PAGE = 50;

type Results = { entries: AuditEntry[]; next: string | null; loading: boolean; problem: Problem | null };

export default function AuditPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = auditFiltersOf(search);
  const [results, setResults] = useState<Results>({ entries: [], next: null, loading: true, problem: null });
  // Each new filter makes the answers to the previous ones (first page or more) stale.
  const generation = useRef(0);

  const load = async (f: AuditFilters, after: string | undefined, isCurrent: () => boolean) => {
    setResults((r) => ({ ...r, loading: true, problem: null }));
    const query = { ...auditQueryOf(f), limit: PAGE, ...(after !== undefined ? { after } : {}) };
    const answer = await call(api.GET("/api/audit", { params: { query } }));
    if (!isCurrent()) return;
    setResults((r) =>
      answer.problem
        ? { ...r, loading: false, problem: answer.problem }
        : {
            entries: after === undefined ? answer.data.entries : [...r.entries, ...answer.data.entries],
            next: answer.data.next,
            loading: false,
            problem: null,
          },
    );
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the address's query names the filters
  useEffect(() => {
    const mine = ++generation.current;
    setResults({ entries: [], next: null, loading: true, problem: null });
    void load(auditFiltersOf(search), undefined, () => generation.current === mine);
  }, [search]);

  return (
    <>
      <title>{`${t("audit.title")} · ${t("app.name")}`}</title>
      <h1>{t("audit.title")}</h1>
      <p className="lead">{t("audit.lead")}</p>
      <AuditForm key={search} initial={filters} onFilter={(f) => navigate(`/audit?${auditSearchOf(f)}`)} />
      <p className="downloads">
        <a href={apiHref("/api/audit.csv", {}, auditQueryOf(filters))} download="titlechain-audit.csv">
          {t("audit.csv")}
        </a>
      </p>
      <section aria-labelledby="audit-results" className="results">
        <h2 id="audit-results" className="visually-hidden">
          {t("audit.results")}
        </h2>
        <p role="status" className="count">
          {results.loading && results.entries.length === 0
            ? t("common.loading")
            : results.entries.length === 0 && !results.problem
              ? t("audit.none")
              : t("audit.showing", { shown: format.number(results.entries.length) })}
        </p>
        {results.entries.length > 0 && <AuditTable entries={results.entries} />}
        {results.problem && <ProblemMessage problem={results.problem} />}
        {results.loading && results.entries.length > 0 && <Loading />}
        {results.next !== null && !results.loading && (
          <button
            type="button"
            className="more"
            onClick={() => {
              const mine = generation.current;
              void load(filters, results.next ?? undefined, () => generation.current === mine);
            }}
          >
            {t("audit.more")}
          </button>
        )}
      </section>
    </>
  );
}
