// The bids escrowed on a work, highest first: amount, bidder, term and standing, with the buttons the reader may use.
import { useTranslation } from "react-i18next";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { NATIVE } from "./eth.ts";
import { Money, useEther } from "./Money.tsx";
import type { Bid } from "./types.ts";

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function BidList(props: {
  bids: Bid[];
  /** The reader's account when a wallet is chosen. */
  you: string | null;
  /** Whether the reader holds the work (and may accept a bid). */
  holder: boolean;
  /** Buttons are off while another action runs. */
  busy: boolean;
  onAccept: (bid: Bid) => void;
  onWithdraw: (bid: Bid) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const ether = useEther();
  if (props.bids.length === 0) return <p>{t("exchange.noBids")}</p>;
  return (
    <ul className="offers bids">
      {props.bids.map((bid) => {
        const mine = props.you !== null && same(bid.bidder, props.you);
        return (
          <li key={bid.bidder} className="card">
            <p>
              <strong>
                <Money amount={bid.amount} currency={bid.currency} />
              </strong>{" "}
              <span className={`badge state-${bid.state}`}>{t(`exchange.bidState.${bid.state}`)}</span>
            </p>
            <dl className="facts compact">
              <div>
                <dt>{t("exchange.bidder")}</dt>
                <dd>
                  <Hex value={bid.bidder} />
                  {mine && ` ${t("exchange.you")}`}
                </dd>
              </div>
              <div>
                <dt>{t("exchange.until")}</dt>
                <dd>{bid.expiry === null ? t("exchange.bidNoEnd") : format.dateTime(bid.expiry)}</dd>
              </div>
            </dl>
            {props.holder && bid.state === "open" && bid.currency === NATIVE && !mine && (
              <button type="button" disabled={props.busy} onClick={() => props.onAccept(bid)}>
                {t("exchange.accept", { amount: ether(bid.amount) })}
              </button>
            )}
            {mine && (
              <button type="button" disabled={props.busy} onClick={() => props.onWithdraw(bid)}>
                {t("exchange.withdrawBid")}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
