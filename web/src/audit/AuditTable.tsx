// The transfers explorer's results: one row per event (time, type, work, parties, amount, transaction and block).
import { useTranslation } from "react-i18next";
import { formatUnits } from "viem";
import { Link } from "wouter";
import type { paths } from "../../../client/index.ts";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { Parties } from "../work/Parties.tsx";

export type AuditEntry = paths["/api/audit"]["get"]["responses"][200]["content"]["application/json"]["entries"][number];

const NATIVE = "0x0000000000000000000000000000000000000000";
const AMOUNT = /^[0-9]{1,78}$/;

/** A work's page address from its decimal id. */
export const workPathOf = (workId: string) => `/works/0x${BigInt(workId).toString(16).padStart(64, "0")}`;

function Amount({ details }: { details: Record<string, unknown> }) {
  const { t } = useTranslation();
  const format = useFormat();
  const price = details["price"];
  const currency = details["currency"];
  if (typeof price !== "string" || !AMOUNT.test(price)) return null;
  if (currency === undefined || currency === NATIVE) {
    return <>{t("offers.priceNative", { amount: format.number(formatUnits(BigInt(price), 18)) })}</>;
  }
  return (
    <>
      {t("offers.priceToken", { amount: format.number(price) })} <Hex value={String(currency)} />
    </>
  );
}

function Row({ entry }: { entry: AuditEntry }) {
  const { t, i18n } = useTranslation();
  const format = useFormat();
  return (
    <tr data-kind={entry.kind}>
      <td>{entry.at !== null && <time dateTime={entry.at}>{format.dateTime(entry.at)}</time>}</td>
      <td>
        {i18n.exists(`timeline.kind.${entry.kind}`)
          ? t(`timeline.kind.${entry.kind}` as "timeline.kind.registration")
          : entry.kind}
      </td>
      <td>
        {entry.workId !== null && (
          <Link href={workPathOf(entry.workId)}>
            <Hex value={workPathOf(entry.workId).slice("/works/".length)} />
          </Link>
        )}
      </td>
      <td>
        <Parties details={entry.details} />
      </td>
      <td>
        <Amount details={entry.details} />
      </td>
      <td>
        <Hex value={entry.proof.transactionHash} />{" "}
        {t("timeline.block", { block: format.number(entry.proof.blockNumber), log: entry.proof.logIndex })}
      </td>
    </tr>
  );
}

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const { t } = useTranslation();
  return (
    // A region that scrolls sideways on a narrow screen, reachable by keyboard.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be focusable to be scrolled by keyboard
    <section className="table-scroll" aria-labelledby="audit-caption" tabIndex={0}>
      <table className="audit">
        <caption id="audit-caption">{t("audit.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("audit.column.time")}</th>
            <th scope="col">{t("audit.column.type")}</th>
            <th scope="col">{t("audit.column.work")}</th>
            <th scope="col">{t("audit.column.parties")}</th>
            <th scope="col">{t("audit.column.amount")}</th>
            <th scope="col">{t("audit.column.transaction")}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <Row key={`${entry.proof.blockNumber}:${entry.proof.logIndex}`} entry={entry} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
