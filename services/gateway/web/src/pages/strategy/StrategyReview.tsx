// Strategy review: per platform campaigns → ad groups / ad sets → ads, editable at the platforms'
// limits (live counters; an over-limit edit cannot be saved), budget split, generator, versions, approve, deploy.
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, describeError, patch, post } from "../../lib/api";
import { PLATFORM_NAMES, dateTime, money } from "../../lib/format";
import { checkStrategy } from "../../lib/limits";
import { useDeployments, useStrategy } from "../../lib/queries";
import { setLastProject } from "../../lib/prefs";
import { Link } from "../../lib/router";
import { invalidate, setQueryData } from "../../lib/store";
import type { CampaignStrategy, Strategy } from "../../lib/types";
import { Badge, Button, Card, PageHeader, Resource, StatusBadge, TabPanel, Tabs, toast } from "../../ui/ui";
import { BudgetSplit } from "./BudgetSplit";
import { StrategyEdit } from "./common";
import { DeployDialog } from "./DeployDialog";
import { GoogleEditor } from "./GoogleEditor";
import { MetaEditor } from "./MetaEditor";
import { VersionHistory } from "./VersionHistory";

type Tab = "overview" | "google" | "meta" | "budget" | "versions" | "deployments";

const FIXED = ["strategy_id", "brief_id", "project_id", "version", "generator", "model"] as const;

/** The PATCH body: the whole edited document minus what an edit may not change (lists replace whole). */
export function editPatch(draft: CampaignStrategy): Record<string, unknown> {
  const body: Record<string, unknown> = { ...draft };
  for (const key of FIXED) delete body[key];
  return body;
}

function Generator({ strategy }: { strategy: Strategy }) {
  return strategy.generator === "llm" ? (
    <Badge tone="info" title="Which generator produced this strategy">
      Drafted by AI{strategy.model ? ` · ${strategy.model}` : ""}
    </Badge>
  ) : (
    <Badge tone="neutral" title="The AI was unavailable or its drafts broke platform limits, so ZAMC's rules drafted it">
      Drafted by ZAMC rules
    </Badge>
  );
}

