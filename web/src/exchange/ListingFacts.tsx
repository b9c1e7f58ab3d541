// A work's listing on the exchange: its price, who sells and until when; or that it is not for sale.
import { useTranslation } from "react-i18next";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import type { WorkDetail } from "../work/types.ts";
import { Money } from "./Money.tsx";

export function ListingFacts({ listing }: { listing: WorkDetail["listing"] }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (listing === null) return <p>{t("exchange.notListed")}</p>;
  return (
    <dl className="facts listing">
      <div>
        <dt>{t("exchange.price")}</dt>
        <dd>
          <Money amount={listing.price} currency={listing.currency} />
        </dd>
      </div>
      <div>
        <dt>{t("exchange.seller")}</dt>
        <dd>
          <Hex value={listing.seller} />
        </dd>
      </div>
      <div>
        <dt>{t("exchange.until")}</dt>
        <dd>{listing.expiry === null ? t("exchange.listingNoEnd") : format.dateTime(listing.expiry)}</dd>
      </div>
    </dl>
  );
}
