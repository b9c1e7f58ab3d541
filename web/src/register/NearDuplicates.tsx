// Prior art before registering: works whose images look like the chosen file, side by side with it.
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { api, call, useApi } from "../api/client.ts";
import { workPath } from "../ui/ids.ts";
import { WorkImage } from "../ui/WorkImage.tsx";

type Near = { workId: string; distance: number };

function Similar({ near }: { near: Near }) {
  const { t } = useTranslation();
  const work = useApi(near.workId, () =>
    call(api.GET("/api/works/{workId}", { params: { path: { workId: near.workId } } })),
  );
  const name = work.state === "done" ? (work.data.metadata.name ?? near.workId) : near.workId;
  return (
    <li>
      <figure>
        {work.state === "done" && <WorkImage metadataCid={work.data.metadata.cid} alt={name} size={160} />}
        <figcaption>
          <Link href={workPath(near.workId)}>{name}</Link>
          <span className="hint"> {t("register.distance", { count: near.distance })}</span>
        </figcaption>
      </figure>
    </li>
  );
}

/** The warning, the chosen file's image and the similar works' images; nothing when there are none. */
export function NearDuplicates({ near, preview }: { near: readonly Near[]; preview: string | null }) {
  const { t } = useTranslation();
  if (near.length === 0) return null;
  return (
    <section className="near-duplicates" aria-labelledby="near-heading">
      <h3 id="near-heading">{t("register.nearTitle", { count: near.length })}</h3>
      <p className="warning">{t("register.nearBody")}</p>
      <ul className="side-by-side">
        {preview !== null && (
          <li>
            <figure>
              <img className="work-image" src={preview} alt={t("register.yourFile")} width={160} height={160} />
              <figcaption>{t("register.yourFile")}</figcaption>
            </figure>
          </li>
        )}
        {near.map((n) => (
          <Similar key={n.workId} near={n} />
        ))}
      </ul>
    </section>
  );
}
