// Deploy an approved strategy: choose platforms and ad accounts, then watch each platform's progress,
// its campaign IDs or its error in plain words, and the rollback when a platform fails.
import { useState } from "react";
import { describeError, post } from "../../lib/api";
import { PLATFORM_NAMES, dateTime } from "../../lib/format";
import { getChosenAccounts } from "../../lib/prefs";
import { useConnections, useDeployment } from "../../lib/queries";
import { Link } from "../../lib/router";
import { useSession } from "../../lib/session";
import { invalidate } from "../../lib/store";
import type { Deployment, DeploymentTarget, Platform, Strategy } from "../../lib/types";
import { Button, Checkbox, Dialog, InlineError, Loading, ProgressBar, SelectField, StatusBadge } from "../../ui/ui";

const RUNNING = new Set(["pending", "running"]);

/** A platform error as a marketer reads it: what happened and what to do. */
export function plainError(error: NonNullable<DeploymentTarget["error"]>, platform: string): string {
  const name = PLATFORM_NAMES[platform as Platform] ?? platform;
  const code = `${error.code}`.toUpperCase();
  let advice = "Fix the strategy where it says, approve the new version and deploy again.";
  if (/AUTH|TOKEN|PERMISSION|190|463|OAUTH/.test(code))
    advice = `Re-authorise ${name} in Settings → Platform connections, then deploy again.`;
  else if (error.retryable || /RATE|QUOTA|TIMEOUT|TIMED_OUT|UNAVAILABLE|INTERNAL|17|613|80004/.test(code))
    advice = `${name} is busy or briefly unavailable: deploy again in a few minutes.`;
  else if (/BUDGET/.test(code)) advice = "Raise the budget in the strategy's Budget tab, approve and deploy again.";
  const where = error.field ? ` (field: ${error.field})` : "";
  return `${name} refused it: ${error.message}${where}. ${advice}`;
}

const TARGET_WORDS: Record<string, string> = {
  pending: "Waiting to start",
  running: "Creating campaigns…",
  succeeded: "Live",
  failed: "Failed",
  timed_out: "No answer in time",
  rolled_back: "Rolled back (removed again)",
};

function progressOf(d: Deployment): number {
  if (!RUNNING.has(d.status)) return 100;
  const done = d.targets.filter((t) => !RUNNING.has(t.status)).length;
  return Math.max(10, Math.round((100 * done) / Math.max(1, d.targets.length)));
}

export function DeploymentProgress({ deployment }: { deployment: Deployment }) {
  const running = RUNNING.has(deployment.status);
  return (
    <div aria-live="polite" data-testid="deployment-progress">
      <p>
        <strong>Deployment:</strong> <StatusBadge status={deployment.status} />{" "}
        <span className="muted small">started {dateTime(deployment.created_at)}</span>
      </p>
      {running && <ProgressBar value={progressOf(deployment)} label="Deployment progress" />}
      {deployment.status === "rolled_back" && (
        <p className="notice notice-warn">
          Nothing was left half-done: a platform failed, so ZAMC removed what it had created on the others (
          {deployment.policy === "all_or_nothing" ? "all or nothing" : "best effort"}).
        </p>
      )}
      {deployment.status === "partially_failed" && (
        <p className="notice notice-warn">Some platforms are live, others failed (best effort). See each platform below.</p>
      )}
      {deployment.status === "succeeded" && (
        <p className="notice notice-good">Your campaigns are live. Results appear on the dashboard within the hour.</p>
      )}
      {deployment.targets.map((t) => (
        <div className="target" key={`${t.platform}-${t.account_external_id}`} data-testid={`target-${t.platform}`}>
          <p style={{ marginBottom: "0.25rem" }}>
            <span className={t.platform === "google_ads" ? "dot-google" : "dot-meta"} aria-hidden="true" />
            <strong>{PLATFORM_NAMES[t.platform]}</strong> <span className="muted small">account {t.account_external_id}</span>{" "}
            <StatusBadge status={t.status} />
          </p>
          <p className="small" style={{ margin: 0 }}>
            {TARGET_WORDS[t.status] ?? t.status}
          </p>
          {t.platform_campaign_ids.length > 0 && (
            <p className="small" style={{ margin: "0.25rem 0 0" }}>
              {t.status === "rolled_back" ? "Removed campaign IDs: " : "Campaign IDs: "}
              <span className="mono">{t.platform_campaign_ids.join(", ")}</span>
            </p>
          )}
          {t.error && (
            <p className="inline-error small" style={{ marginTop: "0.4rem" }}>
              {plainError(t.error, t.platform)}
            </p>
          )}
        </div>
      ))}
    </div>
  );
}

