// New registrations as the ledger records them, live: the API's event stream (/api/events), newest first.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "wouter";
import { api, apiHref, call, useApi } from "../api/client.ts";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { workHex, workPath } from "../ui/ids.ts";
import { nameIn } from "../work/related-names.ts";

/** At most this many arrivals are listed. */
const KEEP = 20;

type Arrival = { workId: string; at: string | null; key: string };
type Connection = "connecting" | "open" | "retrying";

/** The arrival in a stream message's data, or null for anything that is not one. */
function arrivalOf(data: string, key: string): Arrival | null {
  try {
    const parsed = JSON.parse(data) as { workId?: unknown; at?: unknown };
    if (typeof parsed.workId !== "string" || !/^[0-9]{1,78}$/.test(parsed.workId)) return null;
    return { workId: parsed.workId, at: typeof parsed.at === "string" ? parsed.at : null, key };
  } catch {
    return null;
  }
}

/** The new work by its name once the API has it (its description may still be on its way), else its fingerprint. */
function NewWork({ workId }: { workId: string }) {
  const format = useFormat();
  const id = workHex(workId);
  const work = useApi(id, () => call(api.GET("/api/works/{workId}", { params: { path: { workId: id } } })));
  const name = work.state === "done" ? nameIn(work.data.metadata, format.language) : null;
  return <Link href={workPath(workId)}>{name ?? <Hex value={id} />}</Link>;
}

export function LiveRegistrations({ onRegistration }: { onRegistration: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [arrivals, setArrivals] = useState<Arrival[]>([]);
  const [connection, setConnection] = useState<Connection>("connecting");
  const notify = useRef(onRegistration);
  notify.current = onRegistration;

  useEffect(() => {
    const source = new EventSource(apiHref("/api/events", {}));
    source.onopen = () => setConnection("open");
    // The browser reconnects by itself, resuming after the last event it had.
    source.onerror = () => setConnection("retrying");
    source.addEventListener("registration", (event) => {
      const arrival = arrivalOf(event.data, event.lastEventId);
      if (!arrival) return;
      setArrivals((list) => [arrival, ...list.filter((a) => a.key !== arrival.key)].slice(0, KEEP));
      notify.current();
    });
    return () => source.close();
  }, []);

  return (
    <section aria-labelledby="live" className="live">
      <h2 id="live">{t("market.live.title")}</h2>
      <p className="hint" role="status">
        {t(`market.live.${connection}`)}
      </p>
      <div role="log" aria-labelledby="live">
        <ul className="live-list">
          {arrivals.map((a) => (
            <li key={a.key} data-work={workHex(a.workId)}>
              {a.at !== null && <time dateTime={a.at}>{format.dateTime(a.at)}</time>} <NewWork workId={a.workId} />
            </li>
          ))}
        </ul>
      </div>
      {arrivals.length === 0 && <p>{t("market.live.none")}</p>}
    </section>
  );
}
