// An account's sales and licence purchases on the ledger (the audit trail filtered by the account), paged by cursor.
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { api, call } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { useCursorPages } from "../api/use-cursor-pages.ts";
import { type AuditEntry, AuditTable } from "../audit/AuditTable.tsx";
import { Loading } from "../ui/Spinner.tsx";

const KINDS = "sale,licencePurchased,licenceRenewed";
const PAGE = 20;

export function Activity({ account }: { account: string }) {
  const { t } = useTranslation();
  const events = useCursorPages<AuditEntry>(account, async (after) => {
    const query = { account, kinds: KINDS, limit: PAGE, ...(after !== undefined ? { after } : {}) };
    const answer = await call(api.GET("/api/audit", { params: { query } }));
    return answer.problem ? answer : { data: { items: answer.data.entries, next: answer.data.next } };
  });
  return (
    <section aria-labelledby="activity">
      <h2 id="activity">{t("creator.activity")}</h2>
      <p className="lead">{t("creator.activityLead")}</p>
      {events.loading && events.items.length === 0 && <Loading />}
      {!events.loading && events.items.length === 0 && !events.problem && <p>{t("creator.noActivity")}</p>}
      {events.items.length > 0 && <AuditTable entries={events.items} />}
      {events.problem && <ProblemMessage problem={events.problem} />}
      {events.next !== null && !events.loading && (
        <button type="button" className="more" onClick={events.more}>
          {t("creator.moreActivity")}
        </button>
      )}
      <p>
        <Link href={`/audit?account=${account}`}>{t("creator.allEvents")}</Link>
      </p>
    </section>
  );
}
