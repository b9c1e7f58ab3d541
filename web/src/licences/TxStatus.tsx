// A transaction's state in words (waiting for the wallet, sent, mined, shown here), announced to screen readers.
import { useTranslation } from "react-i18next";
import { Hex } from "../ui/Hex.tsx";
import type { TxPhase } from "./tx.ts";

export function TxStatus({ phase }: { phase: TxPhase }) {
  const { t } = useTranslation();
  if (phase.state === "idle") return null;
  if (phase.state === "failed") {
    return (
      <div className="problem" role="alert">
        <p>{t("tx.failed")}</p>
        <p>{phase.message}</p>
      </div>
    );
  }
  return (
    <div className={`tx ${phase.state}`} role="status">
      <p>{t(`tx.${phase.state}`)}</p>
      {"hash" in phase && (
        <p>
          {t("tx.hash")} <Hex value={phase.hash} />
        </p>
      )}
    </div>
  );
}
