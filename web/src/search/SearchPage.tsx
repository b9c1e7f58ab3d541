// Search: free text in Chinese or English with filters, results as cards, more pages by cursor.
import { useTranslation } from "react-i18next";
import { useLocation, useSearch } from "wouter";
import { api, call } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useCursorPages } from "../api/use-cursor-pages.ts";
import { useFormat } from "../i18n/format.ts";
import { Loading } from "../ui/Spinner.tsx";
import { filtersOf, queryOf, searchOf } from "./filters.ts";
import { SearchForm } from "./SearchForm.tsx";
import { WorkCard, type WorkSummary } from "./WorkCard.tsx";

export function SearchPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = filtersOf(search);
  const results = useCursorPages<WorkSummary>(search, async (cursor) => {
    const answer = await call(api.GET("/api/works", { params: { query: queryOf(filters, cursor) } }));
    return answer.problem ? answer : { data: { items: answer.data.works, next: answer.data.next } };
  });

  const searching = search !== "";
  return (
    <>
      <title>{`${t("search.title")} · ${t("app.name")}`}</title>
      <h1>{t("search.title")}</h1>
      <p className="lead">{t("search.lead")}</p>
      <SearchForm key={search} initial={filters} onSearch={(f) => navigate(`/?${searchOf(f)}`)} />
      <section aria-labelledby="results-heading" className="results">
        <h2 id="results-heading" className="visually-hidden">
          {t("search.results")}
        </h2>
        <p role="status" className="count">
          {results.loading && results.items.length === 0
            ? t("common.loading")
            : results.items.length === 0 && !results.problem
              ? searching
                ? t("search.none")
                : t("search.empty")
              : t("search.showing", { shown: format.number(results.items.length) })}
        </p>
        {results.items.length > 0 && (
          <ul className="cards">
            {results.items.map((work) => (
              <li key={work.workId}>
                <WorkCard work={work} />
              </li>
            ))}
          </ul>
        )}
        {results.problem && <ProblemMessage problem={results.problem} />}
        {results.loading && results.items.length > 0 && <Loading />}
        {results.next !== null && !results.loading && (
          <button type="button" className="more" onClick={results.more}>
            {t("search.more")}
          </button>
        )}
      </section>
    </>
  );
}
