// The 3-step wizard after sign-up: business details → connect Google Ads and Meta → first brief.
import { useEffect } from "react";
import { useConnections, useProject, useProjects } from "../../lib/queries";
import { Link, navigate, useSearchParams } from "../../lib/router";
import type { Platform } from "../../lib/types";
import { Button, Card, ErrorState, Loading } from "../../ui/ui";
import { BriefFormView, defaultBrief } from "../briefs/BriefFormView";
import { ProjectForm } from "../projects/ProjectForm";
import { PlatformConnections } from "./Connections";

const STEPS = ["Your business", "Connect ad platforms", "First brief"];

function go(step: number, project: string | null) {
  navigate(`/onboarding?step=${step}${project ? `&project=${project}` : ""}`);
}

export default function Onboarding() {
  const params = useSearchParams();
  const step = Math.min(3, Math.max(1, Number(params.get("step") ?? 1)));
  const projects = useProjects();
  const projectParam = params.get("project");
  const projectId = projectParam ?? (step > 1 ? (projects.data?.[0]?.id ?? null) : null);
  const project = useProject(projectId);
  const connections = useConnections();
  const linked = (connections.data ?? []).filter((c) => c.status === "linked").map((c) => c.platform) as Platform[];

  useEffect(() => {
    if (step > 1 && projects.data && !projectId) go(1, null);
  }, [step, projects.data, projectId]);

  return (
    <div className="wizard">
      <div className="brand" style={{ marginBottom: "1rem" }}>
        <img src="/icon.svg" alt="" width="32" height="32" />
        <span>ZAMC</span>
      </div>
      <h1>Let’s set up your first campaign</h1>
      <ol className="steps" aria-label="Progress">
        {STEPS.map((label, i) => (
          <li key={label} aria-current={step === i + 1 ? "step" : undefined} className={step > i + 1 ? "step-done" : undefined}>
            <span className="visually-hidden">{step > i + 1 ? "Done: " : ""}</span>
            Step {i + 1}: {label}
          </li>
        ))}
      </ol>

      {step === 1 && (
        <Card title="Tell us about your business">
          <p className="muted">This is your first project. ZAMC uses these details to write ads that sound like you.</p>
          <ProjectForm submitLabel="Save and continue" onCreated={(p) => go(2, p.id)} />
          {projects.data && projects.data.length > 0 && (
            <p className="muted small">
              Already have a project?{" "}
              <Link to={`/onboarding?step=2&project=${projects.data[0].id}`}>Continue with {projects.data[0].name}</Link>
            </p>
          )}
        </Card>
      )}

      {step === 2 && (
        <Card title="Connect Google Ads and Meta">
          <p className="muted">
            ZAMC creates and manages campaigns in your own ad accounts. You approve access on each platform’s own sign-in page and come
            straight back here.
          </p>
          <PlatformConnections returnTo={`/onboarding?step=2${projectId ? `&project=${projectId}` : ""}`} />
          <div className="row" style={{ marginTop: "1rem" }}>
            <Button onClick={() => go(1, projectId)}>Back</Button>
            <span className="spacer" />
            {linked.length === 0 && (
              <Button variant="ghost" onClick={() => go(3, projectId)}>
                Skip for now
              </Button>
            )}
            <Button variant="primary" disabled={linked.length === 0} onClick={() => go(3, projectId)}>
              Continue
            </Button>
          </div>
        </Card>
      )}

      {step === 3 && (
        <Card title="Your first brief">
          <p className="muted">
            Describe what to advertise. ZAMC drafts a complete strategy for both platforms in about a minute; you review and approve it
            before anything goes live.
          </p>
          {project.data ? (
            <BriefFormView
              projectId={project.data.id}
              initial={defaultBrief(project.data.business.website)}
              linkedPlatforms={linked}
              onSubmitted={(id) => navigate(`/briefs/${id}`)}
            />
          ) : project.error ? (
            <ErrorState error={project.error} retry={() => void project.refetch()} />
          ) : (
            <Loading what="Loading your project" />
          )}
          <div className="row" style={{ marginTop: "0.5rem" }}>
            <Button onClick={() => go(2, projectId)}>Back</Button>
          </div>
        </Card>
      )}
    </div>
  );
}
