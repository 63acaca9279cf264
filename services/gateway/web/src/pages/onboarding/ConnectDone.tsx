// Where the browser lands after a platform's consent screen (the gateway redirects its OAuth callback
// here for browsers): say what happened, then return to where the marketer started.
import { useEffect } from "react";
import { PLATFORM_NAMES } from "../../lib/format";
import { invalidate } from "../../lib/store";
import { Link, navigate, useSearchParams } from "../../lib/router";
import type { Platform } from "../../lib/types";
import { Card, Spinner } from "../../ui/ui";
import { clearPendingOAuth, pendingOAuth } from "./Connections";

export default function ConnectDone() {
  const params = useSearchParams();
  const pending = pendingOAuth();
  const platform = (params.get("platform") ?? pending?.platform ?? "") as Platform;
  const error = params.get("error");
  const status = params.get("status");
  const returnTo = pending?.returnTo && pending.returnTo.startsWith("/") ? pending.returnTo : "/settings/connections";
  const name = PLATFORM_NAMES[platform] ?? "The platform";

  useEffect(() => {
    invalidate("connections");
    if (error || status === "failed") return;
    const timer = setTimeout(() => {
      clearPendingOAuth();
      navigate(returnTo, { replace: true });
    }, 400);
    return () => clearTimeout(timer);
  }, [error, status, returnTo]);

  return (
    <div className="auth">
      <Card>
        {error || status === "failed" ? (
          <>
            <h1>{name} was not connected</h1>
            <p role="alert">{error ?? "Consent was not given."} Start the connection again and approve access on the platform’s page.</p>
            <Link to={returnTo} onClick={clearPendingOAuth} className="btn btn-primary">
              Back
            </Link>
          </>
        ) : (
          <>
            <h1>Connecting {name}</h1>
            <p>
              <Spinner label="Connecting" /> Consent received. Fetching your ad accounts…
            </p>
            <Link to={returnTo} onClick={clearPendingOAuth}>
              Continue
            </Link>
          </>
        )}
      </Card>
    </div>
  );
}
