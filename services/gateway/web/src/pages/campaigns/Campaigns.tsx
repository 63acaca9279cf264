// Platform campaigns: status, pause/resume and daily budget changes (sent to the platforms; pending
// until they confirm).
import { useState } from "react";
import { describeError, patch, post } from "../../lib/api";
import { PLATFORM_NAMES, biddingLabel, dateTime, money } from "../../lib/format";
import { useCampaigns } from "../../lib/queries";
import { Link } from "../../lib/router";
import { invalidate } from "../../lib/store";
import type { Campaign } from "../../lib/types";
import { Button, Dialog, Empty, PageHeader, Resource, StatusBadge, toast } from "../../ui/ui";
import { MoneyInput } from "../strategy/common";

function BudgetDialog({ campaign, onClose }: { campaign: Campaign; onClose: () => void }) {
  const [micros, setMicros] = useState(campaign.daily_budget_micros ?? 1_000_000);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const tooLow = micros < 1_000_000;
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await patch(`/campaigns/${campaign.id}`, { daily_budget_micros: micros });
      invalidate(`campaigns/${campaign.project_id}`);
      toast(`Budget change sent to ${PLATFORM_NAMES[campaign.platform]}`);
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Daily budget of ${campaign.name}`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={busy} disabled={tooLow || micros === campaign.daily_budget_micros} onClick={submit}>
            Change budget
          </Button>
        </>
      }
    >
      <p>
        Now {money(campaign.daily_budget_micros, campaign.currency)} a day on {PLATFORM_NAMES[campaign.platform]}.
      </p>
      <MoneyInput
        label="New daily budget"
        micros={micros}
        currency={campaign.currency}
        onChange={setMicros}
        error={tooLow ? `The minimum is ${money(1_000_000, campaign.currency)} a day` : undefined}
      />
      {error !== null && (
        <p className="inline-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </Dialog>
  );
}

function Actions({ campaign, onBudget }: { campaign: Campaign; onBudget: () => void }) {
  const [busy, setBusy] = useState(false);
  const pending = campaign.pending_changes.some((c) => c.status === "pending");
  const toggle = async () => {
    setBusy(true);
    const action = campaign.status === "PAUSED" ? "resume" : "pause";
    try {
      await post(`/campaigns/${campaign.id}/${action}`);
      invalidate(`campaigns/${campaign.project_id}`);
      toast(`${action === "pause" ? "Pausing" : "Resuming"} ${campaign.name} on ${PLATFORM_NAMES[campaign.platform]}`, "info");
    } catch (e) {
      toast(describeError(e), "bad");
    } finally {
      setBusy(false);
    }
  };
  if (campaign.status === "REMOVED") return <span className="muted small">Removed</span>;
  return (
    <div className="row" style={{ flexWrap: "nowrap" }}>
      <Button
        small
        busy={busy}
        disabled={pending}
        onClick={toggle}
        aria-label={`${campaign.status === "PAUSED" ? "Resume" : "Pause"} ${campaign.name}`}
      >
        {campaign.status === "PAUSED" ? "Resume" : "Pause"}
      </Button>
      <Button small disabled={pending} onClick={onBudget} aria-label={`Change budget of ${campaign.name}`}>
        Budget
      </Button>
    </div>
  );
}

export default function Campaigns({ params }: { params: Record<string, string> }) {
  const { projectId } = params;
  const campaigns = useCampaigns(projectId, 10000);
  const [editing, setEditing] = useState<Campaign | null>(null);
  return (
    <>
      <PageHeader
        title="Campaigns"
        subtitle="What runs on each platform now. Changes go to the platform and show as pending until it confirms."
      />
      <Resource
        query={campaigns}
        what="Campaigns"
        empty={(list) =>
          list.length === 0 && (
            <Empty
              title="No campaigns running"
              action={
                <Link className="btn btn-primary" to={`/projects/${projectId}/briefs`}>
                  Go to your strategies
                </Link>
              }
            >
              Approve a strategy and deploy it: its campaigns appear here with their status and budget.
            </Empty>
          )
        }
      >
        {(list) => (
          <div className="table-wrap">
            <table className="table-stack">
              <caption className="visually-hidden">Platform campaigns</caption>
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col">Platform</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Daily budget
                  </th>
                  <th scope="col">Changes</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((c) => {
                  const pending = c.pending_changes.filter((x) => x.status === "pending");
                  const failed = c.pending_changes.filter((x) => x.status === "failed");
                  return (
                    <tr key={c.id} data-testid={`campaign-${c.platform}`}>
                      <td data-label="Campaign">
                        <strong>{c.name}</strong>
                        <div className="muted small mono">ID {c.platform_campaign_id}</div>
                      </td>
                      <td data-label="Platform">
                        <span className={c.platform === "google_ads" ? "dot-google" : "dot-meta"} aria-hidden="true" />
                        {PLATFORM_NAMES[c.platform]}
                        <div className="muted small">account {c.account_external_id}</div>
                      </td>
                      <td data-label="Status">
                        <StatusBadge status={c.status} />
                      </td>
                      <td className="num" data-label="Daily budget">
                        {money(c.daily_budget_micros, c.currency)}
                        {c.bidding && <div className="muted small">{biddingLabel(c.bidding, c.currency)}</div>}
                      </td>
                      <td className="small" data-label="Changes">
                        {pending.map((x) => (
                          <div key={x.id}>
                            Pending:{" "}
                            {x.kind === "budget"
                              ? `budget → ${money(Number(x.requested.daily_budget_micros), c.currency)}`
                              : `status → ${String(x.requested.status ?? "").toLowerCase()}`}
                          </div>
                        ))}
                        {failed.slice(0, 1).map((x) => (
                          <div key={x.id} className="field-error">
                            Last change failed: {String((x.error as { message?: string } | null)?.message ?? "the platform refused it")}.
                            Try again.
                          </div>
                        ))}
                        {c.last_error && !failed.length && (
                          <div className="field-error">{String((c.last_error as { message?: string }).message ?? "Platform error")}</div>
                        )}
                        {!pending.length && !failed.length && !c.last_error && (
                          <span className="muted">Updated {dateTime(c.updated_at)}</span>
                        )}
                      </td>
                      <td data-label="">
                        <Actions campaign={c} onBudget={() => setEditing(c)} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Resource>
      {editing && <BudgetDialog campaign={editing} onClose={() => setEditing(null)} />}
    </>
  );
}
