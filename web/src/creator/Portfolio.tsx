// A creator's works, newest first, as the search's cards, paged by the API's cursor.
import { useTranslation } from "react-i18next";
import { api, call } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useCursorPages } from "../api/use-cursor-pages.ts";
import { useFormat } from "../i18n/format.ts";
import { WorkCard, type WorkSummary } from "../search/WorkCard.tsx";
import { Loading } from "../ui/Spinner.tsx";

const PAGE = 12;

export function Portfolio({ account, total }: { account: string; total: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  const works = useCursorPages<WorkSummary>(account, async (cursor) => {
    const query = { creator: account, sort: "newest" as const, limit: PAGE, ...(cursor ? { cursor } : {}) };
    const answer = await call(api.GET("/api/works", { params: { query } }));
    return answer.problem ? answer : { data: { items: answer.data.works, next: answer.data.next } };
  });
  return (
    <section aria-labelledby="portfolio" className="results">
      <h2 id="portfolio">{t("creator.portfolio")}</h2>
      <p role="status" className="count">
        {works.loading && works.items.length === 0
          ? t("common.loading")
          : works.items.length === 0 && !works.problem
            ? t("creator.noWorks")
            : t("creator.worksShown", { shown: format.number(works.items.length), total: format.number(total) })}
      </p>
      {works.items.length > 0 && (
        <ul className="cards">
          {works.items.map((work) => (
            <li key={work.workId}>
              <WorkCard work={work} />
            </li>
          ))}
        </ul>
      )}
      {works.problem && <ProblemMessage problem={works.problem} />}
      {works.loading && works.items.length > 0 && <Loading />}
      {works.next !== null && !works.loading && (
        <button type="button" className="more" onClick={works.more}>
          {t("creator.moreWorks")}
        </button>
      )}
    </section>
  );
}
