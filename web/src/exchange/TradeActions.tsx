// What the reader's wallet may start on a work: the holder lists it, changes its price or cancels; anyone else buys
// it at the listed price or bids.
import { useTranslation } from "react-i18next";
import { formatUnits } from "viem";
import type { WorkDetail } from "../work/types.ts";
import { AmountForm } from "./AmountForm.tsx";
import { NATIVE } from "./eth.ts";
import type { Intent } from "./intents.ts";
import { useEther } from "./Money.tsx";
import type { Bid } from "./types.ts";

export function HolderActions({ work, onStart }: { work: WorkDetail; onStart: (intent: Intent) => void }) {
  const { t } = useTranslation();
  const listed = work.listing !== null;
  return (
    <div className="trade">
      <h3>{t("exchange.sellTitle")}</h3>
      {listed && (
        <p>
          <button type="button" onClick={() => onStart({ kind: "cancel", workId: work.workId })}>
            {t("exchange.cancelListing")}
          </button>
        </p>
      )}
      <AmountForm
        key={work.listing?.price ?? "unlisted"}
        labels={{
          title: listed ? t("exchange.changePrice") : t("exchange.listTitle"),
          amount: t("exchange.priceField"),
          until: t("exchange.listUntil"),
          untilHint: t("exchange.listUntilHint"),
          submit: listed ? t("exchange.changePriceButton") : t("exchange.listButton"),
        }}
        {...(work.listing?.currency === NATIVE ? { initial: formatUnits(BigInt(work.listing.price), 18) } : {})}
        onSubmit={(price, expiry) => onStart({ kind: "list", workId: work.workId, price, expiry })}
      />
    </div>
  );
}

export function VisitorActions(props: {
  work: WorkDetail;
  myBid: Bid | null;
  bidsKnown: boolean;
  onStart: (intent: Intent) => void;
}) {
  const { t } = useTranslation();
  const ether = useEther();
  const { work, onStart } = props;
  const listing = work.listing;
  return (
    <div className="trade">
      <h3>{t("exchange.buyTitle")}</h3>
      {listing !== null &&
        (listing.currency === NATIVE ? (
          <p>
            <button
              type="button"
              className="primary"
              onClick={() =>
                onStart({
                  kind: "buy",
                  workId: work.workId,
                  currency: listing.currency,
                  price: BigInt(listing.price),
                  encumbrances: work.encumbrances,
                })
              }
            >
              {t("exchange.buy", { price: ether(listing.price) })}
            </button>
          </p>
        ) : (
          <p className="warning">{t("exchange.tokenNotYet")}</p>
        ))}
      {props.myBid !== null ? (
        <p>{t("exchange.youBid", { price: ether(props.myBid.amount) })}</p>
      ) : (
        props.bidsKnown && (
          <AmountForm
            labels={{
              title: t("exchange.bidTitle"),
              amount: t("exchange.bidField"),
              until: t("exchange.bidUntil"),
              untilHint: t("exchange.bidUntilHint"),
              submit: t("exchange.bidButton"),
            }}
            onSubmit={(amount, expiry) => onStart({ kind: "bid", workId: work.workId, amount, expiry })}
          />
        )
      )}
    </div>
  );
}
