// An API failure in words a non-engineer understands, in the current language, with the server's detail beneath.
import { useTranslation } from "react-i18next";
import type { Problem } from "./client.ts";

/** The codes the pages meet, each with its own sentence; any other code gets the generic one and the detail. */
const KNOWN = [
  "Network",
  "InvalidField",
  "NotFound",
  "TooLarge",
  "RateLimited",
  "ChainUnavailable",
  "NoNode",
  "ContentCorrupt",
  "Internal",
  "TimestampUnavailable",
  "EvidenceDoesNotHold",
] as const;
type KnownCode = (typeof KNOWN)[number];

export function isKnownCode(code: string): code is KnownCode {
  return (KNOWN as readonly string[]).includes(code);
}

export function ProblemMessage({ problem, notFound }: { problem: Problem; notFound?: string }) {
  const { t } = useTranslation();
  const sentence =
    problem.code === "NotFound" && notFound !== undefined
      ? notFound
      : isKnownCode(problem.code)
        ? t(`errors.${problem.code}`)
        : t("errors.unknown");
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
