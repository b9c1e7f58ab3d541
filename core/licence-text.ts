// Licence offers in plain words, in English and Chinese, for the API, the web and certificates.
import { countriesOf, FOREVER, fieldsOfUse, LicenceKind, Use, type UseName, useLabels } from "./licence.ts";

/** An offer's terms as the mirror and the API hold them (territory as three decimal words; times in Unix seconds). */
export type OfferWords = {
  kind: number;
  uses: number;
  fields: number;
  transferable: boolean;
  /** Three words of the territory bit set; all zero: worldwide. */
  territory: readonly (string | bigint)[];
  start: number;
  end: number;
  /** A renewable term in seconds; 0: fixed period. */
  duration: number;
  /** 0: unlimited. */
  supply: number;
  derivativeRoyaltyBps: number;
};

export type Bilingual = { en: string; zh: string };

const KIND: Record<number, Bilingual> = {
  [LicenceKind.NonExclusive]: { en: "Non-exclusive licence", zh: "非独占许可" },
  [LicenceKind.Sole]: { en: "Sole licence (the licensor keeps its own use)", zh: "排他许可（许可人保留自用）" },
  [LicenceKind.Exclusive]: { en: "Exclusive licence", zh: "独占许可" },
};

const ALL_FIELDS = (1 << fieldsOfUse.length) - 1;

/** The uses in a bit set, by name, in the ledger's order. */
export function useNamesOf(uses: number): UseName[] {
  return (Object.keys(Use) as UseName[]).filter((name) => (uses & Use[name]) !== 0);
}

/** The territory's country codes, or null for worldwide. */
export function territoryCodes(territory: readonly (string | bigint)[]): string[] | null {
  const words = territory.map((w) => BigInt(w));
  return words.every((w) => w === 0n) ? null : countriesOf(words);
}

/** Country names per locale, made once: an `Intl.DisplayNames` costs far more to make than to ask. */
const regionNames = new Map<"en" | "zh", Intl.DisplayNames>();

function countryNames(codes: readonly string[], locale: "en" | "zh"): string[] {
  let names = regionNames.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale === "zh" ? "zh-CN" : "en"], { type: "region" });
    regionNames.set(locale, names);
  }
  return codes.map((code) => (names as Intl.DisplayNames).of(code) ?? code);
}

function date(seconds: number, locale: "en" | "zh"): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10) + (locale === "zh" ? "" : " (UTC)");
}

function days(seconds: number): number {
  return Math.round(seconds / 86_400);
}

/**
 * The offer's terms as two paragraphs, one per language, each built only from the terms themselves: the licence
 * kind, the uses, the fields of use, the territory, the period and renewal, the supply, transferability and the
 * derivative royalty. The legal text (its hash and CID are in the offer) governs; these words summarise it.
 */
export function describeOffer(offer: OfferWords): Bilingual {
  const uses = useNamesOf(offer.uses);
  const fields = fieldsOfUse.filter((_, i) => (offer.fields >> i) & 1);
  const codes = territoryCodes(offer.territory);
  const kind = KIND[offer.kind] ?? { en: `Licence of kind ${offer.kind}`, zh: `第 ${offer.kind} 类许可` };
  const perpetual = offer.end >= FOREVER;
  const en = [
    `${kind.en}.`,
    `Permitted uses: ${uses.map((u) => useLabels[u].en.toLowerCase()).join(", ") || "none"}.`,
    offer.fields === ALL_FIELDS
      ? "In every field of use."
      : `In these fields of use: ${fields.map((f) => f.en.toLowerCase()).join(", ")}.`,
    codes ? `Territory: ${countryNames(codes, "en").join(", ")}.` : "Worldwide.",
    perpetual
      ? `From ${date(offer.start, "en")}, without end.`
      : `From ${date(offer.start, "en")} to ${date(offer.end, "en")}.`,
    offer.duration > 0
      ? `Each licence runs for ${days(offer.duration)} days and can be renewed one term at a time before it lapses.`
      : "Each licence runs for the whole period.",
    offer.supply > 0 ? `At most ${offer.supply} licences.` : "No limit on the number of licences.",
    offer.transferable ? "The licence can be transferred." : "The licence cannot be transferred.",
    offer.derivativeRoyaltyBps > 0
      ? `A derivative work made under it pays ${offer.derivativeRoyaltyBps / 100}% of everything it earns to this work.`
      : "",
  ];
  const zh = [
    `${kind.zh}。`,
    `许可用途：${uses.map((u) => useLabels[u].zh).join("、") || "无"}。`,
    offer.fields === ALL_FIELDS ? "适用于所有使用领域。" : `使用领域：${fields.map((f) => f.zh).join("、")}。`,
    codes ? `地域范围：${countryNames(codes, "zh").join("、")}。` : "地域范围：全球。",
    perpetual
      ? `自 ${date(offer.start, "zh")} 起，永久有效。`
      : `期限：${date(offer.start, "zh")} 至 ${date(offer.end, "zh")}（UTC）。`,
    offer.duration > 0 ? `每份许可期限 ${days(offer.duration)} 天，到期前可逐期续期。` : "每份许可在整个期限内有效。",
    offer.supply > 0 ? `限量 ${offer.supply} 份。` : "不限份数。",
    offer.transferable ? "许可可以转让。" : "许可不可转让。",
    offer.derivativeRoyaltyBps > 0
      ? `据此创作的衍生作品须将其全部收入的 ${offer.derivativeRoyaltyBps / 100}% 支付给本作品。`
      : "",
  ];
  return { en: en.filter(Boolean).join(" "), zh: zh.filter(Boolean).join("") };
}
