// The creator's private commitments kept in this browser: the receipt of each, and the way to reveal it.
import { useTranslation } from "react-i18next";
import { useFormat } from "../i18n/format.ts";
import { type Commitment, commitmentReceipt } from "./commitments.ts";

/** Saves a commitment's receipt (with its salt) as a file. */
export function downloadReceipt(commitment: Commitment) {
  const url = URL.createObjectURL(commitmentReceipt(commitment));
  const a = document.createElement("a");
  a.href = url;
  a.download = `titlechain-commitment-${commitment.sha256.slice(2, 14)}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Pending({
  commitments,
  onReveal,
}: {
  commitments: readonly Commitment[];
  onReveal: (c: Commitment) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  if (commitments.length === 0) return null;
  return (
    <section aria-labelledby="pending-heading">
      <h2 id="pending-heading">{t("register.pendingTitle")}</h2>
      <p className="hint">{t("register.pendingLead")}</p>
      <ul className="pending">
        {commitments.map((c) => (
          <li key={c.sha256}>
            <span className="name">{c.fileName}</span>{" "}
            <span className="hint">
              {c.batch || c.paidByWallet
                ? t("register.committedAt", { time: format.dateTime(c.committedAt) })
                : t("register.notAnchored")}
            </span>
            <span className="actions">
              <button type="button" onClick={() => downloadReceipt(c)}>
                {t("register.receipt")}
              </button>
              {(c.batch || c.paidByWallet) && (
                <button type="button" onClick={() => onReveal(c)}>
                  {t("register.revealNow")}
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
