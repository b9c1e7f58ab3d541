// What a page will ask for first, named in its answer's Link header: its code, its language's catalogue, its data.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { initialLanguage, type Language } from "../../web/src/i18n/language.ts";

/** Vite's build manifest (`build.manifest`): each source module's output file and the chunks it imports. */
type Manifest = Record<string, { file: string; imports?: string[]; css?: string[]; isEntry?: boolean }>;

const CATALOGUES: Record<Language, string> = { en: "src/i18n/en.json", zh: "src/i18n/zh.json" };

export type PagePreloads = {
  /** Link values for the code of the page whose module is `module` (null: the page comes with the entry). */
  code(module: string | null): string[];
  /** The Link value for the catalogue of the language a browser sending this Accept-Language opens in. */
  catalogue(acceptLanguage: string | undefined): string[];
};

/** The browser's languages from Accept-Language, most preferred first (a weight of 0 refuses a language). */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .slice(0, 20)
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.tag !== "" && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((l) => l.tag);
}

/**
 * Reads the manifest of the build in `dir`. Without preloads a page asks for the entry, then (once it runs) its
 * catalogue and its page's chunk, then its data, one after the other; with them the browser asks for all at once.
 * Every page module named must be in the manifest: a page renamed in the app and not here fails at start.
 */
export function pagePreloads(dir: string, modules: readonly string[]): PagePreloads {
  const path = join(dir, ".vite", "manifest.json");
  if (!existsSync(path)) return { code: () => [], catalogue: () => [] };
  const manifest = JSON.parse(readFileSync(path, "utf8")) as Manifest;
  const chunk = (key: string) => {
    const found = manifest[key];
    if (!found) throw new Error(`${path} has no ${key}: the web build and server/api/web.ts disagree`);
    return found;
  };
  // What the entry imports statically is already named in the page (Vite's own modulepreload links).
  const closure = (keys: string[], seen = new Set<string>()) => {
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      closure(chunk(key).imports ?? [], seen);
    }
    return seen;
  };
  const entry = Object.keys(manifest).find((key) => manifest[key]?.isEntry);
  const withEntry = closure(entry ? [entry] : []);
  const code = new Map<string, string[]>();
  for (const module of modules) {
    const keys = [...closure([module])].filter((key) => !withEntry.has(key));
    code.set(module, [
      ...keys.map((key) => `</${chunk(key).file}>; rel=modulepreload`),
      ...keys.flatMap((key) => (chunk(key).css ?? []).map((css) => `</${css}>; rel=preload; as=style; crossorigin`)),
    ]);
  }
  const catalogue = (language: Language) => [`</${chunk(CATALOGUES[language]).file}>; rel=modulepreload`];
  const catalogues = { en: catalogue("en"), zh: catalogue("zh") };
  return {
    code: (module) => (module === null ? [] : (code.get(module) ?? [])),
    catalogue: (acceptLanguage) => catalogues[initialLanguage(null, acceptedLanguages(acceptLanguage))],
  };
}
