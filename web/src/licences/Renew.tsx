// Renewing a held licence for one more term at its offer's price, paid with the user's wallet.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { formatUnits } from "viem";
import { licenceLedgerAbi } from "../../../types/abi/index.js";
import { AccountPanel } from "../account/AccountPanel.tsx";
import { useAccount } from "../account/context.tsx";
import { api, call } from "../api/client.ts";
import { useFormat } from "../i18n/format.ts";
import type { Offer } from "../work/types.ts";
import { TxStatus } from "./TxStatus.tsx";
import { useWalletTx } from "./tx.ts";

export type HeldGrant = { grantId: string; workId: string; offerIndex: number; serial: number; end: string | null };

/** The grant's end as the mirror has it now. */
async function endOf(account: string, grantId: string): Promise<string | null | undefined> {
  const r = await call(api.GET("/api/accounts/{account}/licences", { params: { path: { account } } }));
  return r.data?.grants.find((g) => g.grantId === grantId)?.end;
}

export function Renew({ grant, offer, onRenewed }: { grant: HeldGrant; offer: Offer; onRenewed: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { signer } = useAccount();
  const [open, setOpen] = useState(false);
  const { phase, run, busy } = useWalletTx(format.language);
  const price = format.number(formatUnits(BigInt(offer.price), 18));
  const payer = signer?.kind === "wallet" ? signer : null;
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        {t("licences.renew")}
      </button>
    );
  }
  const renew = async () => {
    if (!payer) return;
    const renewed = await run(
      payer,
      (d) => ({
        address: d.ledger,
        abi: licenceLedgerAbi,
        functionName: "renewLicence",
        args: [
          { workId: BigInt(grant.workId), offerIndex: grant.offerIndex, serial: grant.serial },
          BigInt(offer.price),
        ] as const,
        value: BigInt(offer.price),
      }),
      async () => (await endOf(payer.address, grant.grantId)) !== grant.end,
    );
    if (renewed) onRenewed();
  };
  return (
    <div className="renew">
      <p>
        {t("licences.renewConfirm", {
          price,
          days: format.number(Math.round(offer.durationSeconds / 86_400)),
        })}
      </p>
      {!payer && <AccountPanel payer />}
      {payer && phase.state !== "indexed" && (
        <button type="button" className="primary" disabled={busy} onClick={() => void renew()}>
          {t("licences.pay", { price })}
        </button>
      )}
      <TxStatus phase={phase} />
    </div>
  );
}
