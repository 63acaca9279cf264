import { type FormEvent, useState } from "react";
import { ApiError, describeError } from "../../lib/api";
import { signUp } from "../../lib/auth";
import { Link, navigate } from "../../lib/router";
import { type Errors, LIMITS, validateSignup } from "../../lib/validation";
import { Button, TextField } from "../../ui/ui";

export default function Signup() {
  const [form, setForm] = useState({ email: "", password: "", organization_name: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validateSignup(form);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      await signUp(form);
      navigate("/onboarding", { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409)
        setErrors({ "/email": "An account with this email exists already. Sign in instead." });
      else if (error instanceof ApiError && error.status === 422 && error.errors.length) setErrors(error.fieldErrors());
      else setFailure(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth">
      <div className="brand">
        <img src="/icon.svg" alt="" width="36" height="36" />
        <span>ZAMC</span>
      </div>
      <div className="card">
        <h1>Create your account</h1>
        <p className="muted">One brief in, campaigns on Google Ads and Meta out.</p>
        <form onSubmit={submit} noValidate>
          <TextField
            label="Work email"
            type="email"
            autoComplete="email"
            value={form.email}
            error={errors["/email"]}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
            required
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="new-password"
            value={form.password}
            error={errors["/password"]}
            hint={`At least ${LIMITS.passwordMin} characters. A short sentence works well.`}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
            required
          />
          <TextField
            label="Company or team name"
            autoComplete="organization"
            value={form.organization_name}
            error={errors["/organization_name"]}
            onChange={(e) => setForm({ ...form, organization_name: e.target.value })}
            required
          />
          {failure && (
            <p className="inline-error" role="alert">
              {failure}
            </p>
          )}
          <Button type="submit" variant="primary" busy={busy}>
            Create account
          </Button>
        </form>
      </div>
      <p className="muted" style={{ textAlign: "center", marginTop: "1rem" }}>
        Have an account? <Link to="/login">Sign in</Link>
      </p>
    </div>
  );
}
