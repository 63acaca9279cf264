// Analytics dashboard: KPI tiles overall and per platform, hour/day chart, platform comparison, date
// range, provisional vs settled marking, CSV export; re-read live when new metrics arrive.
import { useEffect, useMemo, useState } from "react";
import { download } from "../../lib/api";
import { PLATFORM_NAMES, count, isoDate, money, percent, ratio, relative } from "../../lib/format";
import { type Range, useAnomalies, useCampaigns, useSummary, useTimeseries } from "../../lib/queries";
import { Link } from "../../lib/router";
import { onLive } from "../../lib/stream";
import type { PlatformTotals, Summary, Totals } from "../../lib/types";
import { LineChart } from "../../ui/LineChart";
import { Badge, Button, Card, Empty, ErrorState, InlineError, Loading, PageHeader, TextField } from "../../ui/ui";

type Preset = "1" | "7" | "30" | "90" | "custom";
type Metric = "spend_micros" | "impressions" | "clicks" | "conversions";

const METRICS: { id: Metric; label: string }[] = [
  { id: "spend_micros", label: "Spend" },
  { id: "impressions", label: "Impressions" },
  { id: "clicks", label: "Clicks" },
  { id: "conversions", label: "Conversions" },
];

function rangeOf(preset: Preset, custom: { from: string; to: string }): Range {
  if (preset === "custom") {
    const from = new Date(`${custom.from}T00:00:00`);
    const to = new Date(`${custom.to}T00:00:00`);
    to.setDate(to.getDate() + 1);
    return { from: from.toISOString(), to: to.toISOString() };
  }
  const end = new Date();
  end.setUTCMinutes(0, 0, 0);
  end.setUTCHours(end.getUTCHours() + 1);
  const start = new Date(end.getTime() - Number(preset) * 86400_000);
  return { from: start.toISOString(), to: end.toISOString() };
}

function tiles(t: Totals) {
  return [
    { label: "Spend", value: money(t.spend_micros, t.currency) },
    { label: "Impressions", value: count(t.impressions) },
    { label: "Clicks", value: count(t.clicks) },
    { label: "Conversions", value: count(t.conversions) },
    { label: "CTR", value: percent(t.ctr) },
    { label: "CPA", value: money(t.cpa_micros, t.currency) },
    { label: "ROAS", value: ratio(t.roas) },
  ];
}

function KpiTiles({ totals, label }: { totals: Totals; label: string }) {
  // a tile whose value changed is re-mounted (new key), which replays its highlight once
  return (
    <section aria-label={label}>
      <div className="kpis">
        {tiles(totals).map((tile) => (
          <div className="kpi kpi-flash" key={`${tile.label}-${tile.value}`} data-kpi={tile.label}>
            <p className="kpi-label">{tile.label}</p>
            <p className="kpi-value">{tile.value}</p>
          </div>
        ))}
      </div>
    </section>
  );
}

