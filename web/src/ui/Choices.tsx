// One choice among a few, as labelled radio buttons in a fieldset, each with an optional hint beneath.
import { useId } from "react";

export type Choice<T extends string> = { value: T; label: string; hint?: string };

export function Choices<T extends string>(props: {
  legend: string;
  value: T;
  choices: readonly Choice<T>[];
  onChange: (value: T) => void;
}) {
  const name = useId();
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.choices.map((c) => (
        <div key={c.value}>
          <div className="field checkbox">
            <input
              id={`${name}-${c.value}`}
              type="radio"
              name={name}
              checked={props.value === c.value}
              onChange={() => props.onChange(c.value)}
            />
            <label htmlFor={`${name}-${c.value}`}>{c.label}</label>
          </div>
          {c.hint !== undefined && <p className="hint">{c.hint}</p>}
        </div>
      ))}
    </fieldset>
  );
}
