import { type FormEvent, useState } from "react";
import { ApiError, post } from "../../lib/api";
import { invalidate } from "../../lib/store";
import type { Project } from "../../lib/types";
import { type BusinessForm, type Errors, LIMITS, projectBody, validateProject } from "../../lib/validation";
import { Button, InlineError, TextArea, TextField } from "../../ui/ui";

export const EMPTY_BUSINESS: BusinessForm = { name: "", website: "", industry: "", description: "", brand_voice: "" };

/** Business details → POST /projects. Used by onboarding step 1 and the projects page. */
export function ProjectForm({
  onCreated,
  submitLabel = "Create project",
  onCancel,
}: {
  onCreated: (project: Project) => void;
  submitLabel?: string;
  onCancel?: () => void;
}) {
  const [name, setName] = useState("");
  const [business, setBusiness] = useState<BusinessForm>(EMPTY_BUSINESS);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof BusinessForm) => (e: { target: { value: string } }) => setBusiness({ ...business, [key]: e.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const form = { name: name || business.name, business };
    const found = validateProject(form);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const project = await post<Project>("/projects", projectBody(form));
      invalidate("projects/");
      onCreated(project);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.errors.length) setErrors(error.fieldErrors());
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <TextField
        label="Business name"
        value={business.name}
        error={errors["/business/name"]}
        onChange={set("name")}
        required
        autoComplete="organization"
      />
      <TextField
        label="Project name"
        value={name}
        placeholder={business.name ? business.name : "e.g. Spring launch"}
        hint="Leave empty to use the business name."
        error={errors["/name"]}
        onChange={(e) => setName(e.target.value)}
      />
      <div className="row">
        <TextField
          label="Website"
          type="url"
          inputMode="url"
          placeholder="https://example.com"
          value={business.website}
          error={errors["/business/website"]}
          onChange={set("website")}
        />
        <TextField
          label="Industry"
          placeholder="e.g. Sporting goods"
          value={business.industry}
          error={errors["/business/industry"]}
          onChange={set("industry")}
        />
      </div>
      <TextArea
        label="What does the business sell?"
        rows={3}
        value={business.description}
        error={errors["/business/description"]}
        hint={`Up to ${LIMITS.longText} characters. The AI uses it to write your ads.`}
        onChange={set("description")}
      />
      <TextField
        label="Brand voice"
        placeholder="e.g. Energetic, direct, no jargon"
        value={business.brand_voice}
        error={errors["/business/brand_voice"]}
        onChange={set("brand_voice")}
      />
      <InlineError error={failure} />
      <div className="row">
        <Button type="submit" variant="primary" busy={busy}>
          {submitLabel}
        </Button>
        {onCancel && <Button onClick={onCancel}>Cancel</Button>}
      </div>
    </form>
  );
}
