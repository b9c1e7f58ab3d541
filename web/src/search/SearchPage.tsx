// Search: free text in Chinese or English with filters, results as cards, more pages by cursor.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useSearch } from "wouter";
import { api, call, type Problem } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { Loading } from "../ui/Spinner.tsx";
import { type Filters, filtersOf, queryOf, searchOf } from "./filters.ts";
import { SearchForm } from "./SearchForm.tsx";
import { WorkCard, type WorkSummary } from "./WorkCard.tsx";

type Results = { works: WorkSummary[]; next: string | null; loading: boolean; problem: Problem | null };

export function SearchPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = filtersOf(search);
  const [results, setResults] = useState<Results>({ works: [], next: null, loading: true, problem: null });
  // Each new search makes the answers to the previous ones (first page or more) stale.
  const generation = useRef(0);

  const load = async (f: Filters, cursor: string | undefined, isCurrent: () => boolean) => {
    setResults((r) => ({ ...r, loading: true, problem: null }));
    const answer = await call(api.GET("/api/works", { params: { query: queryOf(f, cursor) } }));
    if (!isCurrent()) return;
    setResults((r) =>
      answer.problem
        ? { ...r, loading: false, problem: answer.problem }
        : {
            works: cursor === undefined ? answer.data.works : [...r.works, ...answer.data.works],
            next: answer.data.next,
            loading: false,
            problem: null,
          },
    );
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the address's query names the search
  useEffect(() => {
    const mine = ++generation.current;
    setResults({ works: [], next: null, loading: true, problem: null });
    void load(filtersOf(search), undefined, () => generation.current === mine);
  }, [search]);

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
          {results.loading && results.works.length === 0
            ? t("common.loading")
            : results.works.length === 0 && !results.problem
              ? searching
                ? t("search.none")
                : t("search.empty")
              : t("search.showing", { shown: format.number(results.works.length) })}
        </p>
        {results.works.length > 0 && (
          <ul className="cards">
            {results.works.map((work) => (
              <li key={work.workId}>
                <WorkCard work={work} />
              </li>
            ))}
          </ul>
        )}
        {results.problem && <ProblemMessage problem={results.problem} />}
        {results.loading && results.works.length > 0 && <Loading />}
        {results.next !== null && !results.loading && (
          <button
            type="button"
            className="more"
            onClick={() => {
              const mine = generation.current;
              void load(filters, results.next ?? undefined, () => generation.current === mine);
            }}
          >
            {t("search.more")}
          </button>
        )}
      </section>
    </>
  );
}
