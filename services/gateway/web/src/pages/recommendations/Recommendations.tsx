// Recommendations with their evidence and expected impact; apply or dismiss; the autopilot switch
// with its guardrails; an audit list of what was decided and changed.
import { useState } from "react";
import { describeError, post } from "../../lib/api";
import { PLATFORM_NAMES, dateTime, humanize, money, percent } from "../../lib/format";
import { useAutopilot, useCampaigns, useRecommendations } from "../../lib/queries";
import { invalidate, setQueryData } from "../../lib/store";
import type { Autopilot, Campaign, Recommendation } from "../../lib/types";
import { Badge, Button, Card, Empty, PageHeader, Resource, StatusBadge, Switch, toast } from "../../ui/ui";

const DEFAULT_GUARDRAILS = {
  max_change_fraction: 0.2,
  cooldown_hours: 24,
  allow_provisional: false,
};

// decisions shown in the audit: what a member or the autopilot decided, and applies the optimiser refused
const DECIDED = ["applied", "dismissed", "refused"];

function guardrailsOf(recommendations: Recommendation[] | undefined, autopilot: Autopilot | undefined) {
  const fromEvidence = recommendations?.map((r) => r.evidence?.guardrails).find((g) => g && typeof g === "object") as
    Record<string, unknown> | undefined;
  return { ...DEFAULT_GUARDRAILS, ...(autopilot?.guardrails ?? {}), ...(fromEvidence ?? {}) } as Record<string, unknown>;
}

function GuardrailList({ guardrails }: { guardrails: Record<string, unknown> }) {
  const fraction = Number(guardrails.max_change_fraction ?? 0.2);
  const cooldown = Number(guardrails.cooldown_hours ?? 24);
  return (
    <ul className="small" style={{ margin: "0.5rem 0 0" }}>
      <li>Changes a campaign’s daily budget by at most {percent(fraction, 0)} per step.</li>
      <li>Waits {cooldown} hours before changing the same campaign again.</li>
      <li>
        {guardrails.allow_provisional
          ? "May act on provisional (not yet settled) data."
          : "Acts only on settled data, never on figures the platforms may still restate."}
      </li>
      <li>Never raises the project’s daily budget and never goes below a platform’s minimum budget.</li>
      <li>Never pauses the last delivering ad of an ad group or ad set.</li>
    </ul>
  );
}

