// The API's verdict on a SHA-256: the registered work, or a clear "not registered".
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { api, call, useApi } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { workPath } from "../ui/ids.ts";
import { Loading } from "../ui/Spinner.tsx";

export function Verdict({ sha256 }: { sha256: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const answer = useApi(sha256, () => call(api.GET("/api/verify/{sha256}", { params: { path: { sha256 } } })));
  if (answer.state === "loading") return <Loading label={t("verify.asking")} />;
  if (answer.state === "failed") return <ProblemMessage problem={answer.problem} />;
  const { work } = answer.data;
  if (!answer.data.registered || work === null) {
    return (
      <section className="verdict not-registered" aria-labelledby="verdict" role="status">
        <h2 id="verdict">{t("verify.notRegistered")}</h2>
        <p>{t("verify.notRegisteredBody")}</p>
        <p>
          {t("verify.fingerprint")} <Hex value={sha256} />
        </p>
      </section>
    );
  }
  return (
    <section className="verdict registered" aria-labelledby="verdict" role="status">
      <h2 id="verdict">{t("verify.registered")}</h2>
      <p>{t("verify.registeredBody", { time: format.dateTime(work.registeredAt) })}</p>
      <dl className="facts">
        <div>
          <dt>{t("verify.work")}</dt>
          <dd>
            <Link href={workPath(work.workId)}>{work.name ?? t("work.untitled")}</Link>
          </dd>
        </div>
        <div>
          <dt>{t("work.creator")}</dt>
          <dd>
            <Hex value={work.creator} />
          </dd>
        </div>
        <div>
          <dt>{t("work.owner")}</dt>
          <dd>
            <Hex value={work.owner} />
          </dd>
        </div>
        <div>
          <dt>{t("work.registeredAt")}</dt>
          <dd>
            <time dateTime={work.registeredAt}>{format.dateTime(work.registeredAt)}</time>
          </dd>
        </div>
        <div>
          <dt>{t("verify.fingerprint")}</dt>
          <dd>
            <Hex value={sha256} />
          </dd>
        </div>
      </dl>
    </section>
  );
}
