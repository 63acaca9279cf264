// The brief: what to advertise, to whom, with which budget, where. Validated as the API validates it.
import { type FormEvent, useState } from "react";
import { ApiError, post } from "../../lib/api";
import { PLATFORM_NAMES, isoDate } from "../../lib/format";
import { invalidate } from "../../lib/store";
import type { Goal, Platform } from "../../lib/types";
import { PLATFORMS } from "../../lib/types";
import { type BriefForm, type Errors, LIMITS, briefBody, validateBrief } from "../../lib/validation";
import { Button, Checkbox, InlineError, SelectField, TagInput, TextArea, TextField } from "../../ui/ui";

const GOALS: { id: Goal; label: string; help: string }[] = [
  { id: "awareness", label: "Awareness", help: "Be seen by as many of the right people as possible" },
  { id: "traffic", label: "Traffic", help: "Bring visitors to your website" },
  { id: "leads", label: "Leads", help: "Collect sign-ups, enquiries or calls" },
  { id: "sales", label: "Sales", help: "Sell online" },
];

const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CAD", "AUD", "JPY"];

export function defaultBrief(website?: string | null): BriefForm {
  const start = new Date();
  start.setDate(start.getDate() + 1);
  return {
    product: "",
    audience: "",
    goal: "",
    amount: "",
    currency: "EUR",
    period: "daily",
    start_date: isoDate(start),
    end_date: "",
    platforms: ["google_ads", "meta"],
    locations: [],
    languages: [],
    landing_page_url: website ?? "",
  };
}

export function BriefFormView({
  projectId,
  initial,
  onSubmitted,
  linkedPlatforms,
}: {
  projectId: string;
  initial: BriefForm;
  onSubmitted: (briefId: string) => void;
  linkedPlatforms?: Platform[];
}) {
  const [form, setForm] = useState<BriefForm>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof BriefForm>(key: K, value: BriefForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validateBrief(form);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) {
      const first = document.querySelector<HTMLElement>("[aria-invalid='true']");
      first?.focus();
      return;
    }
    setBusy(true);
    try {
      const accepted = await post<{ id: string }>(`/projects/${projectId}/briefs`, briefBody(form));
      invalidate(`briefs/${projectId}`);
      onSubmitted(accepted.id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.errors.length) setErrors(error.fieldErrors());
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const togglePlatform = (platform: Platform, on: boolean) =>
    set(
      "platforms",
      on ? PLATFORMS.filter((p) => p === platform || form.platforms.includes(p)) : form.platforms.filter((p) => p !== platform),
    );
  const unlinked = form.platforms.filter((p) => linkedPlatforms && !linkedPlatforms.includes(p));

  return (
    <form onSubmit={submit} noValidate aria-label="Brief">
      <TextArea
        label="What are you advertising?"
        rows={2}
        value={form.product}
        error={errors["/product"]}
        placeholder="e.g. Trail running shoes with extra grip"
        hint={`Up to ${LIMITS.product} characters.`}
        onChange={(e) => set("product", e.target.value)}
        required
      />
      <TextArea
        label="Who should see it?"
        rows={2}
        value={form.audience}
        error={errors["/audience"]}
        placeholder="e.g. Runners aged 25-45 who run off-road at weekends"
        onChange={(e) => set("audience", e.target.value)}
        required
      />
      <fieldset aria-describedby={errors["/goal"] ? "goal-error" : undefined}>
        <legend>Goal</legend>
        <div className="choice-row">
          {GOALS.map((g) => (
            <label key={g.id} className="checkbox" title={g.help}>
              <input
                type="radio"
                name="goal"
                value={g.id}
                checked={form.goal === g.id}
                onChange={() => set("goal", g.id)}
                aria-invalid={errors["/goal"] ? true : undefined}
              />
              <span>
                {g.label} <span className="muted small">— {g.help}</span>
              </span>
            </label>
          ))}
        </div>
        {errors["/goal"] && (
          <p id="goal-error" className="field-error" role="alert">
            {errors["/goal"]}
          </p>
        )}
      </fieldset>
      <div className="row">
        <TextField
          label="Budget"
          inputMode="decimal"
          placeholder="50.00"
          value={form.amount}
          error={errors["/budget/amount"]}
          onChange={(e) => set("amount", e.target.value)}
          required
        />
        <SelectField
          label="Currency"
          value={form.currency}
          error={errors["/budget/currency"]}
          onChange={(e) => set("currency", e.target.value)}
        >
          {CURRENCIES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </SelectField>
        <SelectField label="Per" value={form.period} onChange={(e) => set("period", e.target.value as "daily" | "total")}>
          <option value="daily">day</option>
          <option value="total">whole campaign</option>
        </SelectField>
      </div>
      <div className="row">
        <TextField
          label="Start date"
          type="date"
          value={form.start_date}
          error={errors["/start_date"]}
          onChange={(e) => set("start_date", e.target.value)}
          required
        />
        <TextField
          label="End date"
          type="date"
          value={form.end_date}
          error={errors["/end_date"]}
          hint="Optional: leave empty to run until you stop it."
          onChange={(e) => set("end_date", e.target.value)}
        />
      </div>
      <fieldset>
        <legend>Platforms</legend>
        <div className="choice-row">
          {PLATFORMS.map((p) => (
            <Checkbox
              key={p}
              label={PLATFORM_NAMES[p]}
              checked={form.platforms.includes(p)}
              onChange={(e) => togglePlatform(p, e.target.checked)}
            />
          ))}
        </div>
        {errors["/platforms"] && (
          <p className="field-error" role="alert">
            {errors["/platforms"]}
          </p>
        )}
        {unlinked.length > 0 && (
          <p className="notice notice-warn small">
            {unlinked.map((p) => PLATFORM_NAMES[p]).join(" and ")} {unlinked.length === 1 ? "is" : "are"} not connected yet. You can still
            plan now and connect before you deploy.
          </p>
        )}
      </fieldset>
      <div className="row">
        <TagInput
          label="Countries"
          values={form.locations}
          normalize={(v) => v.toUpperCase()}
          onChange={(v) => set("locations", v)}
          error={errors["/locations"]}
          hint="Two-letter codes: DE, AT, US… Press Enter after each."
          placeholder="DE"
          required
        />
        <TagInput
          label="Languages"
          values={form.languages}
          normalize={(v) => v.toLowerCase()}
          onChange={(v) => set("languages", v)}
          error={errors["/languages"]}
          hint="Two-letter codes: de, en, fr…"
          placeholder="en"
          required
        />
      </div>
      <TextField
        label="Landing page"
        type="url"
        inputMode="url"
        placeholder="https://example.com/product"
        value={form.landing_page_url}
        error={errors["/landing_page_url"]}
        onChange={(e) => set("landing_page_url", e.target.value)}
        required
      />
      <InlineError error={failure} />
      <Button type="submit" variant="primary" busy={busy}>
        Generate strategy
      </Button>
    </form>
  );
}
