// The provenance timeline: each event of the chain of title, oldest first, with its parties and its transaction.
import { useTranslation } from "react-i18next";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { Parties } from "./Parties.tsx";
import type { TitleEntry } from "./types.ts";

// The kinds of event with a label in the catalogues; any other is shown by its name.

function Entry({ entry }: { entry: TitleEntry }) {
  const { t, i18n } = useTranslation();
  const format = useFormat();
  return (
    <li className="timeline-entry">
      <h3>
        {i18n.exists(`timeline.kind.${entry.kind}`)
          ? t(`timeline.kind.${entry.kind}` as "timeline.kind.registration")
          : entry.kind}
      </h3>
      {entry.at !== null && (
        <p className="when">
          <time dateTime={entry.at}>{format.dateTime(entry.at)}</time>
        </p>
      )}
      <Parties details={entry.details} />
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
