import { type FormEvent, useState } from "react";
import { ApiError, describeError } from "../../lib/api";
import { signIn } from "../../lib/auth";
import { Link, navigate, useSearchParams } from "../../lib/router";
import { Button, TextField } from "../../ui/ui";
import { validateLogin, type Errors } from "../../lib/validation";

export default function Login() {
  const params = useSearchParams();
  const [form, setForm] = useState({ email: "", password: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get("next");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validateLogin(form);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      await signIn(form);
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        setFailure("That email and password do not match. Check them, or create an account.");
      else if (error instanceof ApiError && error.status === 422) setErrors(error.fieldErrors());
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
        <h1>Sign in</h1>
        {params.get("expired") && <p className="notice">Your session ended. Sign in again to pick up where you left off.</p>}
        <form onSubmit={submit} noValidate>
          <TextField
            label="Email"
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
            autoComplete="current-password"
            value={form.password}
            error={errors["/password"]}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
            required
          />
          {failure && (
            <p className="inline-error" role="alert">
              {failure}
            </p>
          )}
          <Button type="submit" variant="primary" busy={busy} className="full">
            Sign in
          </Button>
        </form>
      </div>
      <p className="muted" style={{ textAlign: "center", marginTop: "1rem" }}>
        New to ZAMC? <Link to={`/signup${next ? `?next=${encodeURIComponent(next)}` : ""}`}>Create an account</Link>
      </p>
    </div>
  );
}
