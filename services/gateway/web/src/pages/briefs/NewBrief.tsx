import { useConnections, useProject } from "../../lib/queries";
import { navigate } from "../../lib/router";
import type { Platform } from "../../lib/types";
import { Card, PageHeader, Resource } from "../../ui/ui";
import { BriefFormView, defaultBrief } from "./BriefFormView";

export default function NewBrief({ params }: { params: Record<string, string> }) {
  const project = useProject(params.projectId);
  const connections = useConnections();
  const linked = (connections.data ?? []).filter((c) => c.status === "linked").map((c) => c.platform) as Platform[];
  return (
    <>
      <PageHeader
        title="New brief"
        subtitle="ZAMC drafts campaigns for every platform you choose. Nothing goes live until you approve and deploy."
      />
      <Resource query={project} what="Project">
        {(p) => (
          <Card>
            <BriefFormView
              projectId={p.id}
              initial={defaultBrief(p.business.website)}
              linkedPlatforms={connections.data ? linked : undefined}
              onSubmitted={(id) => navigate(`/briefs/${id}`)}
            />
          </Card>
        )}
      </Resource>
    </>
  );
}