function Evidence({ evidence, currency }: { evidence: Record<string, unknown>; currency: string }) {
  const campaigns = Array.isArray(evidence.campaigns) ? (evidence.campaigns as Record<string, unknown>[]) : [];
  const rest = Object.entries(evidence).filter(([k]) => !["campaigns", "guardrails", "draws", "held"].includes(k));
  return (
    <details className="evidence">
      <summary>Evidence</summary>
      {campaigns.length > 0 && (
        <div className="table-wrap" style={{ marginTop: "0.5rem" }}>
          <table>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col" className="num">
                  Budget now
                </th>
                <th scope="col" className="num">
                  Proposed
                </th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c, i) => (
                <tr key={i}>
                  <td>
                    {PLATFORM_NAMES[c.platform as "meta"] ?? String(c.platform ?? "")} {String(c.campaign_id ?? "")}
                  </td>
                  <td className="num">{money(Number(c.daily_budget_micros ?? NaN) || null, String(c.currency ?? currency))}</td>
                  <td className="num">
                    {money(Number(c.proposed_budget_micros ?? c.new_budget_micros ?? NaN) || null, String(c.currency ?? currency))}
                  </td>
                  <td className="small">
                    {Object.entries(c)
                      .filter(
                        ([k, v]) =>
                          ![
                            "platform",
                            "campaign_id",
                            "account_external_id",
                            "currency",
                            "daily_budget_micros",
                            "proposed_budget_micros",
                            "new_budget_micros",
                          ].includes(k) && typeof v !== "object",
                      )
                      .slice(0, 4)
                      .map(([k, v]) => `${humanize(k)}: ${typeof v === "number" ? Math.round(v * 1000) / 1000 : String(v)}`)
                      .join(" · ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rest.length > 0 && (
        <dl className="facts" style={{ marginTop: "0.5rem" }}>
          {rest.map(([k, v]) => (
            <div key={k} style={{ display: "contents" }}>
              <dt>{humanize(k)}</dt>
              <dd>{typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {!campaigns.length && !rest.length && <p className="muted small">No further evidence was recorded.</p>}
    </details>
  );
}

function describeAction(action: Recommendation["actions"][number], campaigns: Campaign[]): string {
  const campaign = campaigns.find((c) => c.platform === action.platform && c.platform_campaign_id === action.platform_object_id);
  const name = campaign?.name ?? `${action.object_kind} ${action.platform_object_id}`;
  const where = PLATFORM_NAMES[action.platform];
  if (action.daily_budget_micros) {
    const before = campaign?.daily_budget_micros;
    return `${where}: set the daily budget of ${name} to ${money(action.daily_budget_micros, campaign?.currency ?? "EUR")}${before ? ` (now ${money(before, campaign!.currency)})` : ""}`;
  }
  if (action.status) return `${where}: ${action.status === "PAUSED" ? "pause" : "resume"} ${name}`;
  if (action.target_roas) return `${where}: set the target ROAS of ${name} to ${action.target_roas.toFixed(2)}`;
  if (action.target_cpa_micros)
    return `${where}: set the target CPA of ${name} to ${money(action.target_cpa_micros, campaign?.currency ?? "EUR")}`;
  return `${where}: change ${name}`;
}

function RecommendationCard({ rec, campaigns, currency }: { rec: Recommendation; campaigns: Campaign[]; currency: string }) {
  const [busy, setBusy] = useState<"apply" | "dismiss" | null>(null);
  const decide = async (decision: "apply" | "dismiss") => {
    setBusy(decision);
    try {
      await post(`/recommendations/${rec.id}/${decision}`);
      invalidate("recommendations/");
      toast(decision === "apply" ? "Applying: the platforms confirm within a minute" : "Dismissed", decision === "apply" ? "info" : "good");
    } catch (e) {
      toast(describeError(e), "bad");
    } finally {
      setBusy(null);
    }
  };
  const impact = rec.expected_impact;
  return (
    <Card className="rec" title={rec.title} actions={<Badge tone="info">{humanize(rec.kind)}</Badge>}>
      <p className="small muted">
        Confidence {percent(rec.confidence, 0)} · {dateTime(rec.created_at)}
        {rec.autopilot && " · proposed by autopilot"}
      </p>
      {impact && (
        <p>
          <strong>Expected impact:</strong> {impact.delta >= 0 ? "+" : ""}
          {impact.metric.includes("micros") ? money(impact.delta, currency) : Math.round(impact.delta * 100) / 100}{" "}
          {humanize(impact.metric.replace("_micros", ""))} (likely between{" "}
          {impact.metric.includes("micros") ? money(impact.low, currency) : Math.round(impact.low * 100) / 100} and{" "}
          {impact.metric.includes("micros") ? money(impact.high, currency) : Math.round(impact.high * 100) / 100})
        </p>
      )}
      {rec.actions.length > 0 && (
        <>
          <h3 className="small">What it changes</h3>
          <ul>
            {rec.actions.map((a, i) => (
              <li key={i}>{describeAction(a, campaigns)}</li>
            ))}
          </ul>
        </>
      )}
      <Evidence evidence={rec.evidence ?? {}} currency={currency} />
      {rec.status === "open" ? (
        <div className="row">
          {rec.actions.length > 0 ? (
            <Button variant="primary" busy={busy === "apply"} disabled={busy !== null} onClick={() => decide("apply")}>
              Apply
            </Button>
          ) : (
            <span className="small muted">Advice only: ZAMC cannot make this change for you; make it on the platform.</span>
          )}
          <Button busy={busy === "dismiss"} disabled={busy !== null} onClick={() => decide("dismiss")}>
            Dismiss
          </Button>
        </div>
      ) : (
        <p>
          <StatusBadge status={rec.status} />
        </p>
      )}
    </Card>
  );
}

function AutopilotCard({ projectId, guardrails }: { projectId: string; guardrails: Record<string, unknown> }) {
  const autopilot = useAutopilot(projectId);
  const [busy, setBusy] = useState(false);
  const toggle = async (enabled: boolean) => {
    setBusy(true);
    try {
      const answer = await post<Autopilot>(`/projects/${projectId}/autopilot`, { enabled });
      setQueryData<Autopilot>(`autopilot/${projectId}`, () => answer);
      toast(
        enabled
          ? "Autopilot is on: ZAMC applies its recommendations within the guardrails"
          : "Autopilot is off: you decide each recommendation",
      );
    } catch (e) {
      toast(describeError(e), "bad");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Autopilot">
      {autopilot.data ? (
        <>
          <Switch
            checked={autopilot.data.enabled}
            onChange={toggle}
            busy={busy}
            label={autopilot.data.enabled ? "Autopilot on" : "Autopilot off"}
          />
          <p className="small muted" style={{ marginTop: "0.25rem" }}>
            When on, ZAMC applies recommendations by itself, always inside these guardrails:
          </p>
        </>
      ) : autopilot.error ? (
        <p className="inline-error">{describeError(autopilot.error)}</p>
      ) : (
        <p className="muted">Loading…</p>
      )}
      <GuardrailList guardrails={guardrails} />
    </Card>
  );
}

export default function Recommendations({ params }: { params: Record<string, string> }) {
  const { projectId } = params;
  const recommendations = useRecommendations(projectId);
  const campaigns = useCampaigns(projectId);
  const autopilot = useAutopilot(projectId);
  const currency = campaigns.data?.[0]?.currency ?? "EUR";
  const guardrails = guardrailsOf(recommendations.data, autopilot.data);
  return (
    <>
      <PageHeader title="Recommendations" subtitle="What ZAMC’s optimiser suggests from your results, with the evidence behind it." />
      <div className="grid grid-2" style={{ alignItems: "start" }}>
        <div className="stack">
          <Resource
            query={recommendations}
            what="Recommendations"
            empty={(list) =>
              !list.some((r) => r.status === "open" || r.status === "apply_requested") && (
                <Empty title="Nothing to decide right now">
                  The optimiser looks at your results every hour. Once there is enough settled data, its suggestions appear here.
                </Empty>
              )
            }
          >
            {(list) => (
              <>
                {list
                  .filter((r) => r.status === "open" || r.status === "apply_requested")
                  .map((r) => (
                    <RecommendationCard key={r.id} rec={r} campaigns={campaigns.data ?? []} currency={currency} />
                  ))}
              </>
            )}
          </Resource>
        </div>
        <div className="stack">
          <AutopilotCard projectId={projectId} guardrails={guardrails} />
          <Card title="Audit: what changed">
            {recommendations.data && recommendations.data.some((r) => DECIDED.includes(r.status)) ? (
              <ol className="diff-list" aria-label="Decisions, newest first">
                {recommendations.data
                  .filter((r) => DECIDED.includes(r.status))
                  .sort((a, b) => (b.decided_at ?? b.updated_at).localeCompare(a.decided_at ?? a.updated_at))
                  .map((r) => (
                    <li key={r.id}>
                      <StatusBadge status={r.status} /> <strong>{r.title}</strong>
                      <div className="small muted">
                        {dateTime(r.decided_at ?? r.updated_at)}
                        {r.status === "applied" && (r.applied_by === "autopilot" ? " · by autopilot" : " · by a team member")}
                        {r.change_ids?.length ? ` · ${r.change_ids.length} platform change${r.change_ids.length === 1 ? "" : "s"}` : ""}
                      </div>
                      {r.status === "refused" && r.reason && <div className="small">Why: {r.reason}</div>}
                    </li>
                  ))}
              </ol>
            ) : (
              <p className="muted">No recommendation has been applied, dismissed or refused yet.</p>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
