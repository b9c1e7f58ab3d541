// A price or a bid as a person enters it: an amount in ETH and an optional last day, checked before anything is sent.
import { type FormEvent, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { expiryOf, parseEth } from "./eth.ts";

export type AmountFormLabels = { title: string; amount: string; until: string; untilHint: string; submit: string };

export function AmountForm(props: {
  labels: AmountFormLabels;
  /** The amount shown at first (a listing's price, to change it), in ETH as typed. */
  initial?: string;
  onSubmit: (wei: bigint, expiry: number) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [amount, setAmount] = useState(props.initial ?? "");
  const [until, setUntil] = useState("");
  const [errors, setErrors] = useState<{ amount?: string; until?: string }>({});
  const amountField = useRef<HTMLInputElement>(null);
  const untilField = useRef<HTMLInputElement>(null);
  const today = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wei = parseEth(amount);
    const expiry = expiryOf(until);
    const found = {
      ...(wei === null ? { amount: t("exchange.badAmount") } : {}),
      ...(expiry === null ? { until: t("exchange.badUntil") } : {}),
    };
    setErrors(found);
    if (wei === null) return amountField.current?.focus();
    if (expiry === null) return untilField.current?.focus();
    props.onSubmit(wei, expiry);
  };

  return (
    <form className="amount-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{props.labels.title}</h4>
      <div className="field">
        <label htmlFor={`${id}-amount`}>{props.labels.amount}</label>
        <input
          id={`${id}-amount`}
          ref={amountField}
          inputMode="decimal"
          autoComplete="off"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          aria-invalid={errors.amount !== undefined}
          aria-describedby={errors.amount !== undefined ? `${id}-amount-error` : undefined}
        />
        {errors.amount !== undefined && (
          <p className="field-error" id={`${id}-amount-error`}>
            {errors.amount}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-until`}>{props.labels.until}</label>
        <input
          id={`${id}-until`}
          ref={untilField}
          type="date"
          min={today}
          value={until}
          onChange={(e) => setUntil(e.target.value)}
          aria-invalid={errors.until !== undefined}
          aria-describedby={`${id}-until-hint${errors.until !== undefined ? ` ${id}-until-error` : ""}`}
        />
        <p className="hint" id={`${id}-until-hint`}>
          {props.labels.untilHint}
        </p>
        {errors.until !== undefined && (
          <p className="field-error" id={`${id}-until-error`}>
            {errors.until}
          </p>
        )}
      </div>
      <button type="submit">{props.labels.submit}</button>
    </form>
  );
}
