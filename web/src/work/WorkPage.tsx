// A work's page: the mirror's record, its status, licence offers in words, the provenance timeline and downloads.
import { lazy, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { api, apiHref, call, useApi } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { isHash, workHex } from "../ui/ids.ts";
import { Loading } from "../ui/Spinner.tsx";
import { ContentImage } from "../ui/WorkImage.tsx";
import { Lineage } from "./Lineage.tsx";
import { Offers } from "./Offers.tsx";
import { Timeline } from "./Timeline.tsx";
import type { TitleEntry, WorkDetail } from "./types.ts";
import { WorkFacts, WorkStatus } from "./WorkFacts.tsx";

/** The exchange (listing, bids, buying and selling) loads after the page, with the code that sends transactions. */
const ExchangePanel = lazy(() => import("../exchange/ExchangePanel.tsx"));

/** The work's name in the reader's language, the other language's beneath it. */
function names(work: WorkDetail, language: "zh" | "en"): { main: string | null; other: string | null } {
  const m = work.metadata;
  const [mine, theirs] = language === "zh" ? [m.nameZh, m.nameEn] : [m.nameEn, m.nameZh];
  const main = mine ?? m.name ?? theirs;
  return { main, other: theirs !== null && theirs !== main ? theirs : null };
}

/** The chain of title, 500 entries a page, more on request. */
function TitleSection({ workId }: { workId: string }) {
  const { t } = useTranslation();
  const first = useApi(workId, () => call(api.GET("/api/works/{workId}/title", { params: { path: { workId } } })));
  const [more, setMore] = useState<{ entries: TitleEntry[]; next: string | null } | null>(null);
  if (first.state === "loading") return <Loading />;
  if (first.state === "failed") return <ProblemMessage problem={first.problem} />;
  const entries = [...first.data.entries, ...(more?.entries ?? [])];
  const next = more ? more.next : first.data.next;
  const loadMore = async () => {
    if (next === null) return;
    const page = await call(
      api.GET("/api/works/{workId}/title", { params: { path: { workId }, query: { after: next } } }),
    );
    if (page.data) setMore({ entries: [...(more?.entries ?? []), ...page.data.entries], next: page.data.next });
  };
  return (
    <>
      <Timeline entries={entries} />
      {next !== null && (
        <button type="button" className="more" onClick={() => void loadMore()}>
          {t("timeline.more")}
        </button>
      )}
    </>
  );
}

function Work({ work: loaded }: { work: WorkDetail }) {
  const { t } = useTranslation();
  // A sale made on this page changes the work: the exchange hands back the mirror's new answer, and the timeline
  // is asked again.
  const [work, setWork] = useState(loaded);
  const [revision, setRevision] = useState(0);
  const format = useFormat();
  const { main, other } = names(work, format.language);
  const id = workHex(work.workId);
  const title = main ?? t("work.untitled");
  return (
    <article className="work">
      <title>{`${title} · ${t("app.name")}`}</title>
      <h1>{title}</h1>
      {other !== null && <p className="other-name">{other}</p>}
      <ContentImage content={work.content} alt={title} size={320} />
      {work.metadata.description !== null && <p className="description">{work.metadata.description}</p>}
      <WorkStatus work={work} />
      <section aria-labelledby="record">
        <h2 id="record">{t("work.record")}</h2>
        <WorkFacts work={work} />
        <ul className="downloads">
          <li>
            <a href={apiHref("/api/works/{workId}/certificate.pdf", { workId: id })} download={`certificate-${id}.pdf`}>
              {t("work.certificate")}
            </a>
          </li>
          <li>
            <a href={apiHref("/api/works/{workId}/evidence", { workId: id })} download={`evidence-${id}.json`}>
              {t("work.evidence")}
            </a>
          </li>
          <li>
            <Link href={`/evidence?work=${id}`}>{t("work.checkEvidence")}</Link>
          </li>
        </ul>
      </section>
      <Lineage work={work} title={title} />
      <section aria-labelledby="offers">
        <h2 id="offers">{t("offers.title")}</h2>
        <Offers workId={id} offers={work.offers} />
      </section>
      <Suspense fallback={<Loading />}>
        <ExchangePanel
          work={work}
          onChanged={(fresh) => {
            setWork(fresh);
            setRevision((r) => r + 1);
          }}
        />
      </Suspense>
      <section aria-labelledby="timeline">
        <h2 id="timeline">{t("timeline.title")}</h2>
        <p className="lead">{t("timeline.lead")}</p>
        <TitleSection key={revision} workId={id} />
      </section>
    </article>
  );
}

export default function WorkPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const valid = isHash(id) || /^[0-9]{1,78}$/.test(id);
  const work = useApi(valid ? id : null, () =>
    call(api.GET("/api/works/{workId}", { params: { path: { workId: id } } })),
  );
  if (!valid) {
    return (
      <>
        <h1>{t("work.badId")}</h1>
        <p>{t("work.badIdBody")}</p>
      </>
    );
  }
  if (work.state === "loading") return <Loading />;
  if (work.state === "failed") {
    return (
      <>
        <h1>{t("work.notFoundTitle")}</h1>
        <ProblemMessage problem={work.problem} notFound={t("work.notFound")} />
      </>
    );
  }
  return <Work work={work.data} />;
}
