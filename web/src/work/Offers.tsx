// A work's licence offers: kind, state, price and supply, and the terms in plain words in the current language.
import { lazy, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { formatUnits } from "viem";
import { useFormat } from "../i18n/format.ts";
import { Hex } from "../ui/Hex.tsx";
import { Loading } from "../ui/Spinner.tsx";
import type { Offer } from "./types.ts";

/** The purchase (wallets, viem's clients, the ledger's ABI) loads when a buyer first asks for it. */
const BuyLicence = lazy(() => import("../licences/BuyLicence.tsx"));

function Buy({ workId, offer }: { workId: string; offer: Offer }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  if (offer.state !== "open") return null;
  if (!open) {
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        {t("licences.buy")}
      </button>
    );
  }
  return (
    <Suspense fallback={<Loading />}>
      <BuyLicence workId={workId} offer={offer} onClose={() => setOpen(false)} />
    </Suspense>
  );
}

const NATIVE = "0x0000000000000000000000000000000000000000";

function Price({ offer }: { offer: Offer }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (offer.currency === NATIVE) {
    return <>{t("offers.priceNative", { amount: format.number(formatUnits(BigInt(offer.price), 18)) })}</>;
  }
  return (
    <>
      {t("offers.priceToken", { amount: format.number(offer.price) })} <Hex value={offer.currency} />
    </>
  );
}

export function Offers({ workId, offers }: { workId: string; offers: Offer[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (offers.length === 0) return <p>{t("offers.none")}</p>;
  return (
    <ul className="offers">
      {offers.map((offer) => (
        <li key={offer.offerIndex} className="card">
          <h3>
            {t(`offers.kind.${offer.kind}`)}{" "}
            <span className={`badge state-${offer.state}`}>{t(`offers.state.${offer.state}`)}</span>
          </h3>
          <p className="words">{offer.words[format.language]}</p>
          <dl className="facts compact">
            <dt>{t("offers.price")}</dt>
            <dd>
              <Price offer={offer} />
            </dd>
            <dt>{t("offers.sold")}</dt>
            <dd>
              {offer.supply === 0
                ? t("offers.soldUnlimited", { sold: format.number(offer.sold) })
                : t("offers.soldOf", { sold: format.number(offer.sold), supply: format.number(offer.supply) })}
            </dd>
            <dt>{t("offers.licensor")}</dt>
            <dd>
              <Hex value={offer.licensor} />
            </dd>
            <dt>{t("offers.legalText")}</dt>
            <dd>
              <Hex value={offer.legalText.sha256} />
            </dd>
          </dl>
          <Buy workId={workId} offer={offer} />
        </li>
      ))}
    </ul>
  );
}
