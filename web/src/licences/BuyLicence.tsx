// Buying a licence from an offer with the user's wallet: what is bought and for how much, then the payment's progress.
import { useTranslation } from "react-i18next";
import { formatUnits, type Hash, parseEventLogs } from "viem";
import { Link } from "wouter";
import { licenceLedgerAbi } from "../../../types/abi/index.js";
import { AccountPanel } from "../account/AccountPanel.tsx";
import { useAccount } from "../account/context.tsx";
import { api, call } from "../api/client.ts";
import { useFormat } from "../i18n/format.ts";
import type { Offer } from "../work/types.ts";
import { TxStatus } from "./TxStatus.tsx";
import { useWalletTx } from "./tx.ts";

export const NATIVE = "0x0000000000000000000000000000000000000000";

/** Whether the grant shows in the mirror's list of the account's licences. */
export async function holds(account: string, grantId: string): Promise<boolean> {
  const r = await call(api.GET("/api/accounts/{account}/licences", { params: { path: { account } } }));
  return r.data?.grants.some((g) => g.grantId === grantId) ?? false;
}

export default function BuyLicence({ workId, offer, onClose }: { workId: string; offer: Offer; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { signer } = useAccount();
  const { phase, run, busy } = useWalletTx(format.language);
  const price = format.number(formatUnits(BigInt(offer.price), 18));
  const payer = signer?.kind === "wallet" ? signer : null;

  const buy = () =>
    payer &&
    run(
      payer,
      (d) => ({
        address: d.ledger,
        abi: licenceLedgerAbi,
        functionName: "buyLicence",
        args: [BigInt(workId), offer.offerIndex, offer.termsHash as Hash, BigInt(offer.price), payer.address] as const,
        value: BigInt(offer.price),
      }),
      (receipt) => {
        const [bought] = parseEventLogs({ abi: licenceLedgerAbi, logs: receipt.logs, eventName: "LicencePurchased" });
        return holds(payer.address, bought?.args.grantId.toString() ?? "");
      },
    );

  return (
    <section className="buy" aria-label={t("licences.buyTitle")}>
      {offer.currency !== NATIVE ? (
        <p className="warning">{t("licences.tokenNotYet")}</p>
      ) : (
        <>
          <p>{t("licences.confirm", { price })}</p>
          <p className="words">{offer.words[format.language]}</p>
          {!payer && <AccountPanel payer />}
          {payer && phase.state !== "indexed" && (
            <p className="actions">
              <button type="button" className="primary" disabled={busy} onClick={() => void buy()}>
                {t("licences.pay", { price })}
              </button>
              <button type="button" disabled={busy} onClick={onClose}>
                {t("licences.cancel")}
              </button>
            </p>
          )}
          <TxStatus phase={phase} />
          {phase.state === "indexed" && (
            <p>
              <Link href="/licences">{t("licences.seeMine")}</Link>
            </p>
          )}
        </>
      )}
    </section>
  );
}
