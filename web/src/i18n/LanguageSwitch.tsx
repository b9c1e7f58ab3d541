// The language switch: 中文 and English as two toggle buttons, each labelled in its own language.
import { useTranslation } from "react-i18next";
import { currentLanguage, type Language, setLanguage } from "./index.ts";

const NAMES: Record<Language, { label: string; lang: string }> = {
  zh: { label: "中文", lang: "zh-CN" },
  en: { label: "English", lang: "en" },
};

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const current = currentLanguage(i18n.resolvedLanguage);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of toggle buttons, not a form's fieldset
    <div className="language-switch" role="group" aria-label={t("language.switch")}>
      {(Object.keys(NAMES) as Language[]).map((language) => (
        <button
          key={language}
          type="button"
          lang={NAMES[language].lang}
          aria-pressed={language === current}
          onClick={() => void setLanguage(language)}
        >
          {NAMES[language].label}
        </button>
      ))}
    </div>
  );
}
