// Co-owners sharing a work's licence revenue: rows of an account and its percent; the creator keeps the rest.
import { useTranslation } from "react-i18next";
import type { WorkForm } from "./work-form.ts";

type Props = { form: WorkForm; problem: string | undefined; onChange: (form: WorkForm) => void };

export function CoOwners({ form, problem, onChange }: Props) {
  const { t } = useTranslation();
  const set = (i: number, change: Partial<WorkForm["coOwners"][number]>) =>
    onChange({ ...form, coOwners: form.coOwners.map((c, k) => (k === i ? { ...c, ...change } : c)) });
  return (
    <fieldset className="co-owners" aria-describedby="co-owners-note">
      <legend>{t("register.coOwners")}</legend>
      <p className={problem ? "field-error" : "hint"} id="co-owners-note">
        {problem ? t(problem as never) : t("register.coOwnersHint")}
      </p>
      {form.coOwners.map((c, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place while being typed
        <div className="field query" key={i}>
          <label htmlFor={`co-owner-${i}`}>{t("register.coOwnerAccount", { n: i + 1 })}</label>
          <input
            id={`co-owner-${i}`}
            type="text"
            spellCheck={false}
            value={c.account}
            placeholder="0x…"
            onChange={(e) => set(i, { account: e.target.value })}
          />
          <label htmlFor={`co-owner-share-${i}`}>{t("register.coOwnerShare", { n: i + 1 })}</label>
          <input
            id={`co-owner-share-${i}`}
            type="number"
            inputMode="decimal"
            min={0.01}
            max={99.99}
            step={0.01}
            value={c.percent}
            onChange={(e) => set(i, { percent: e.target.value })}
          />
          <button
            type="button"
            onClick={() => onChange({ ...form, coOwners: form.coOwners.filter((_, k) => k !== i) })}
          >
            {t("register.removeCoOwner", { n: i + 1 })}
          </button>
        </div>
      ))}
      {form.coOwners.length < 8 && (
        <button
          type="button"
          onClick={() => onChange({ ...form, coOwners: [...form.coOwners, { account: "", percent: "" }] })}
        >
          {t("register.addCoOwner")}
        </button>
      )}
    </fieldset>
  );
}
