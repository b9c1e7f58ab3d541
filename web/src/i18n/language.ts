// Which language a page opens in, and the locale each language formats with (pure: no DOM, tested in Node).
export type Language = "zh" | "en";
export const LANGUAGES: readonly Language[] = ["zh", "en"];

/** The BCP 47 tag the language's dates and numbers are formatted with (and the page's `lang`). */
export function localeOf(language: Language): string {
  return language === "zh" ? "zh-CN" : "en";
}

/** The language chosen before on this device, else the first of the browser's languages we have, else English. */
export function initialLanguage(
  saved: string | null,
  preferred: readonly string[] = typeof navigator === "undefined" ? [] : navigator.languages,
): Language {
  if (saved === "zh" || saved === "en") return saved;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    if (primary === "zh" || primary === "en") return primary;
  }
  return "en";
}
