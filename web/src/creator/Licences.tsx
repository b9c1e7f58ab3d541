// The licences an account holds, with their work, term and status now.
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { api, call, useApi } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { workHex, workPath } from "../ui/ids.ts";
import { Loading } from "../ui/Spinner.tsx";

export function Licences({ account }: { account: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const held = useApi(account, () =>
    call(api.GET("/api/accounts/{account}/licences", { params: { path: { account } } })),
  );
  return (
    <section aria-labelledby="licences-held">
      <h2 id="licences-held">{t("creator.licences")}</h2>
      {held.state === "loading" && <Loading />}
      {held.state === "failed" && <ProblemMessage problem={held.problem} />}
      {held.state === "done" && held.data.grants.length === 0 && <p>{t("creator.noLicences")}</p>}
      {held.state === "done" && held.data.grants.length > 0 && (
        <ul className="cards">
          {held.data.grants.map((g) => (
            <li key={g.grantId} className="card">
              <dl className="facts compact">
                <dt>{t("creator.licenceWork")}</dt>
                <dd>
                  <Link href={workPath(g.workId)}>
                    <Hex value={workHex(g.workId)} />
                  </Link>
                </dd>
                <dt>{t("creator.licenceStatus")}</dt>
                <dd>{t(`creator.status.${g.status}`)}</dd>
                <dt>{t("creator.licenceTerm")}</dt>
                <dd>
                  {g.end === null
                    ? t("creator.termPerpetual", { start: format.date(g.start) })
                    : t("creator.termUntil", { start: format.date(g.start), end: format.date(g.end) })}
                </dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
