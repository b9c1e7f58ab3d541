// What a registration leaves the artisan: the work's page, its certificate and evidence, a link to share; or the receipt.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { apiHref } from "../api/client.ts";
import { Hex } from "../ui/Hex.tsx";
import { workPath } from "../ui/ids.ts";
import type { Commitment } from "./commitments.ts";
import { downloadReceipt } from "./Pending.tsx";

export function Registered({ workId, transactionHash }: { workId: string; transactionHash: string | null }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const share = new URL(workPath(workId), window.location.origin).href;
  return (
    <section className="done" aria-labelledby="done-heading">
      <h2 id="done-heading" tabIndex={-1}>
        {t("register.registered")}
      </h2>
      <p>
        {t("register.workId")} <Hex value={workId} />
      </p>
      {transactionHash !== null && (
        <p>
          {t("register.transaction")} <Hex value={transactionHash} />
        </p>
      )}
      <ul className="downloads">
        <li>
          <Link href={workPath(workId)}>{t("register.openWork")}</Link>
        </li>
        <li>
          <a href={apiHref("/api/works/{workId}/certificate.pdf", { workId })} download>
            {t("register.certificate")}
          </a>
        </li>
        <li>
          <a href={apiHref("/api/works/{workId}/evidence", { workId })} download>
            {t("register.evidence")}
          </a>
        </li>
      </ul>
      <div className="field query">
        <label htmlFor="share-link">{t("register.share")}</label>
        <input id="share-link" type="text" readOnly value={share} />
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard?.writeText(share).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? t("register.copied") : t("register.copy")}
        </button>
      </div>
    </section>
  );
}

export function Committed({ commitment }: { commitment: Commitment }) {
  const { t } = useTranslation();
  return (
    <section className="done" aria-labelledby="done-heading">
      <h2 id="done-heading" tabIndex={-1}>
        {t("register.committed")}
      </h2>
      <p>{t("register.committedBody")}</p>
      {commitment.transactionHash !== undefined && (
        <p>
          {t("register.transaction")} <Hex value={commitment.transactionHash} />
        </p>
      )}
      <p className="warning">{t("register.keepReceipt")}</p>
      <button type="button" onClick={() => downloadReceipt(commitment)}>
        {t("register.receipt")}
      </button>
    </section>
  );
}
