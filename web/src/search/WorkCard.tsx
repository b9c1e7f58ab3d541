// One search result: the work's title (as text) linking to its page, its technique, creator and registration date.
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import type { paths } from "../../../client/index.ts";
import { CreatorLink } from "../creator/CreatorLink.tsx";
import { useFormat } from "../i18n/format.ts";
import { workPath } from "../ui/ids.ts";

export type WorkSummary =
  paths["/api/works"]["get"]["responses"]["200"]["content"]["application/json"]["works"][number];

export function WorkCard({ work }: { work: WorkSummary }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <article className="card">
      <h3>
        <Link href={workPath(work.workId)}>{work.name ?? t("work.untitled")}</Link>
      </h3>
      <dl className="facts compact">
        {work.technique !== null && (
          <>
            <dt>{t("work.technique")}</dt>
            <dd>{work.technique}</dd>
          </>
        )}
        <dt>{t("work.registeredAt")}</dt>
        <dd>
          <time dateTime={work.registeredAt}>{format.date(work.registeredAt)}</time>
        </dd>
        <dt>{t("work.creator")}</dt>
        <dd>
          <CreatorLink account={work.creator} />
        </dd>
      </dl>
    </article>
  );
}
