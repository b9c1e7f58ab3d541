// The provenance timeline: each event of the chain of title, oldest first, with its parties and its transaction.
import { useTranslation } from "react-i18next";
import en from "../i18n/en.json" with { type: "json" };
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import type { TitleEntry } from "./types.ts";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const NATIVE = "0x0000000000000000000000000000000000000000";

// The kinds of event and the roles of parties with a label in the catalogues; any other is shown by its name.
const KINDS = new Set(Object.keys(en.timeline.kind));
const ROLES = new Set(Object.keys(en.timeline.role));

/** The accounts an event names (every address among its details but the currency), with their roles. */
export function partiesOf(details: Record<string, unknown>): { role: string; address: string }[] {
  return Object.entries(details)
    .filter(
      ([role, value]) => role !== "currency" && typeof value === "string" && ADDRESS.test(value) && value !== NATIVE,
    )
    .map(([role, value]) => ({ role, address: value as string }));
}

function Entry({ entry }: { entry: TitleEntry }) {
  const { t } = useTranslation();
  const format = useFormat();
  const parties = partiesOf(entry.details);
  return (
    <li className="timeline-entry">
      <h3>{KINDS.has(entry.kind) ? t(`timeline.kind.${entry.kind}` as "timeline.kind.registration") : entry.kind}</h3>
      {entry.at !== null && (
        <p className="when">
          <time dateTime={entry.at}>{format.dateTime(entry.at)}</time>
        </p>
      )}
      {parties.length > 0 && (
        <dl className="facts compact parties">
          {parties.map((p) => (
            <div key={p.role}>
              <dt>{ROLES.has(p.role) ? t(`timeline.role.${p.role}` as "timeline.role.creator") : p.role}</dt>
              <dd>
                <Hex value={p.address} />
              </dd>
            </div>
          ))}
        </dl>
      )}
      <p className="proof">
        {t("timeline.transaction")} <Hex value={entry.proof.transactionHash} />{" "}
        {t("timeline.block", { block: format.number(entry.proof.blockNumber), log: entry.proof.logIndex })}
      </p>
    </li>
  );
}

export function Timeline({ entries }: { entries: TitleEntry[] }) {
  const { t } = useTranslation();
  if (entries.length === 0) return <p>{t("timeline.none")}</p>;
  return (
    <ol className="timeline">
      {entries.map((entry) => (
        <Entry key={`${entry.proof.blockNumber}:${entry.proof.logIndex}`} entry={entry} />
      ))}
    </ol>
  );
}
