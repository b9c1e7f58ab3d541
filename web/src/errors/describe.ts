// An API problem in words a non-engineer understands, in the reader's language (contract refusals: contract.ts).
import type { Problem } from "../api/problem.ts";
import type { Language } from "../i18n/language.ts";
import en from "./api.en.json" with { type: "json" };
import zh from "./api.zh.json" with { type: "json" };

export type ApiSentence = keyof typeof en;

/**
 * A sentence for every code of the API's problems (`API_ERROR_CODES` in server/api/errors.ts) and for the web's own:
 * no answer at all (`Network`), a transaction refused for a reason no ABI names (`Reverted`), anything else.
 */
export const API_SENTENCES: Readonly<Record<Language, Readonly<Record<ApiSentence, string>>>> = { en, zh };

/** The codes the web gives itself, beside the API's. */
export const WEB_CODES = ["Network", "Reverted", "unknown"] as const satisfies readonly ApiSentence[];

/** Whether a code has a sentence of its own. */
export function hasSentence(code: string): code is ApiSentence {
  return Object.hasOwn(en, code);
}

/** `text` with each `{{name}}` replaced by `values[name]` (an argument that could not be read becomes "…"). */
export function interpolate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_whole, name: string) => values[name] ?? "…");
}

/** The sentence that fits a problem: its code's, else one by its status (an answer not from the API: a proxy's). */
export function sentenceOf(problem: Pick<Problem, "status" | "code">): ApiSentence {
  if (hasSentence(problem.code)) return problem.code;
  if (problem.status === 0) return "Network";
  if (problem.status === 404) return "NotFound";
  if (problem.status === 413) return "TooLarge";
  if (problem.status === 429) return "RateLimited";
  if (problem.status >= 500) return "Internal";
  return "unknown";
}

/** An API problem as a sentence in `language` (the server's own detail is shown beside it, in English). */
export function describeProblem(problem: Pick<Problem, "status" | "code">, language: Language): string {
  return API_SENTENCES[language][sentenceOf(problem)];
}
