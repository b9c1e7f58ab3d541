// The two languages of the web (zh-CN and English): i18next set up once, the choice remembered, the browser's by default.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { initialLanguage, LANGUAGES, type Language, localeOf } from "./language.ts";

/** Each language's catalogue is its own chunk: a page loads the one it shows, and the other on a switch. */
const CATALOGUES: Record<Language, () => Promise<{ default: Record<string, unknown> }>> = {
  en: () => import("./en.json"),
  zh: () => import("./zh.json"),
};

export { LANGUAGES, type Language, localeOf };

const STORAGE_KEY = "titlechain.language";

function savedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage refused (private mode, blocked cookies): the browser's language then
  }
}

export async function setupI18n(): Promise<void> {
  const language = initialLanguage(savedLanguage());
  document.documentElement.lang = localeOf(language);
  const catalogue = (await CATALOGUES[language]()).default;
  await i18next.use(initReactI18next).init({
    resources: { [language]: { translation: catalogue } },
    lng: language,
    fallbackLng: false,
    supportedLngs: [...LANGUAGES],
    // React escapes what it renders: i18next must not escape it a second time.
    interpolation: { escapeValue: false },
    returnEmptyString: false,
    initAsync: false,
  });
}

/** Switches the language of every page and remembers it on this device. */
export async function setLanguage(language: Language): Promise<void> {
  if (!i18next.hasResourceBundle(language, "translation")) {
    i18next.addResourceBundle(language, "translation", (await CATALOGUES[language]()).default);
  }
  await i18next.changeLanguage(language);
  document.documentElement.lang = localeOf(language);
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // not remembered: the switch still holds for this visit
  }
}

/** The current language, from i18next's resolved language. */
export function currentLanguage(resolved: string | undefined): Language {
  return resolved === "zh" ? "zh" : "en";
}
