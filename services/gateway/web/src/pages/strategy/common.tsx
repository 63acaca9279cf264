// Shared pieces of the strategy editors: the edit context, money inputs and list editors.
import { createContext, useContext, useEffect, useId, useState } from "react";
import { currencyDigits, microsFromUnits, unitsFromMicros } from "../../lib/format";
import type { Counting } from "../../lib/limits";
import type { CampaignStrategy } from "../../lib/types";
import { Button } from "../../ui/ui";
import { LimitedField } from "../../ui/LimitedField";

export interface EditContext {
  draft: CampaignStrategy;
  update: (mutate: (draft: CampaignStrategy) => void) => void;
  errorAt: (pointer: string) => string | undefined;
  readOnly: boolean;
}

export const StrategyEdit = createContext<EditContext | null>(null);

export function useEdit(): EditContext {
  const ctx = useContext(StrategyEdit);
  if (!ctx) throw new Error("StrategyEdit context missing");
  return ctx;
}

/** An amount in currency units over integer micros; keeps what is being typed ("12.") intact. */
export function MoneyInput({
  label,
  micros,
  currency,
  onChange,
  error,
  disabled,
}: {
  label: string;
  micros: number;
  currency: string;
  onChange: (micros: number) => void;
  error?: string;
  disabled?: boolean;
}) {
  const id = useId();
  const [text, setText] = useState(unitsFromMicros(micros, currency));
  const [bad, setBad] = useState(false);
  useEffect(() => {
    const parsed = microsFromUnits(text);
    if (parsed !== micros) setText(unitsFromMicros(micros, currency));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [micros, currency]);
  const message = bad ? `Enter an amount like ${(12.5).toFixed(currencyDigits(currency))}` : error;
  return (
    <div className={`field${message ? " field-invalid" : ""}`}>
      <label htmlFor={id}>
        {label} <span className="muted small">({currency})</span>
      </label>
      <input
        id={id}
        inputMode="decimal"
        value={text}
        disabled={disabled}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = microsFromUnits(e.target.value);
          setBad(parsed === null);
          if (parsed !== null) onChange(parsed);
        }}
      />
      {message && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {message}
        </p>
      )}
    </div>
  );
}

/** A list of limited texts (headlines, descriptions) with add and remove. */
export function TextListEditor({
  label,
  values,
  limit,
  counting,
  min,
  max,
  pointer,
  onChange,
  multiline,
}: {
  label: string;
  values: string[];
  limit: number;
  counting: Counting;
  min: number;
  max: number;
  pointer: string;
  onChange: (values: string[]) => void;
  multiline?: boolean;
}) {
  const { errorAt, readOnly } = useEdit();
  const listError = errorAt(pointer);
  return (
    <fieldset className="list-editor">
      <legend>
        {label}s{" "}
        <span className="muted small">
          ({values.length} of {min}–{max})
        </span>
      </legend>
      {values.map((value, i) => (
        <div className="list-item" key={i}>
          {readOnly ? (
            <p>{value}</p>
          ) : (
            <LimitedField
              label={`${label} ${i + 1}`}
              value={value}
              limit={limit}
              counting={counting}
              multiline={multiline}
              error={errorAt(`${pointer}/${i}`)}
              onChange={(v) => onChange(values.map((x, j) => (j === i ? v : x)))}
            />
          )}
          {!readOnly && (
            <Button
              small
              variant="ghost"
              aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}
              disabled={values.length <= min}
              onClick={() => onChange(values.filter((_, j) => j !== i))}
            >
              Remove
            </Button>
          )}
        </div>
      ))}
      {listError && (
        <p className="field-error" role="alert">
          {listError}
        </p>
      )}
      {!readOnly && values.length < max && (
        <div>
          <Button small onClick={() => onChange([...values, ""])}>
            Add {label.toLowerCase()}
          </Button>
        </div>
      )}
    </fieldset>
  );
}
