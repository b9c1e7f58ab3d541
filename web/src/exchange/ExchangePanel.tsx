// A work's place on the exchange, on its page: the listing and the bids, and what the reader's wallet may do with
// them (the holder lists, changes the price, cancels or accepts a bid; anyone else buys or bids). Loaded with the page.
import { lazy, Suspense, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useAccount } from "../account/context.tsx";
import { api, call, useApi } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { Hex } from "../ui/Hex.tsx";
import { Loading } from "../ui/Spinner.tsx";
import type { WorkDetail } from "../work/types.ts";
import { BidList } from "./BidList.tsx";
import type { Intent } from "./intents.ts";
import { ListingFacts } from "./ListingFacts.tsx";
import { HolderActions, VisitorActions } from "./TradeActions.tsx";
import { TxRun } from "./TxRun.tsx";

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The wallet chooser (with the built-in account's keystore code) loads when a visitor first asks for it. */
const AccountPanel = lazy(() => import("../account/AccountPanel.tsx").then((m) => ({ default: m.AccountPanel })));

export default function ExchangePanel({
  work: initial,
  onChanged,
}: {
  work: WorkDetail;
  /** Told the work as the mirror has it after an action, for the rest of the page. */
  onChanged?: (work: WorkDetail) => void;
}) {
  const { t } = useTranslation();
  const { signer } = useAccount();
  const payer = signer?.kind === "wallet" ? signer : null;
  const [work, setWork] = useState(initial);
  const [version, setVersion] = useState(0);
  const [run, setRun] = useState<{ id: number; intent: Intent; settled: boolean } | null>(null);
  const [choosing, setChoosing] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const workId = work.workId;
  const bids = useApi(`${workId}#${version}`, () =>
    call(api.GET("/api/works/{workId}/bids", { params: { path: { workId } } })),
  );

  const holder = payer !== null && same(work.owner, payer.address);
  const busy = run !== null && !run.settled;
  const start = (intent: Intent) => setRun({ id: (run?.id ?? 0) + 1, intent, settled: false });
  const settled = async () => {
    setRun((r) => r && { ...r, settled: true });
    const fresh = await call(api.GET("/api/works/{workId}", { params: { path: { workId } } }));
    if (fresh.data) {
      setWork(fresh.data);
      onChanged?.(fresh.data);
    }
    setVersion((v) => v + 1);
  };
  const myBid =
    payer && bids.state === "done" ? (bids.data.bids.find((b) => same(b.bidder, payer.address)) ?? null) : null;

  return (
    <section className="exchange" aria-labelledby="exchange-title">
      <h2 id="exchange-title" ref={heading} tabIndex={-1}>
        {t("exchange.title")}
      </h2>
      <p className="lead">{t("exchange.lead")}</p>
      <h3>{t("exchange.listingTitle")}</h3>
      <ListingFacts listing={work.listing} />
      <h3>{t("exchange.bidsTitle")}</h3>
      {bids.state === "loading" && <Loading />}
      {bids.state === "failed" && <ProblemMessage problem={bids.problem} />}
      {bids.state === "done" && (
        <BidList
          bids={bids.data.bids}
          you={payer?.address ?? null}
          holder={holder}
          busy={busy}
          onAccept={(b) =>
            start({
              kind: "accept",
              workId,
              bidder: b.bidder as `0x${string}`,
              currency: b.currency,
              amount: BigInt(b.amount),
            })
          }
          onWithdraw={(b) => start({ kind: "withdrawBid", workId, amount: BigInt(b.amount) })}
        />
      )}
      {run !== null && payer !== null && (
        <TxRun
          key={run.id}
          intent={run.intent}
          signer={payer}
          onCancel={() => {
            setRun(null);
            heading.current?.focus();
          }}
          onSettled={() => void settled()}
        />
      )}
      {!busy &&
        (payer === null ? (
          choosing ? (
            <Suspense fallback={<Loading />}>
              <AccountPanel payer />
            </Suspense>
          ) : (
            <p>
              <button type="button" onClick={() => setChoosing(true)}>
                {t("exchange.chooseWallet")}
              </button>
            </p>
          )
        ) : (
          <>
            <p className="hint">
              {t("exchange.actingAs", { name: payer.name })} <Hex value={payer.address} />
            </p>
            {holder ? (
              <HolderActions work={work} onStart={start} />
            ) : (
              <VisitorActions work={work} myBid={myBid} bidsKnown={bids.state === "done"} onStart={start} />
            )}
          </>
        ))}
    </section>
  );
}
