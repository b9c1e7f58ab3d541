// A work's record as the mirror holds it: every value from metadata rendered as text, never as markup.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { CreatorLink } from "../creator/CreatorLink.tsx";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { workHex, workPath } from "../ui/ids.ts";
import type { WorkDetail } from "./types.ts";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Links to other works (parents, derivatives, near duplicates), by their ids. */
function WorkLinks({ ids }: { ids: string[] }) {
  return (
    <ul className="work-links">
      {ids.map((id) => (
        <li key={id}>
          <Link href={workPath(id)}>
            <Hex value={workHex(id)} />
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function WorkFacts({ work }: { work: WorkDetail }) {
  const { t } = useTranslation();
  const format = useFormat();
  const m = work.metadata;
  return (
    <dl className="facts">
      <Fact label={t("work.contentHash")}>
        <Hex value={work.contentHash} />
      </Fact>
      <Fact label={t("work.creator")}>
        <CreatorLink account={work.creator} />
      </Fact>
      <Fact label={t("work.owner")}>
        <Hex value={work.owner} />
      </Fact>
      <Fact label={t("work.registeredAt")}>
        <time dateTime={work.registeredAt}>{format.dateTime(work.registeredAt)}</time>
      </Fact>
      <Fact label={t("work.priorityCloses")}>
        <time dateTime={work.priorityClaimsCloseAt}>{format.dateTime(work.priorityClaimsCloseAt)}</time>
      </Fact>
      {m.technique !== null && <Fact label={t("work.technique")}>{m.technique}</Fact>}
      {m.region !== null && <Fact label={t("work.region")}>{m.region}</Fact>}
      {m.tags.length > 0 && <Fact label={t("work.tags")}>{m.tags.join(" · ")}</Fact>}
      <Fact label={t("work.royalty")}>
        {t("work.royaltyValue", { percent: format.percentOfBps(work.royalty.bps) })}{" "}
        <Hex value={work.royalty.receiver} />
      </Fact>
      {work.parents.length > 0 && (
        <Fact label={t("work.parents")}>
          <WorkLinks ids={work.parents} />
        </Fact>
      )}
      {work.derivatives.length > 0 && (
        <Fact label={t("work.derivatives")}>
          <WorkLinks ids={work.derivatives} />
        </Fact>
      )}
      <Fact label={t("work.metadataCid")}>
        <Hex value={m.cid} />
      </Fact>
    </dl>
  );
}

/** Pledge, dispute, metadata problems and near duplicates: what a licensee must know before paying. */
export function WorkStatus({ work }: { work: WorkDetail }) {
  const { t } = useTranslation();
  const format = useFormat();
  const notes: ReactNode[] = [];
  if (work.disputed) notes.push(<p key="dispute">{t("status.disputed")}</p>);
  if (work.pledge !== null) {
    notes.push(
      <p key="pledge">
        {work.pledge.maturity === null
          ? t("status.pledged", { pledgee: work.pledge.pledgee })
          : t("status.pledgedUntil", {
              pledgee: work.pledge.pledgee,
              maturity: format.date(work.pledge.maturity),
            })}{" "}
        {work.pledge.licenceSalesConsented ? t("status.pledgeConsented") : t("status.pledgeNotConsented")}
      </p>,
    );
  }
  if (work.metadata.status !== "ok") {
    notes.push(<p key="metadata">{t(`status.metadata.${work.metadata.status}`)}</p>);
  }
  if (work.nearDuplicates.length > 0) {
    notes.push(
      <div key="near">
        <p>{t("status.nearDuplicates", { n: work.nearDuplicates.length })}</p>
        <WorkLinks ids={work.nearDuplicates.map((d) => d.workId)} />
      </div>,
    );
  }
  if (notes.length === 0) return <p className="status-ok">{t("status.clear")}</p>;
  return (
    <div className="notice" role="note">
      {notes}
    </div>
  );
}
