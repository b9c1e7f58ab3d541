// The short bilingual form describing a design: names, descriptions, technique, region, creator's name, royalty.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { useChoices } from "../search/SearchForm.tsx";
import { CoOwners } from "./CoOwners.tsx";
import { MAX_ROYALTY_PERCENT, type WorkForm } from "./work-form.ts";

type Props = {
  form: WorkForm;
  problems: Partial<Record<keyof WorkForm, string>>;
  onChange: (form: WorkForm) => void;
  /** Co-owners can be named: the wallet then sends the split (the built-in account has no coins to). */
  coOwners?: boolean;
};

function Field(
  props: Props & {
    name: Exclude<keyof WorkForm, "coOwners">;
    label: string;
    hint?: string;
    long?: boolean;
    list?: string;
    max: number;
    lang?: string;
  },
) {
  const { t } = useTranslation();
  const id = useId();
  const problem = props.problems[props.name];
  const common = {
    id,
    value: props.form[props.name],
    maxLength: props.max,
    ...(props.lang !== undefined ? { lang: props.lang } : {}),
    "aria-invalid": problem !== undefined,
    "aria-describedby": problem !== undefined ? `${id}-error` : props.hint !== undefined ? `${id}-hint` : undefined,
    onChange: (e: { target: { value: string } }) => props.onChange({ ...props.form, [props.name]: e.target.value }),
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.long ? (
        <textarea rows={3} {...common} />
      ) : (
        <input type="text" {...common} {...(props.list ? { list: props.list } : {})} />
      )}
      {props.hint !== undefined && problem === undefined && (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {problem !== undefined && (
        <p className="field-error" id={`${id}-error`}>
          {t(problem as never)}
        </p>
      )}
    </div>
  );
}

export function MetadataForm(props: Props) {
  const { t } = useTranslation();
  const techniques = useChoices("technique");
  const regions = useChoices("region");
  const royaltyId = useId();
  const problem = props.problems.royaltyPercent;
  return (
    <fieldset className="metadata-form">
      <legend>{t("register.describe")}</legend>
      <Field
        {...props}
        name="nameZh"
        label={t("register.nameZh")}
        max={90}
        lang="zh-CN"
        hint={t("register.nameHint")}
      />
      <Field {...props} name="nameEn" label={t("register.nameEn")} max={90} lang="en" />
      <Field {...props} name="descriptionZh" label={t("register.descriptionZh")} max={2400} long lang="zh-CN" />
      <Field {...props} name="descriptionEn" label={t("register.descriptionEn")} max={2400} long lang="en" />
      <Field {...props} name="technique" label={t("register.technique")} max={200} list="register-techniques" />
      <datalist id="register-techniques">
        {techniques.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <Field {...props} name="region" label={t("register.region")} max={200} list="register-regions" />
      <datalist id="register-regions">
        {regions.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <Field
        {...props}
        name="creatorName"
        label={t("register.creatorName")}
        max={200}
        hint={t("register.creatorHint")}
      />
      <div className="field">
        <label htmlFor={royaltyId}>{t("register.royalty")}</label>
        <input
          id={royaltyId}
          type="number"
          inputMode="decimal"
          min={0}
          max={MAX_ROYALTY_PERCENT}
          step={0.01}
          value={props.form.royaltyPercent}
          aria-invalid={problem !== undefined}
          aria-describedby={`${royaltyId}-note`}
          onChange={(e) => props.onChange({ ...props.form, royaltyPercent: e.target.value })}
        />
        <p className={problem !== undefined ? "field-error" : "hint"} id={`${royaltyId}-note`}>
          {problem !== undefined ? t(problem as never) : t("register.royaltyHint")}
        </p>
      </div>
      {props.coOwners && <CoOwners form={props.form} problem={props.problems.coOwners} onChange={props.onChange} />}
    </fieldset>
  );
}
