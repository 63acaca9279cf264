// Query keys and readers shared by the pages. Keys are prefixes the live stream invalidates
// (see STALE in stream.ts): "campaigns/<project>", "analytics/summary/<project>/…", ….
import { get } from "./api";
import { useQuery } from "./store";
import type {
  Anomaly,
  ApiKey,
  Asset,
  Autopilot,
  Brief,
  Campaign,
  Connection,
  Deployment,
  Me,
  Member,
  Notification,
  Project,
  Recommendation,
  Strategy,
  Summary,
  Timeseries,
} from "./types";

export const useMe = (enabled = true) => useQuery<Me>(enabled ? "me" : null, () => get<Me>("/me"));
export const useProjects = () => useQuery<Project[]>("projects/", () => get<Project[]>("/projects"));
export const useProject = (id: string | null) => useQuery<Project>(id ? `projects/${id}` : null, () => get<Project>(`/projects/${id}`));
export const useConnections = (refreshMs?: number) =>
  useQuery<Connection[]>("connections", () => get<Connection[]>("/platform-connections"), { refreshMs });
export const useBriefs = (projectId: string) =>
  useQuery<Brief[]>(`briefs/${projectId}`, () => get<Brief[]>(`/projects/${projectId}/briefs`));
export const useBrief = (id: string, refreshMs?: number) =>
  useQuery<Brief>(`brief/${id}`, () => get<Brief>(`/briefs/${id}`), { refreshMs });
export const useStrategy = (id: string | null, version?: number) =>
  useQuery<Strategy>(id ? `strategy/${id}/${version ?? "current"}` : null, () => get<Strategy>(`/strategies/${id}`, { version }));
export const useDeployments = (strategyId: string) =>
  useQuery<Deployment[]>(`deployments/${strategyId}`, () => get<Deployment[]>(`/strategies/${strategyId}/deployments`));
export const useDeployment = (id: string | null, refreshMs?: number) =>
  useQuery<Deployment>(id ? `deployment/${id}` : null, () => get<Deployment>(`/deployments/${id}`), { refreshMs });
export const useCampaigns = (projectId: string, refreshMs?: number) =>
  useQuery<Campaign[]>(`campaigns/${projectId}`, () => get<Campaign[]>("/campaigns", { project_id: projectId }), { refreshMs });

export interface Range {
  from: string; // ISO datetime
  to: string;
}

export const useSummary = (projectId: string, range: Range) =>
  useQuery<Summary>(`analytics/summary/${projectId}/${range.from}/${range.to}`, () =>
    get<Summary>("/analytics/summary", { project_id: projectId, from: range.from, to: range.to }),
  );
export const useTimeseries = (projectId: string, range: Range, granularity: "hour" | "day") =>
  useQuery<Timeseries>(`analytics/timeseries/${projectId}/${granularity}/${range.from}/${range.to}`, () =>
    get<Timeseries>("/analytics/timeseries", { project_id: projectId, granularity, from: range.from, to: range.to }),
  );
export const useAnomalies = (projectId: string) =>
  useQuery<Anomaly[]>(`analytics/anomalies/${projectId}`, () =>
    get<Anomaly[]>("/analytics/anomalies", { project_id: projectId, limit: 20 }),
  );
export const useRecommendations = (projectId: string) =>
  useQuery<Recommendation[]>(`recommendations/${projectId}`, () =>
    get<Recommendation[]>("/recommendations", { project_id: projectId, limit: 200 }),
  );
export const useAutopilot = (projectId: string) =>
  useQuery<Autopilot>(`autopilot/${projectId}`, () => get<Autopilot>(`/projects/${projectId}/autopilot`));
export const useNotifications = () =>
  useQuery<{ items: Notification[]; unread_count: number }>("notifications", () => get("/notifications", { limit: 100 }));
export const useAssets = (projectId: string) =>
  useQuery<Asset[]>(`assets/${projectId}`, () => get<Asset[]>(`/projects/${projectId}/assets`));
export const useMembers = (orgId: string | null) =>
  useQuery<Member[]>(orgId ? `members/${orgId}` : null, () => get<Member[]>(`/organizations/${orgId}/members`));
export const useApiKeys = (enabled: boolean) => useQuery<ApiKey[]>(enabled ? "apikeys" : null, () => get<ApiKey[]>("/api-keys"));
