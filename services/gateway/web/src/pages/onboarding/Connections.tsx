// Platform connections: connect (OAuth round trip through the platform's consent screen),
// re-authorise, remove, and pick the ad account to deploy to.
import { useState } from "react";
import { del, describeError, post } from "../../lib/api";
import { PLATFORM_NAMES } from "../../lib/format";
import { getChosenAccounts, setChosenAccount } from "../../lib/prefs";
import { useConnections } from "../../lib/queries";
import { useSession } from "../../lib/session";
import { invalidate } from "../../lib/store";
import type { Connection, ConnectionCreated, Platform } from "../../lib/types";
import { PLATFORMS } from "../../lib/types";
import { Button, ErrorState, Loading, StatusBadge, toast } from "../../ui/ui";

const OAUTH_KEY = "zamc.oauth";

/** Start linking: the browser goes to the platform's consent screen and comes back to /connect/done. */
export async function startConnection(platform: Platform, returnTo: string): Promise<void> {
  const created = await post<ConnectionCreated>("/platform-connections", { platform });
  sessionStorage.setItem(OAUTH_KEY, JSON.stringify({ platform, id: created.id, returnTo }));
  location.assign(created.authorization_url);
}

export function pendingOAuth(): { platform: Platform; id: string; returnTo: string } | null {
  try {
    return JSON.parse(sessionStorage.getItem(OAUTH_KEY) ?? "null");
  } catch {
    return null;
  }
}

export function clearPendingOAuth(): void {
  sessionStorage.removeItem(OAUTH_KEY);
}

/** The newest connection per platform (older ones stay listed in settings). */
export function latestByPlatform(connections: Connection[]): Partial<Record<Platform, Connection>> {
  const out: Partial<Record<Platform, Connection>> = {};
  for (const c of connections) {
    const seen = out[c.platform];
    if (!seen || (seen.status !== "linked" && c.status === "linked") || (seen.status === c.status && c.created_at > seen.created_at))
      out[c.platform] = c;
  }
  return out;
}

const STATUS_HELP: Record<string, string> = {
  pending: "Waiting for you to finish on the platform's consent screen.",
  linking: "Consent received. Fetching your ad accounts…",
  linked: "Connected.",
  failed: "The connection failed.",
  reauthorization_required: "The platform no longer accepts ZAMC's access. Re-authorise to keep your campaigns managed.",
};

function AccountPicker({ connection, orgId }: { connection: Connection; orgId: string | null }) {
  const [chosen, setChosen] = useState(() => getChosenAccounts(orgId)[connection.platform] ?? connection.accounts[0]?.external_id ?? "");
  if (!connection.accounts.length)
    return <p className="muted small">No ad accounts were found for this login. Create one on the platform, then re-authorise.</p>;
  const id = `account-${connection.id}`;
  return (
    <div className="field" style={{ marginBottom: 0, flexBasis: "100%" }}>
      <label htmlFor={id}>Ad account to use</label>
      <select
        id={id}
        value={chosen}
        onChange={(e) => {
          setChosen(e.target.value);
          setChosenAccount(orgId, connection.platform, e.target.value);
        }}
      >
        {connection.accounts.map((a) => (
          <option key={a.external_id} value={a.external_id}>
            {a.name} ({a.external_id}) · {a.currency} · {a.time_zone}
          </option>
        ))}
      </select>
    </div>
  );
}

export function PlatformConnections({
  returnTo,
  canManage = true,
  showAll = false,
}: {
  returnTo: string;
  canManage?: boolean;
  showAll?: boolean;
}) {
  const session = useSession();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // poll while something is in flight; the live stream also refreshes it on connection.changed
  const connections = useConnections(2000);
  if (connections.data === undefined) {
    if (connections.error)
      return (
        <ErrorState
          error={connections.error}
          retry={() => void connections.refetch()}
          title="Your platform connections could not be loaded"
        />
      );
    return <Loading what="Loading platform connections" />;
  }
  const latest = latestByPlatform(connections.data);

  const connect = async (platform: Platform) => {
    setBusy(platform);
    setError(null);
    try {
      await startConnection(platform, returnTo);
    } catch (e) {
      setError(e);
      setBusy(null);
    }
  };

  const remove = async (connection: Connection) => {
    if (
      !confirm(
        `Disconnect ${PLATFORM_NAMES[connection.platform]}? Campaigns already running keep running, but ZAMC can no longer change or measure them.`,
      )
    )
      return;
    setBusy(connection.id);
    try {
      await del(`/platform-connections/${connection.id}`);
      invalidate("connections");
      toast(`${PLATFORM_NAMES[connection.platform]} disconnected`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const rows = showAll ? connections.data : (PLATFORMS.map((p) => latest[p]).filter(Boolean) as Connection[]);
  const missing = PLATFORMS.filter((p) => !latest[p] || (!showAll && latest[p]?.status === "failed"));

  return (
    <div>
      {error !== null && (
        <p className="inline-error" role="alert">
          {describeError(error)}
        </p>
      )}
      {rows.map((c) => (
        <div className="platform-card" key={c.id} data-testid={`connection-${c.platform}`}>
          <div>
            <span className="platform-name">
              <span className={c.platform === "google_ads" ? "dot-google" : "dot-meta"} aria-hidden="true" />
              {PLATFORM_NAMES[c.platform]}
            </span>{" "}
            <StatusBadge status={c.status} />
            <p className="muted small" style={{ margin: "0.25rem 0 0" }}>
              {STATUS_HELP[c.status]}
              {c.reason ? ` ${c.reason}.` : ""}
              {c.status === "linked" && ` ${c.accounts.length} ad account${c.accounts.length === 1 ? "" : "s"}.`}
            </p>
          </div>
          {canManage && (
            <div className="row">
              {(c.status === "reauthorization_required" || c.status === "failed" || (c.status === "pending" && showAll)) && (
                <Button variant="primary" small busy={busy === c.platform} onClick={() => connect(c.platform)}>
                  {c.status === "reauthorization_required" ? "Re-authorise" : "Try again"}
                </Button>
              )}
              {c.status === "linked" && (
                <Button small busy={busy === c.platform} onClick={() => connect(c.platform)}>
                  Re-authorise
                </Button>
              )}
              {showAll && (
                <Button small variant="danger" busy={busy === c.id} onClick={() => remove(c)}>
                  Disconnect
                </Button>
              )}
            </div>
          )}
          {c.status === "linked" && <AccountPicker connection={c} orgId={session?.organizationId ?? null} />}
        </div>
      ))}
      {missing.map((platform) => (
        <div className="platform-card" key={`new-${platform}`}>
          <div>
            <span className="platform-name">
              <span className={platform === "google_ads" ? "dot-google" : "dot-meta"} aria-hidden="true" />
              {PLATFORM_NAMES[platform]}
            </span>
            <p className="muted small" style={{ margin: "0.25rem 0 0" }}>
              {platform === "google_ads" ? "Search ads on Google." : "Ads on Facebook and Instagram."} You sign in on{" "}
              {PLATFORM_NAMES[platform]} and come back here.
            </p>
          </div>
          {canManage ? (
            <Button variant="primary" busy={busy === platform} onClick={() => connect(platform)}>
              Connect {PLATFORM_NAMES[platform]}
            </Button>
          ) : (
            <p className="muted small">Ask an owner or admin to connect it.</p>
          )}
        </div>
      ))}
    </div>
  );
}
