// "My licences": what the chosen account holds, each with its work, status and expiry, and renewal where offered.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { AccountPanel } from "../account/AccountPanel.tsx";
import { useAccount } from "../account/context.tsx";
import { api, call, useApi } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useFormat } from "../i18n/format.ts";
import { workPath } from "../ui/ids.ts";
import { Loading } from "../ui/Spinner.tsx";
import { type HeldGrant, Renew } from "./Renew.tsx";

type Grant = HeldGrant & { status: string; start: string };

/** Renewal is offered for a live grant of an open offer with a term. */
const RENEWABLE = new Set(["active", "scheduled"]);

function GrantRow({ grant, onRenewed }: { grant: Grant; onRenewed: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const work = useApi(grant.workId, () =>
    call(api.GET("/api/works/{workId}", { params: { path: { workId: grant.workId } } })),
  );
  const detail = work.state === "done" ? work.data : null;
  const name = detail?.metadata.name ?? grant.workId;
  const offer = detail?.offers.find((o) => o.offerIndex === grant.offerIndex) ?? null;
  return (
    <tr>
      <th scope="row">
        <Link href={workPath(grant.workId)}>{name}</Link>
        {offer && <p className="hint words">{offer.words[format.language]}</p>}
      </th>
      <td>
        <span className={`badge grant-${grant.status}`}>
          {t(`licences.status.${grant.status}`, { defaultValue: grant.status })}
        </span>
      </td>
      <td>{format.date(grant.start)}</td>
      <td>{grant.end === null ? t("licences.perpetual") : format.date(grant.end)}</td>
      <td>
        {offer && offer.durationSeconds > 0 && offer.state === "open" && RENEWABLE.has(grant.status) ? (
          <Renew grant={grant} offer={offer} onRenewed={onRenewed} />
        ) : (
          t("licences.noRenewal")
        )}
      </td>
    </tr>
  );
}

export default function MyLicencesPage() {
  const { t } = useTranslation();
  const { signer } = useAccount();
  const [version, setVersion] = useState(0);
  const account = signer?.address ?? null;
  const held = useApi(account === null ? null : `${account}:${version}`, () =>
    call(api.GET("/api/accounts/{account}/licences", { params: { path: { account: account as string } } })),
  );
  return (
    <>
      <title>{`${t("licences.title")} · ${t("app.name")}`}</title>
      <h1>{t("licences.title")}</h1>
      <p className="lead">{t("licences.lead")}</p>
      <AccountPanel />
      {account !== null && held.state === "loading" && <Loading />}
      {held.state === "failed" && <ProblemMessage problem={held.problem} />}
      {held.state === "done" &&
        (held.data.grants.length === 0 ? (
          <p>{t("licences.none")}</p>
        ) : (
          <div className="table-scroll">
            <table>
              <caption>{t("licences.caption", { count: held.data.grants.length })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("licences.work")}</th>
                  <th scope="col">{t("licences.statusTitle")}</th>
                  <th scope="col">{t("licences.from")}</th>
                  <th scope="col">{t("licences.until")}</th>
                  <th scope="col">{t("licences.renewal")}</th>
                </tr>
              </thead>
              <tbody>
                {held.data.grants.map((g) => (
                  <GrantRow key={g.grantId} grant={g} onRenewed={() => setVersion((v) => v + 1)} />
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
