// The verifier's 13 steps in order: each with its outcome in words (not colour alone) and the verifier's reason.
import { useTranslation } from "react-i18next";
import { type EvidenceVerification, STEPS, type Step } from "../../../core/evidence/verify.ts";

const MARK: Record<Step["status"] | "notRun", string> = { pass: "✓", fail: "✗", warn: "!", skip: "–", notRun: "·" };

export function Summary({ result }: { result: EvidenceVerification }) {
  const { t } = useTranslation();
  const failed = result.steps.filter((s) => s.status === "fail").length;
  const warned = result.steps.filter((s) => s.status === "warn").length;
  const text = !result.ok
    ? t("evidence.summaryFail", { n: failed })
    : warned > 0
      ? t("evidence.summaryWarn", { n: warned })
      : t("evidence.summaryPass");
  return (
    <p className={result.ok ? "summary ok" : "summary failed"} role="status">
      {text}
    </p>
  );
}

export function StepList({ result }: { result: EvidenceVerification }) {
  const { t } = useTranslation();
  return (
    <ol className="steps">
      {STEPS.map((name) => {
        const step = result.steps.find((s) => s.step === name);
        const status = step?.status ?? "notRun";
        return (
          <li key={name} className={`step ${status}`} data-step={name} data-status={status}>
            <h3>
              <span className="mark" aria-hidden="true">
                {MARK[status]}
              </span>{" "}
              {t(`evidence.step.${name}`)}
              {t("common.colon")}
              <span className="status">{t(`evidence.status.${status}`)}</span>
            </h3>
            <p className="what">{t(`evidence.about.${name}`)}</p>
            {step && (
              <p className="reason">
                {t("evidence.reason")} <span lang="en">{step.message}</span>
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}
