// An API failure in words a non-engineer understands, in the current language, with the server's detail beneath.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { describeProblem, hasSentence } from "../errors/describe.ts";
import { currentLanguage, type Language } from "../i18n/index.ts";
import type { Problem } from "./client.ts";

/** Whether a code has a sentence of its own (any other gets one by its status, and the detail). */
export function isKnownCode(code: string): boolean {
  return hasSentence(code);
}

/**
 * The contract's own refusal when the API says the chain would refuse the request (`WouldRevert`, naming the custom
 * error in its detail): its sentence once the contract-error catalogue has loaded, null until then or for another code.
 */
function useRefusal(problem: Problem, language: Language): string | null {
  const key = problem.code === "WouldRevert" ? `${language}\n${problem.detail}` : null;
  const [refusal, setRefusal] = useState<{ key: string; sentence: string | null } | null>(null);
  useEffect(() => {
    if (key === null) return;
    let current = true;
    void import("../errors/contract.ts").then(({ describeRevert }) => {
      if (current) setRefusal({ key, sentence: describeRevert(problem.detail, language) });
    });
    return () => {
      current = false;
    };
  }, [key, problem.detail, language]);
  return refusal !== null && refusal.key === key ? refusal.sentence : null;
}

export function ProblemMessage({ problem, notFound }: { problem: Problem; notFound?: string }) {
  const { t, i18n } = useTranslation();
  const language = currentLanguage(i18n.resolvedLanguage);
  const refusal = useRefusal(problem, language);
  const sentence =
    problem.code === "NotFound" && notFound !== undefined ? notFound : (refusal ?? describeProblem(problem, language));
  return (
    <div className="problem" role="alert">
      <p>{sentence}</p>
      {problem.detail !== "" && (
        <p className="detail">
          {t("errors.detail")} <span lang="en">{problem.detail}</span>
        </p>
      )}
    </div>
  );
}
