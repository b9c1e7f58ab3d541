// The transfers explorer's filters: work, account, type of event and a day range, all labelled.
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { AUDIT_KINDS, type AuditFilters, invalidField } from "./filters.ts";

export function AuditForm({ initial, onFilter }: { initial: AuditFilters; onFilter: (filters: AuditFilters) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [filters, setFilters] = useState(initial);
  const [invalid, setInvalid] = useState<"work" | "account" | null>(null);
  const set = (name: keyof AuditFilters, value: string) => setFilters((f) => ({ ...f, [name]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wrong = invalidField(filters);
    setInvalid(wrong);
    if (wrong === null) onFilter(filters);
  };
  const text = (name: "work" | "account", placeholder: string) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{t(`audit.${name}`)}</label>
      <input
        id={`${id}-${name}`}
        value={filters[name]}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={invalid === name}
        aria-describedby={invalid === name ? `${id}-${name}-error` : undefined}
        onChange={(e) => set(name, e.target.value)}
      />
      {invalid === name && (
        <p id={`${id}-${name}-error`} className="field-error" role="alert">
          {t(`audit.invalid.${name}`)}
        </p>
      )}
    </div>
  );
  return (
    <form className="audit-form" onSubmit={submit} aria-label={t("audit.filters")}>
      {text("work", "0x…")}
      {text("account", "0x…")}
      <div className="field">
        <label htmlFor={`${id}-kind`}>{t("audit.kind")}</label>
        <select id={`${id}-kind`} value={filters.kind} onChange={(e) => set("kind", e.target.value)}>
          <option value="">{t("audit.anyKind")}</option>
          {AUDIT_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {t(`timeline.kind.${kind}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-from`}>{t("audit.from")}</label>
        <input id={`${id}-from`} type="date" value={filters.from} onChange={(e) => set("from", e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>{t("audit.to")}</label>
        <input id={`${id}-to`} type="date" value={filters.to} onChange={(e) => set("to", e.target.value)} />
      </div>
      <button type="submit">{t("audit.submit")}</button>
    </form>
  );
}
