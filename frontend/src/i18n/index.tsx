// The interface in the browser's language: French or English, both complete
// (the French catalogue is typed against the English one, so a missing key
// does not compile; `i18n.test.ts` checks placeholders match).
import { createContext, useContext, useMemo, type ReactNode } from "react";
import { en, type Key, type Messages } from "./en";
import { fr } from "./fr";

export type Lang = "en" | "fr";
export type { Key };

const catalogs: Record<Lang, Messages> = { en, fr };

/** The first of the browser's preferred languages we speak; English otherwise. */
export function detectLanguage(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "fr" || base === "en") return base;
  }
  return "en";
}

export type Vars = Record<string, string | number>;

export function translate(lang: Lang, key: Key, vars?: Vars): string {
  const template = catalogs[lang][key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

export interface I18n {
  lang: Lang;
  /** BCP 47 locale for numbers and dates. */
  locale: string;
  t: (key: Key, vars?: Vars) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ lang, children }: { lang: Lang; children: ReactNode }) {
  const value = useMemo<I18n>(
    () => ({
      lang,
      locale: lang === "fr" ? "fr-FR" : "en-GB",
      t: (key, vars) => translate(lang, key, vars),
    }),
    [lang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