function Comparison({ platforms }: { platforms: PlatformTotals[] }) {
  const rows: { label: string; value: (p: PlatformTotals) => number; show: (p: PlatformTotals) => string }[] = [
    { label: "Spend", value: (p) => p.spend_micros, show: (p) => money(p.spend_micros, p.currency) },
    { label: "Clicks", value: (p) => p.clicks, show: (p) => count(p.clicks) },
    { label: "Conversions", value: (p) => p.conversions, show: (p) => count(p.conversions) },
    { label: "ROAS", value: (p) => p.roas ?? 0, show: (p) => ratio(p.roas) },
  ];
  return (
    <div className="stack">
      {rows.map((row) => {
        const max = Math.max(...platforms.map(row.value), 0) || 1;
        return (
          <div key={row.label}>
            <h3 className="small" style={{ marginBottom: "0.3rem" }}>
              {row.label}
            </h3>
            <div className="bars">
              {platforms.map((p) => (
                <div className="bar-row" key={p.platform}>
                  <span>{PLATFORM_NAMES[p.platform]}</span>
                  <div className="bar-track" aria-hidden="true">
                    <div className={`bar-fill fill-${p.platform}`} style={{ width: `${(row.value(p) / max) * 100}%` }} />
                  </div>
                  <span className="num small">{row.show(p)}</span>
                </div>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}

function SummaryView({ summary }: { summary: Summary }) {
  const overall = summary.overall ?? summary.overall_by_currency[0] ?? null;
  return (
    <>
      <Card
        title="All platforms"
        actions={
          summary.settled ? (
            <Badge tone="good" title="The platforms will not restate these figures">
              Settled
            </Badge>
          ) : (
            <Badge tone="warn" title="Recent hours: the platforms may still restate them (conversions arrive late)">
              Includes provisional data
            </Badge>
          )
        }
      >
        {overall ? <KpiTiles totals={overall} label="Totals across platforms" /> : <p className="muted">No data in this range.</p>}
        {!summary.overall && summary.overall_by_currency.length > 1 && (
          <p className="notice small" style={{ marginTop: "0.75rem" }}>
            Your accounts use several currencies, so totals are shown per currency:{" "}
            {summary.overall_by_currency.map((t) => money(t.spend_micros, t.currency)).join(" · ")}.
          </p>
        )}
      </Card>
      <div className="grid grid-2" style={{ marginTop: "1rem" }}>
        {summary.platforms.map((p) => (
          <Card
            key={`${p.platform}-${p.currency}`}
            title={
              <>
                <span className={p.platform === "google_ads" ? "dot-google" : "dot-meta"} aria-hidden="true" />
                {PLATFORM_NAMES[p.platform]}
              </>
            }
          >
            <KpiTiles totals={p} label={`${PLATFORM_NAMES[p.platform]} totals`} />
          </Card>
        ))}
      </div>
      {summary.platforms.length > 1 && (
        <Card title="Platform comparison" className="comparison">
          <Comparison platforms={summary.platforms} />
        </Card>
      )}
    </>
  );
}

function Chart({
  projectId,
  range,
  granularity,
  metric,
  currency,
}: {
  projectId: string;
  range: Range;
  granularity: "hour" | "day";
  metric: Metric;
  currency: string;
}) {
  const series = useTimeseries(projectId, range, granularity);
  const points = useMemo(() => {
    const all = series.data?.points ?? [];
    const main = all.some((p) => p.currency === currency) ? currency : all[0]?.currency;
    return all
      .filter((p) => p.currency === main)
      .map((p) => ({ t: new Date(p.period_start).getTime(), y: Number(p[metric] ?? 0), provisional: p.provisional }));
  }, [series.data, metric, currency]);
  if (series.data === undefined)
    return series.error ? <ErrorState error={series.error} retry={() => void series.refetch()} /> : <Loading what="Loading the chart" />;
  if (!points.length) return <p className="muted">No {granularity === "hour" ? "hourly" : "daily"} data in this range yet.</p>;
  const fmt = (v: number) => (metric === "spend_micros" ? money(v, currency, { compact: true }) : count(v, { compact: true }));
  const fmtTime = (t: number) =>
    granularity === "hour"
      ? new Date(t).toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit" })
      : new Date(t).toLocaleDateString(undefined, { day: "numeric", month: "short" });
  const label = METRICS.find((m) => m.id === metric)!.label;
  return (
    <>
      <LineChart points={points} label={`${label} per ${granularity}`} format={fmt} formatTime={fmtTime} />
      <div className="chart-legend">
        <span>
          <span className="dot-overall" aria-hidden="true" style={{ background: "var(--primary)" }} />
          Settled
        </span>
        <span>
          <span className="legend-provisional" aria-hidden="true" />
          Provisional (may still change)
        </span>
      </div>
      <details style={{ marginTop: "0.5rem" }}>
        <summary>Show as a table</summary>
        <div className="table-wrap" style={{ maxHeight: "18rem", overflowY: "auto" }}>
          <table>
            <thead>
              <tr>
                <th scope="col">{granularity === "hour" ? "Hour" : "Day"}</th>
                <th scope="col" className="num">
                  {label}
                </th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.t}>
                  <td>{fmtTime(p.t)}</td>
                  <td className="num">{metric === "spend_micros" ? money(p.y, currency) : count(p.y)}</td>
                  <td>{p.provisional ? "Provisional" : "Settled"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

export default function Dashboard({ params }: { params: Record<string, string> }) {
  const { projectId } = params;
  const [preset, setPreset] = useState<Preset>("30");
  const today = isoDate(new Date());
  const [custom, setCustom] = useState({ from: isoDate(new Date(Date.now() - 7 * 86400_000)), to: today });
  const [granularity, setGranularity] = useState<"hour" | "day">("day");
  const [metric, setMetric] = useState<Metric>("spend_micros");
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  const [lastLive, setLastLive] = useState<string | null>(null);
  const range = useMemo(() => rangeOf(preset, custom), [preset, custom]);
  const customInvalid = preset === "custom" && (!custom.from || !custom.to || custom.from > custom.to);
  const summary = useSummary(projectId, range);
  const campaigns = useCampaigns(projectId);
  const anomalies = useAnomalies(projectId);

  useEffect(
    () =>
      onLive(
        (e) =>
          e.topic === "metrics.updated" && (e.data.project_id === projectId || !e.data.project_id) && setLastLive(new Date().toISOString()),
      ),
    [projectId],
  );

  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      await download(
        "/analytics/export.csv",
        { project_id: projectId, granularity, from: range.from, to: range.to },
        `zamc-${granularity}-${range.from.slice(0, 10)}-${range.to.slice(0, 10)}.csv`,
      );
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  };

  const currency = summary.data?.overall?.currency ?? summary.data?.overall_by_currency[0]?.currency ?? "EUR";
  const noCampaigns = campaigns.data !== undefined && campaigns.data.length === 0;
  const noData = summary.data !== undefined && summary.data.platforms.length === 0;

  return (
    <>
      <PageHeader
        title="Dashboard"
        subtitle={
          <span aria-live="polite">
            Live results across Google Ads and Meta.{" "}
            {lastLive
              ? `New figures arrived ${relative(lastLive)}.`
              : summary.data
                ? `Updated ${relative(new Date(summary.updatedAt).toISOString())}.`
                : ""}
          </span>
        }
        actions={
          <Button onClick={exportCsv} busy={exporting} disabled={customInvalid}>
            Export CSV
          </Button>
        }
      />
      <Card>
        <div className="row" style={{ alignItems: "center" }}>
          <div className="segmented" role="group" aria-label="Date range">
            {(["1", "7", "30", "90", "custom"] as Preset[]).map((p) => (
              <button key={p} type="button" aria-pressed={preset === p} onClick={() => setPreset(p)}>
                {p === "custom" ? "Custom" : p === "1" ? "24 hours" : `${p} days`}
              </button>
            ))}
          </div>
          <div className="segmented" role="group" aria-label="Granularity">
            {(["hour", "day"] as const).map((g) => (
              <button key={g} type="button" aria-pressed={granularity === g} onClick={() => setGranularity(g)}>
                By {g}
              </button>
            ))}
          </div>
        </div>
        {preset === "custom" && (
          <div className="row" style={{ marginTop: "0.75rem" }}>
            <TextField
              label="From"
              type="date"
              value={custom.from}
              max={custom.to}
              onChange={(e) => setCustom({ ...custom, from: e.target.value })}
            />
            <TextField
              label="To"
              type="date"
              value={custom.to}
              min={custom.from}
              error={customInvalid ? "The end must not be before the start" : undefined}
              onChange={(e) => setCustom({ ...custom, to: e.target.value })}
            />
          </div>
        )}
        <InlineError error={exportError} />
      </Card>

      <div style={{ marginTop: "1rem" }}>
        {customInvalid ? null : summary.data === undefined ? (
          summary.error ? (
            <ErrorState error={summary.error} retry={() => void summary.refetch()} title="Results could not be loaded" />
          ) : (
            <Loading what="Loading results" />
          )
        ) : noData ? (
          noCampaigns ? (
            <Empty
              title="No campaigns yet"
              action={
                <Link className="btn btn-primary" to={`/projects/${projectId}/briefs`}>
                  Deploy a strategy
                </Link>
              }
            >
              Results appear here as soon as your first campaigns run.
            </Empty>
          ) : (
            <Empty title="No results in this range yet">
              Your campaigns are running. The platforms report within about an hour; this page updates by itself.
            </Empty>
          )
        ) : (
          <SummaryView summary={summary.data} />
        )}
      </div>

      {!customInvalid && !noData && summary.data !== undefined && (
        <Card
          title="Over time"
          actions={
            <div className="segmented" role="group" aria-label="Metric">
              {METRICS.map((m) => (
                <button key={m.id} type="button" aria-pressed={metric === m.id} onClick={() => setMetric(m.id)}>
                  {m.label}
                </button>
              ))}
            </div>
          }
        >
          <Chart projectId={projectId} range={range} granularity={granularity} metric={metric} currency={currency} />
        </Card>
      )}

      {anomalies.data && anomalies.data.length > 0 && (
        <Card title="Anomalies">
          <ul>
            {anomalies.data.slice(0, 5).map((a) => (
              <li key={a.id}>
                <strong>{a.kind.replace(/_/g, " ")}</strong> on {PLATFORM_NAMES[a.platform]} campaign {a.campaign_name} at{" "}
                {new Date(a.hour_start).toLocaleString()}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}
