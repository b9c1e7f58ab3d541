// What an exchange action will do, its steps and its outcome, in plain words in the reader's language.
import { useTranslation } from "react-i18next";
import { useFormat } from "../i18n/format.ts";
import { NATIVE } from "./eth.ts";
import type { Intent, IntentKind } from "./intents.ts";
import { useEther } from "./Money.tsx";

export type IntentWords = {
  /** What happens if the person confirms. */
  what: (intent: Intent) => string;
  /** The name of a step: the approval, or the intent's own transaction. */
  step: (step: "approve" | IntentKind) => string;
  /** What is true once the mirror shows it. */
  done: (intent: Intent) => string;
};

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

export function useIntentWords(): IntentWords {
  const { t } = useTranslation();
  const format = useFormat();
  const ether = useEther();
  const until = (expiry: number, open: string) =>
    expiry === 0 ? open : t("exchange.untilDate", { date: format.date(expiry) });
  return {
    what: (intent) => {
      switch (intent.kind) {
        case "list":
          return t("exchange.what.list", {
            price: ether(intent.price),
            until: until(intent.expiry, t("exchange.untilCancel")),
          });
        case "cancel":
          return t("exchange.what.cancel");
        case "buy":
          return t("exchange.what.buy", { price: ether(intent.price) });
        case "bid":
          return t("exchange.what.bid", {
            price: ether(intent.amount),
            until: until(intent.expiry, t("exchange.untilWithdrawn")),
          });
        case "withdrawBid":
          return t("exchange.what.withdrawBid", { price: ether(intent.amount) });
        case "accept":
          return t("exchange.what.accept", { price: ether(intent.amount), bidder: short(intent.bidder) });
        case "withdraw":
          return t("exchange.what.withdraw", {
            amount:
              intent.currency === NATIVE
                ? t("exchange.eth", { amount: ether(intent.amount) })
                : `${t("exchange.tokenAmount", { amount: format.number(intent.amount) })} ${short(intent.currency)}`,
            from: t(`exchange.source.${intent.source}`),
          });
      }
    },
    step: (step) => t(`exchange.step.${step}`),
    done: (intent) => {
      switch (intent.kind) {
        case "list":
          return t("exchange.done.list", { price: ether(intent.price) });
        case "bid":
          return t("exchange.done.bid", { price: ether(intent.amount) });
        case "accept":
          return t("exchange.done.accept", { bidder: short(intent.bidder) });
        default:
          return t(`exchange.done.${intent.kind}`);
      }
    },
  };
}
