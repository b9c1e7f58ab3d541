// The earnings page (/earnings): what the exchange and the licence ledger owe the reader's wallet, per currency, and
// a button to withdraw each to the wallet, followed until this site shows it paid.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Address } from "viem";
import { AccountPanel } from "../account/AccountPanel.tsx";
import { useAccount } from "../account/context.tsx";
import type { Signer } from "../account/signer.ts";
import { api, call, useApi } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { Loading } from "../ui/Spinner.tsx";
import type { Intent } from "./intents.ts";
import { Money } from "./Money.tsx";
import { TxRun } from "./TxRun.tsx";

function Balances({ payer }: { payer: Signer }) {
  const { t } = useTranslation();
  const account = payer.address;
  const [version, setVersion] = useState(0);
  const [run, setRun] = useState<{ id: number; intent: Intent; settled: boolean } | null>(null);
  const balances = useApi(`${account}#${version}`, () =>
    call(api.GET("/api/accounts/{account}/balances", { params: { path: { account } } })),
  );
  const busy = run !== null && !run.settled;
  return (
    <section aria-labelledby="owed">
      <h2 id="owed">{t("exchange.owedTitle")}</h2>
      {balances.state === "loading" && <Loading />}
      {balances.state === "failed" && <ProblemMessage problem={balances.problem} />}
      {balances.state === "done" &&
        (balances.data.balances.length === 0 ? (
          <p>{t("exchange.nothingOwed")}</p>
        ) : (
          <ul className="offers balances">
            {balances.data.balances.map((b) => (
              <li key={`${b.contract}-${b.currency}`} className="card">
                <h3>{t(`exchange.sourceTitle.${b.source}`)}</h3>
                <p className="amount">
                  <Money amount={b.owed} currency={b.currency} />
                </p>
                <button
                  type="button"
                  className="primary"
                  disabled={busy}
                  onClick={() =>
                    setRun({
                      id: (run?.id ?? 0) + 1,
                      settled: false,
                      intent: {
                        kind: "withdraw",
                        source: b.source,
                        contract: b.contract as Address,
                        currency: b.currency,
                        amount: BigInt(b.owed),
                      },
                    })
                  }
                >
                  {t("exchange.withdraw")}
                </button>
              </li>
            ))}
          </ul>
        ))}
      {run !== null && (
        <TxRun
          key={run.id}
          intent={run.intent}
          signer={payer}
          onCancel={() => setRun(null)}
          onSettled={() => {
            setRun((r) => r && { ...r, settled: true });
            setVersion((v) => v + 1);
          }}
        />
      )}
    </section>
  );
}

export default function EarningsPage() {
  const { t } = useTranslation();
  const { signer } = useAccount();
  const payer = signer?.kind === "wallet" ? signer : null;
  return (
    <>
      <title>{`${t("exchange.earningsTitle")} · ${t("app.name")}`}</title>
      <h1>{t("exchange.earningsTitle")}</h1>
      <p className="lead">{t("exchange.earningsLead")}</p>
      <AccountPanel payer />
      {payer && <Balances key={payer.address} payer={payer} />}
    </>
  );
}
