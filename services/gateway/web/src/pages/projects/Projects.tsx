import { useState } from "react";
import { date } from "../../lib/format";
import { useProjects } from "../../lib/queries";
import { Link, navigate } from "../../lib/router";
import { Button, Card, Empty, PageHeader, Resource } from "../../ui/ui";
import { ProjectForm } from "./ProjectForm";

export default function Projects() {
  const projects = useProjects();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Projects"
        subtitle="One project per business or product line: its briefs, strategies, campaigns and results."
        actions={
          !creating && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              New project
            </Button>
          )
        }
      />
      {creating && (
        <Card title="New project">
          <ProjectForm onCreated={(p) => navigate(`/projects/${p.id}/briefs/new`)} onCancel={() => setCreating(false)} />
        </Card>
      )}
      <Resource
        query={projects}
        what="Projects"
        empty={(list) =>
          list.length === 0 &&
          !creating && (
            <Empty
              title="No projects yet"
              action={
                <Button variant="primary" onClick={() => navigate("/onboarding")}>
                  Set up your first project
                </Button>
              }
            >
              A project holds everything about one business: start with its details and your ad accounts.
            </Empty>
          )
        }
      >
        {(list) => (
          <div className="grid grid-2" style={{ marginTop: "1rem" }}>
            {list.map((p) => (
              <Card key={p.id} title={<Link to={`/projects/${p.id}/dashboard`}>{p.name}</Link>}>
                <p className="muted">
                  {p.business.name}
                  {p.business.industry ? ` · ${p.business.industry}` : ""}
                </p>
                {p.business.description && <p>{p.business.description}</p>}
                <p className="muted small">Created {date(p.created_at)}</p>
                <div className="row">
                  <Link className="btn btn-secondary btn-small" to={`/projects/${p.id}/dashboard`}>
                    Dashboard
                  </Link>
                  <Link className="btn btn-secondary btn-small" to={`/projects/${p.id}/briefs/new`}>
                    New brief
                  </Link>
                </div>
              </Card>
            ))}
          </div>
        )}
      </Resource>
    </>
  );
}
