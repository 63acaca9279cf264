// Live progress while the strategy is generated (brief.progress events, with polling as a fallback).
import { useEffect, useState } from "react";
import { humanize } from "../../lib/format";
import { useBrief } from "../../lib/queries";
import { Link, navigate } from "../../lib/router";
import { onLive } from "../../lib/stream";
import { setLastProject } from "../../lib/prefs";
import { Card, PageHeader, ProgressBar, Resource } from "../../ui/ui";

export default function BriefProgress({ params }: { params: Record<string, string> }) {
  const { briefId } = params;
  const brief = useBrief(briefId, 3000);
  const [steps, setSteps] = useState<{ step: string; message: string }[]>([]);
  const [live, setLive] = useState<{ percent: number; step?: string; message?: string } | null>(null);

  useEffect(
    () =>
      onLive((event) => {
        if (event.topic !== "brief.progress" || event.data.brief_id !== briefId) return;
        const step = String(event.data.step ?? "");
        const message = String(event.data.message ?? "");
        setLive({ percent: Number(event.data.percent ?? 0), step, message });
        setSteps((s) => (s.length && s[s.length - 1].step === step ? s : [...s, { step, message }]));
      }),
    [briefId],
  );

  const data = brief.data;
  useEffect(() => {
    if (data?.project_id) setLastProject(data.project_id);
  }, [data?.project_id]);
  useEffect(() => {
    if (data?.strategy_id) {
      const timer = setTimeout(() => navigate(`/strategies/${data.strategy_id}`, { replace: true }), 800);
      return () => clearTimeout(timer);
    }
  }, [data?.strategy_id]);

  return (
    <>
      <PageHeader
        title="Generating your strategy"
        subtitle="This usually takes under a minute. You can leave this page: we notify you when it is ready."
      />
      <Resource query={brief} what="The brief">
        {(b) => {
          const percent = b.strategy_id ? 100 : Math.max(live?.percent ?? 0, b.progress?.percent ?? 0);
          const message = live?.message ?? b.progress?.message ?? "Reading your brief";
          return (
            <Card>
              {b.status === "failed" ? (
                <div role="alert">
                  <h2>The strategy could not be generated</h2>
                  <p>{b.failure_reason ?? "The generator stopped with an error."}</p>
                  <p>Check the brief (a clearer product and audience help), then submit it again.</p>
                  <Link className="btn btn-primary" to={`/projects/${b.project_id}/briefs/new`}>
                    Write the brief again
                  </Link>
                </div>
              ) : (
                <>
                  <p aria-live="polite" className="brief-status">
                    <strong>{b.strategy_id ? "Your strategy is ready." : `${message}…`}</strong> {percent}%
                  </p>
                  <ProgressBar value={percent} label="Strategy generation progress" />
                  {steps.length > 0 && (
                    <ol className="small muted" style={{ marginTop: "1rem" }}>
                      {steps.map((s) => (
                        <li key={s.step}>
                          {humanize(s.step)}: {s.message}
                        </li>
                      ))}
                    </ol>
                  )}
                  <h2 style={{ marginTop: "1.25rem" }}>Your brief</h2>
                  <dl className="facts">
                    <dt>Product</dt>
                    <dd>{b.request.product}</dd>
                    <dt>Audience</dt>
                    <dd>{b.request.audience}</dd>
                    <dt>Goal</dt>
                    <dd>{b.request.goal}</dd>
                    <dt>Budget</dt>
                    <dd>
                      {b.request.budget?.amount} {b.request.budget?.currency}{" "}
                      {b.request.budget?.period === "daily" ? "per day" : "in total"}
                    </dd>
                  </dl>
                  {b.strategy_id && (
                    <p style={{ marginTop: "1rem" }}>
                      <Link className="btn btn-primary" to={`/strategies/${b.strategy_id}`}>
                        Review the strategy
                      </Link>
                    </p>
                  )}
                </>
              )}
            </Card>
          );
        }}
      </Resource>
    </>
  );
}
