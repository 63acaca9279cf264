import { PLATFORM_NAMES, dateTime } from "../../lib/format";
import { useBriefs, useProject } from "../../lib/queries";
import { Link } from "../../lib/router";
import { Empty, PageHeader, Resource, StatusBadge } from "../../ui/ui";

export default function Briefs({ params }: { params: Record<string, string> }) {
  const { projectId } = params;
  const project = useProject(projectId);
  const briefs = useBriefs(projectId);
  return (
    <>
      <PageHeader
        title="Briefs & strategies"
        subtitle={project.data ? `${project.data.name}: every brief and the strategy ZAMC drafted from it.` : undefined}
        actions={
          <Link className="btn btn-primary" to={`/projects/${projectId}/briefs/new`}>
            New brief
          </Link>
        }
      />
      <Resource
        query={briefs}
        what="Briefs"
        empty={(list) =>
          list.length === 0 && (
            <Empty
              title="No briefs yet"
              action={
                <Link className="btn btn-primary" to={`/projects/${projectId}/briefs/new`}>
                  Write a brief
                </Link>
              }
            >
              A brief takes two minutes: what you sell, to whom, your budget and where. ZAMC drafts the campaigns.
            </Empty>
          )
        }
      >
        {(list) => (
          <div className="table-wrap">
            <table className="table-stack">
              <caption className="visually-hidden">Briefs of this project</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Goal</th>
                  <th scope="col">Platforms</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Strategy</th>
                </tr>
              </thead>
              <tbody>
                {[...list]
                  .sort((a, b) => b.created_at.localeCompare(a.created_at))
                  .map((b) => (
                    <tr key={b.id}>
                      <td data-label="Product">{b.request.product ?? "—"}</td>
                      <td data-label="Goal">{b.request.goal ?? "—"}</td>
                      <td data-label="Platforms">{(b.request.platforms ?? []).map((p) => PLATFORM_NAMES[p]).join(", ")}</td>
                      <td data-label="Status">
                        <StatusBadge status={b.status} />
                      </td>
                      <td data-label="Created">{dateTime(b.created_at)}</td>
                      <td data-label="Strategy">
                        {b.strategy_id ? (
                          <Link to={`/strategies/${b.strategy_id}`}>Review strategy</Link>
                        ) : b.status === "generating" ? (
                          <Link to={`/briefs/${b.id}`}>Follow progress</Link>
                        ) : (
                          <Link to={`/briefs/${b.id}`}>Details</Link>
                        )}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </Resource>
    </>
  );
}
