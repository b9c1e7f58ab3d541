// A registration's steps as a list that says which are done, which runs (with its status) and which failed.
import { useTranslation } from "react-i18next";
import { useFormat } from "../i18n/format.ts";
import type { StepName, StepNote, StepState } from "./flow.ts";

export type StepView = { name: StepName; state: StepState; note?: StepNote };

export function Steps({ steps, size }: { steps: readonly StepView[]; size: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <ol className="steps" aria-label={t("register.stepsLabel")}>
      {steps.map((s) => (
        <li key={s.name} className={`step ${s.state}`} aria-current={s.state === "active" ? "step" : undefined}>
          <span className="step-state">{t(`register.state.${s.state}`)}</span> {t(`register.step.${s.name}`)}
          {s.state === "active" && s.note?.status !== undefined && (
            <span className="hint"> · {t(`register.relay.${s.note.status}`, { defaultValue: s.note.status })}</span>
          )}
          {s.state === "active" && s.note?.sent !== undefined && (
            <progress max={Math.max(size, 1)} value={s.note.sent} aria-label={t("register.uploading")}>
              {format.bytes(s.note.sent)}
            </progress>
          )}
        </li>
      ))}
      <li className="visually-hidden" role="status">
        {(() => {
          const current = steps.find((s) => s.state === "active" || s.state === "failed");
          return current ? `${t(`register.state.${current.state}`)}: ${t(`register.step.${current.name}`)}` : "";
        })()}
      </li>
    </ol>
  );
}
