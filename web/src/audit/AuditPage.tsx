// The transfers explorer (/audit): the audit trail filtered, as a table paged by the API's cursor, and its CSV.
import { useTranslation } from "react-i18next";
import { useLocation, useSearch } from "wouter";
import { api, apiHref, call } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useCursorPages } from "../api/use-cursor-pages.ts";
import { useFormat } from "../i18n/format.ts";
import { Loading } from "../ui/Spinner.tsx";
import { AuditForm } from "./AuditForm.tsx";
import { type AuditEntry, AuditTable } from "./AuditTable.tsx";
import { auditFiltersOf, auditQueryOf, auditSearchOf } from "./filters.ts";

const PAGE = 50;

export default function AuditPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = auditFiltersOf(search);
  const results = useCursorPages<AuditEntry>(search, async (after) => {
    const query = { ...auditQueryOf(filters), limit: PAGE, ...(after !== undefined ? { after } : {}) };
    const answer = await call(api.GET("/api/audit", { params: { query } }));
    return answer.problem ? answer : { data: { items: answer.data.entries, next: answer.data.next } };
  });

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
          {results.loading && results.items.length === 0
            ? t("common.loading")
            : results.items.length === 0 && !results.problem
              ? t("audit.none")
              : t("audit.showing", { shown: format.number(results.items.length) })}
        </p>
        {results.items.length > 0 && <AuditTable entries={results.items} />}
        {results.problem && <ProblemMessage problem={results.problem} />}
        {results.loading && results.items.length > 0 && <Loading />}
        {results.next !== null && !results.loading && (
          <button type="button" className="more" onClick={results.more}>
            {t("audit.more")}
          </button>
        )}
      </section>
    </>
  );
}
