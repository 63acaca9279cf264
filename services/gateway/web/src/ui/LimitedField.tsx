// A text field with a live character counter at a platform's limit (kept apart from ui.tsx so the
// Unicode width table loads only with the screens that edit ad copy).
import { type Counting, width } from "../lib/limits";
import { TextArea, TextField, cx } from "./ui";

/** A text input with a live counter at a platform's limit; over the limit it says so and is invalid. */
export function LimitedField({
  label,
  value,
  limit,
  counting,
  onChange,
  error,
  multiline,
  className,
  placeholder,
}: {
  label: string;
  value: string;
  limit: number;
  counting: Counting;
  onChange: (value: string) => void;
  error?: string;
  multiline?: boolean;
  className?: string;
  placeholder?: string;
}) {
  const used = width(value, counting);
  const over = used > limit;
  const counter = (
    <span className={cx("counter", over && "counter-over", !over && used > limit * 0.9 && "counter-near")} aria-live="polite">
      {used}/{limit}
      <span className="visually-hidden"> characters{counting === "google" ? " (wide characters count 2)" : ""}</span>
    </span>
  );
  const overMessage = over
    ? `${used - limit} over the limit of ${limit}${counting === "google" ? " (wide characters count 2)" : ""}: shorten it to save`
    : undefined;
  const shown = overMessage ?? error;
  const props = { value, placeholder, onChange: (e: { target: { value: string } }) => onChange(e.target.value) };
  return multiline ? (
    <TextArea label={label} error={shown} counter={counter} className={className} rows={3} {...props} />
  ) : (
    <TextField label={label} error={shown} counter={counter} className={className} {...props} />
  );
}