function Overview({ draft }: { draft: CampaignStrategy }) {
  return (
    <div className="grid grid-2">
      <Card title="Objective">
        <p>{draft.objective}</p>
        {draft.kpis.length > 0 && (
          <>
            <h3>KPIs</h3>
            <ul>
              {draft.kpis.map((k) => (
                <li key={k}>{k}</li>
              ))}
            </ul>
          </>
        )}
        <dl className="facts">
          <dt>Daily budget</dt>
          <dd>{money(draft.daily_budget_micros, draft.currency)}</dd>
          <dt>Runs</dt>
          <dd>
            {draft.start_date} → {draft.end_date ?? "until stopped"}
          </dd>
          <dt>Platforms</dt>
          <dd>{[draft.google_ads && PLATFORM_NAMES.google_ads, draft.meta && PLATFORM_NAMES.meta].filter(Boolean).join(" and ")}</dd>
        </dl>
      </Card>
      <Card title="Audiences">
        {draft.audiences.length ? (
          <ul>
            {draft.audiences.map((a) => (
              <li key={a.name}>
                <strong>{a.name}</strong>: {a.description}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No audience notes.</p>
        )}
      </Card>
      {draft.rationale && (
        <Card title="Why this plan">
          <p style={{ whiteSpace: "pre-line" }}>{draft.rationale}</p>
        </Card>
      )}
      {draft.warnings.length > 0 && (
        <Card title="Warnings">
          <ul>
            {draft.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

function Deployments({ strategy, onWatch }: { strategy: Strategy; onWatch: (id: string) => void }) {
  const deployments = useDeployments(strategy.id);
  return (
    <Resource
      query={deployments}
      what="Deployments"
      empty={(list) => list.length === 0 && <p className="muted">Not deployed yet. Approve a version, then deploy it.</p>}
    >
      {(list) => (
        <div className="table-wrap">
          <table className="table-stack">
            <caption className="visually-hidden">Deployments of this strategy</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Platforms</th>
                <th scope="col">
                  <span className="visually-hidden">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...list]
                .sort((a, b) => b.created_at.localeCompare(a.created_at))
                .map((d) => (
                  <tr key={d.id}>
                    <td data-label="Started">{dateTime(d.created_at)}</td>
                    <td data-label="Version">v{d.strategy_version}</td>
                    <td data-label="Status">
                      <StatusBadge status={d.status} />
                    </td>
                    <td data-label="Platforms">{d.targets.map((t) => `${PLATFORM_NAMES[t.platform]}: ${t.status}`).join(", ")}</td>
                    <td data-label="">
                      <Button small onClick={() => onWatch(d.id)}>
                        Details
                      </Button>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </Resource>
  );
}

export function Review({ strategy }: { strategy: Strategy }) {
  const [draft, setDraft] = useState<CampaignStrategy>(strategy.strategy);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [saveError, setSaveError] = useState<unknown>(null);
  const [busy, setBusy] = useState<"save" | "approve" | null>(null);
  const [tab, setTab] = useState<Tab>(strategy.strategy.google_ads ? "google" : strategy.strategy.meta ? "meta" : "overview");
  const [deploying, setDeploying] = useState<{ watch: string | null } | null>(null);

  // a newer version (saved here or elsewhere) replaces the draft unless it has unsaved edits
  const baseline = JSON.stringify(strategy.strategy);
  const dirty = JSON.stringify(draft) !== baseline;
  useEffect(() => {
    if (!dirty) setDraft(strategy.strategy);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [baseline]);

  const violations = useMemo(() => checkStrategy(draft), [draft]);
  const local = useMemo(() => {
    const map: Record<string, string> = {};
    for (const v of violations) if (!(v.path in map)) map[v.path] = v.message;
    return map;
  }, [violations]);
  const errorAt = useCallback((p: string) => local[p] ?? serverErrors[p], [local, serverErrors]);
  const update = useCallback((mutate: (d: CampaignStrategy) => void) => {
    setDraft((current) => {
      const next = structuredClone(current);
      mutate(next);
      return next;
    });
    setServerErrors({});
  }, []);

  const save = async () => {
    setBusy("save");
    setSaveError(null);
    try {
      const saved = await patch<Strategy>(`/strategies/${strategy.id}`, editPatch(draft), {
        headers: { "If-Match": `"${strategy.current_version}"` },
      });
      setQueryData<Strategy>(`strategy/${strategy.id}/current`, () => saved);
      invalidate(`strategy/${strategy.id}/`);
      setDraft(saved.strategy);
      toast(`Saved as version ${saved.version}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.errors.length) setServerErrors(error.fieldErrors());
      setSaveError(error);
    } finally {
      setBusy(null);
    }
  };

  const approve = async () => {
    setBusy("approve");
    setSaveError(null);
    try {
      const approved = await post<Strategy>(`/strategies/${strategy.id}/approve`, { version: strategy.current_version });
      setQueryData<Strategy>(`strategy/${strategy.id}/current`, () => approved);
      invalidate(`strategy/${strategy.id}/`);
      toast(`Version ${approved.approved_version} approved. You can deploy it now.`);
    } catch (error) {
      setSaveError(error);
    } finally {
      setBusy(null);
    }
  };

  const isApproved = strategy.approved_version === strategy.current_version && !dirty;
  const tabs: { id: Tab; label: string }[] = [
    { id: "overview", label: "Overview" },
    ...(draft.google_ads ? [{ id: "google" as const, label: "Google Ads" }] : []),
    ...(draft.meta ? [{ id: "meta" as const, label: "Meta" }] : []),
    { id: "budget", label: "Budget split" },
    { id: "versions", label: `Versions (${strategy.versions.length})` },
    { id: "deployments", label: "Deployments" },
  ];
  const problems = violations.length + Object.keys(serverErrors).length;

  return (
    <StrategyEdit.Provider value={{ draft, update, errorAt, readOnly: false }}>
      <PageHeader
        title="Strategy review"
        subtitle={
          <>
            Version {strategy.current_version} · <Generator strategy={strategy} /> ·{" "}
            {isApproved ? <StatusBadge status="approved" /> : <StatusBadge status="draft" />}
          </>
        }
        actions={
          <>
            <Link className="btn btn-secondary" to={`/projects/${strategy.project_id}/briefs`}>
              All briefs
            </Link>
            <Button
              variant="primary"
              disabled={!strategy.approved_version || dirty}
              onClick={() => setDeploying({ watch: null })}
              title={strategy.approved_version ? undefined : "Approve a version first"}
            >
              Deploy…
            </Button>
          </>
        }
      />
      <Tabs label="Strategy sections" tabs={tabs} value={tab} onChange={setTab} />
      <TabPanel id={tab}>
        {tab === "overview" && <Overview draft={draft} />}
        {tab === "google" && <GoogleEditor />}
        {tab === "meta" && <MetaEditor />}
        {tab === "budget" && (
          <Card>
            <BudgetSplit />
          </Card>
        )}
        {tab === "versions" && <VersionHistory strategy={strategy} />}
        {tab === "deployments" && <Deployments strategy={strategy} onWatch={(id) => setDeploying({ watch: id })} />}
      </TabPanel>

      <div className="savebar" role="region" aria-label="Save and approve">
        <div style={{ flex: "1 1 16rem" }}>
          {problems > 0 ? (
            <div role="status">
              <strong className="field-error">
                {problems} problem{problems === 1 ? "" : "s"} to fix before saving
              </strong>
              <ul className="small" style={{ margin: "0.25rem 0 0", paddingLeft: "1.2rem" }}>
                {[...violations.map((v) => v.message), ...Object.values(serverErrors)].slice(0, 4).map((m, i) => (
                  <li key={i}>{m}</li>
                ))}
              </ul>
            </div>
          ) : dirty ? (
            <span role="status">Unsaved changes: saving creates version {strategy.current_version + 1}.</span>
          ) : isApproved ? (
            <span role="status">Version {strategy.current_version} is approved and ready to deploy.</span>
          ) : (
            <span role="status">Review the campaigns, edit what you like, then approve.</span>
          )}
          {saveError !== null && !(saveError instanceof ApiError && saveError.status === 422 && Object.keys(serverErrors).length) && (
            <p className="inline-error small" role="alert" style={{ marginTop: "0.4rem" }}>
              {describeError(saveError)}
            </p>
          )}
        </div>
        {dirty && (
          <Button onClick={() => (setDraft(strategy.strategy), setServerErrors({}))} disabled={busy !== null}>
            Discard
          </Button>
        )}
        <Button variant={dirty ? "primary" : "secondary"} disabled={!dirty || problems > 0} busy={busy === "save"} onClick={save}>
          Save changes
        </Button>
        <Button
          variant={dirty ? "secondary" : "primary"}
          disabled={dirty || isApproved}
          busy={busy === "approve"}
          onClick={approve}
          title={dirty ? "Save your changes first" : undefined}
        >
          {isApproved ? "Approved" : `Approve version ${strategy.current_version}`}
        </Button>
      </div>
      {deploying && <DeployDialog strategy={strategy} watchId={deploying.watch} onClose={() => setDeploying(null)} />}
    </StrategyEdit.Provider>
  );
}

export default function StrategyReview({ params }: { params: Record<string, string> }) {
  const strategy = useStrategy(params.strategyId);
  const projectId = strategy.data?.project_id;
  useEffect(() => {
    if (projectId) setLastProject(projectId);
  }, [projectId]);
  return (
    <Resource query={strategy} what="The strategy">
      {(s) => <Review strategy={s} />}
    </Resource>
  );
}
