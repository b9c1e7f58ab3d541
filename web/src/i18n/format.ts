// Dates, times, numbers and percentages formatted for the current language with Intl.
import { useTranslation } from "react-i18next";
import { currentLanguage, type Language, localeOf } from "./index.ts";

export type Formatters = {
  language: Language;
  /** A calendar date (an ISO time or Unix seconds), in the reader's time zone. */
  date: (time: string | number) => string;
  /** A date and time to the minute, with its time zone. */
  dateTime: (time: string | number) => string;
  number: (value: number | bigint | string) => string;
  /** Basis points (1/100 of a percent) as a percentage. */
  percentOfBps: (bps: number) => string;
  /** Bytes as KB, MB or GB. */
  bytes: (value: number) => string;
};

const asDate = (time: string | number) => new Date(typeof time === "number" ? time * 1000 : time);

export function formatters(language: Language): Formatters {
  const locale = localeOf(language);
  const date = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 18 });
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 });
  const units = ["kilobyte", "megabyte", "gigabyte"] as const;
  return {
    language,
    date: (time) => date.format(asDate(time)),
    dateTime: (time) => dateTime.format(asDate(time)),
    // A decimal string keeps every digit (Intl formats strings exactly); bigints and numbers as they are.
    number: (value) => number.format(value as number),
    percentOfBps: (bps) => percent.format(bps / 10_000),
    bytes: (value) => {
      let amount = value / 1000;
      let unit = 0;
      while (amount >= 1000 && unit < units.length - 1) {
        amount /= 1000;
        unit++;
      }
      return new Intl.NumberFormat(locale, {
        style: "unit",
        unit: units[unit],
        maximumFractionDigits: amount < 10 ? 1 : 0,
      }).format(amount);
    },
  };
}

/** Each language's formatters, made once for the visit rather than once per component (each search card asked). */
const made = new Map<Language, Formatters>();

/** The formatters of the current language. */
export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const language = currentLanguage(i18n.resolvedLanguage);
  let format = made.get(language);
  if (!format) {
    format = formatters(language);
    made.set(language, format);
  }
  return format;
}
