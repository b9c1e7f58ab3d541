// An amount as a reader sees it: ether in their language's digits, or a token's base units beside its address.
import { useTranslation } from "react-i18next";
import { formatUnits } from "viem";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { NATIVE } from "./eth.ts";

/** Ether in the reader's digits, without a unit (for sentences that name it). */
export function useEther(): (wei: bigint | string) => string {
  const format = useFormat();
  return (wei) => format.number(formatUnits(BigInt(wei), 18));
}

export function Money({ amount, currency }: { amount: string | bigint; currency: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const ether = useEther();
  if (currency.toLowerCase() === NATIVE) return <>{t("exchange.eth", { amount: ether(amount) })}</>;
  return (
    <>
      {t("exchange.tokenAmount", { amount: format.number(BigInt(amount)) })} <Hex value={currency} />
    </>
  );
}