export function DeployDialog({ strategy, onClose, watchId }: { strategy: Strategy; onClose: () => void; watchId?: string | null }) {
  const session = useSession();
  const connections = useConnections();
  const planned: Platform[] = [
    ...(strategy.strategy.google_ads ? (["google_ads"] as const) : []),
    ...(strategy.strategy.meta ? (["meta"] as const) : []),
  ];
  const chosen = getChosenAccounts(session?.organizationId ?? null);
  const linked = (connections.data ?? []).filter((c) => c.status === "linked");
  const accountsOf = (p: Platform) => linked.filter((c) => c.platform === p).flatMap((c) => c.accounts);
  const [selected, setSelected] = useState<Record<string, boolean>>(() => Object.fromEntries(planned.map((p) => [p, true])));
  const [accounts, setAccounts] = useState<Record<string, string>>({});
  const [policy, setPolicy] = useState<"all_or_nothing" | "best_effort">("all_or_nothing");
  const [deploymentId, setDeploymentId] = useState<string | null>(watchId ?? null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const deployment = useDeployment(deploymentId, deploymentId ? 1500 : undefined);

  const accountFor = (p: Platform) =>
    accounts[p] ?? (accountsOf(p).some((a) => a.external_id === chosen[p]) ? chosen[p] : (accountsOf(p)[0]?.external_id ?? ""));
  const targets = planned.filter((p) => selected[p] && accountFor(p)).map((p) => ({ platform: p, account_external_id: accountFor(p) }));
  const missing = planned.filter((p) => selected[p] && !accountFor(p));

  const deploy = async () => {
    setBusy(true);
    setError(null);
    try {
      const accepted = await post<{ id: string }>(`/strategies/${strategy.id}/deployments`, { targets, policy });
      setDeploymentId(accepted.id);
      invalidate(`deployments/${strategy.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const finished = deployment.data && !RUNNING.has(deployment.data.status);
  return (
    <Dialog
      title={deploymentId ? "Deploying your strategy" : `Deploy version ${strategy.approved_version}`}
      onClose={onClose}
      wide
      footer={
        deploymentId ? (
          <>
            {finished && deployment.data?.status !== "succeeded" && (
              <Button onClick={() => setDeploymentId(null)} variant="secondary">
                Deploy again
              </Button>
            )}
            {finished && deployment.data?.status !== "rolled_back" && deployment.data?.status !== "failed" && (
              <Link className="btn btn-secondary" to={`/projects/${strategy.project_id}/campaigns`}>
                See campaigns
              </Link>
            )}
            <Button variant="primary" onClick={onClose}>
              {finished ? "Done" : "Close (keeps running)"}
            </Button>
          </>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" busy={busy} disabled={!targets.length || missing.length > 0} onClick={deploy}>
              Deploy to {targets.length} platform{targets.length === 1 ? "" : "s"}
            </Button>
          </>
        )
      }
    >
      {deploymentId ? (
        deployment.data ? (
          <DeploymentProgress deployment={deployment.data} />
        ) : deployment.error ? (
          <InlineError error={deployment.error} />
        ) : (
          <Loading what="Starting the deployment" />
        )
      ) : connections.data === undefined ? (
        connections.error ? (
          <InlineError error={connections.error} />
        ) : (
          <Loading what="Loading your ad accounts" />
        )
      ) : (
        <>
          <p>ZAMC creates the approved campaigns in your ad accounts. They start as planned on {strategy.strategy.start_date}.</p>
          {planned.map((p) => {
            const options = accountsOf(p);
            return (
              <div className="target" key={p}>
                <Checkbox
                  label={<strong>{PLATFORM_NAMES[p]}</strong>}
                  checked={Boolean(selected[p])}
                  onChange={(e) => setSelected({ ...selected, [p]: e.target.checked })}
                />
                {options.length ? (
                  <SelectField
                    label={`${PLATFORM_NAMES[p]} ad account`}
                    value={accountFor(p)}
                    disabled={!selected[p]}
                    onChange={(e) => setAccounts({ ...accounts, [p]: e.target.value })}
                  >
                    {options.map((a) => (
                      <option key={a.external_id} value={a.external_id}>
                        {a.name} ({a.external_id}, {a.currency})
                      </option>
                    ))}
                  </SelectField>
                ) : (
                  <p className="notice notice-warn small">
                    {PLATFORM_NAMES[p]} is not connected. <Link to="/settings/connections">Connect it in Settings</Link>, or untick it to
                    deploy to the others.
                  </p>
                )}
              </div>
            );
          })}
          <fieldset>
            <legend>If one platform fails</legend>
            <label className="checkbox">
              <input type="radio" name="policy" checked={policy === "all_or_nothing"} onChange={() => setPolicy("all_or_nothing")} />
              <span>Roll back everything (all or nothing)</span>
            </label>
            <label className="checkbox">
              <input type="radio" name="policy" checked={policy === "best_effort"} onChange={() => setPolicy("best_effort")} />
              <span>Keep the platforms that worked (best effort)</span>
            </label>
          </fieldset>
          {error !== null && (
            <p className="inline-error" role="alert">
              {describeError(error)}
            </p>
          )}
        </>
      )}
    </Dialog>
  );
}
