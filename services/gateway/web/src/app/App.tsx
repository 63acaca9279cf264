// Routes, the signed-in shell (navigation, notifications, live status, theme) and code splitting:
// every screen is its own chunk, loaded when first visited.
import { type ComponentType, type LazyExoticComponent, Suspense, lazy, useEffect, useRef } from "react";
import { matchPath, navigate, useLocation } from "../lib/router";
import { useSession, updateSession } from "../lib/session";
import { startStream } from "../lib/stream";
import { useMe, useProjects } from "../lib/queries";
import { getLastProject, setLastProject } from "../lib/prefs";
import { ErrorState, Loading, Toasts } from "../ui/ui";
import { Shell } from "./Shell";
import { ErrorBoundary } from "./ErrorBoundary";

type Page = LazyExoticComponent<ComponentType<{ params: Record<string, string> }>>;

const Login = lazy(() => import("../pages/auth/Login"));
const Signup = lazy(() => import("../pages/auth/Signup"));
const Onboarding = lazy(() => import("../pages/onboarding/Onboarding"));
const ConnectDone = lazy(() => import("../pages/onboarding/ConnectDone"));
const Projects = lazy(() => import("../pages/projects/Projects"));
const Briefs = lazy(() => import("../pages/briefs/Briefs"));
const NewBrief = lazy(() => import("../pages/briefs/NewBrief"));
const BriefProgress = lazy(() => import("../pages/briefs/BriefProgress"));
const StrategyReview = lazy(() => import("../pages/strategy/StrategyReview"));
const Campaigns = lazy(() => import("../pages/campaigns/Campaigns"));
const Dashboard = lazy(() => import("../pages/analytics/Dashboard"));
const Recommendations = lazy(() => import("../pages/recommendations/Recommendations"));
const Assets = lazy(() => import("../pages/assets/Assets"));
const Notifications = lazy(() => import("../pages/notifications/Notifications"));
const Settings = lazy(() => import("../pages/settings/Settings"));
const NotFound = lazy(() => import("../pages/NotFound"));

interface Route {
  path: string;
  page: Page;
  title: string;
  public?: boolean;
  bare?: boolean; // no navigation shell (auth, onboarding)
}

export const ROUTES: Route[] = [
  { path: "/login", page: Login, title: "Sign in", public: true, bare: true },
  { path: "/signup", page: Signup, title: "Create your account", public: true, bare: true },
  { path: "/onboarding", page: Onboarding, title: "Get started", bare: true },
  { path: "/connect/done", page: ConnectDone, title: "Connecting", bare: true },
  { path: "/projects", page: Projects, title: "Projects" },
  { path: "/projects/:projectId/dashboard", page: Dashboard, title: "Dashboard" },
  { path: "/projects/:projectId/briefs", page: Briefs, title: "Briefs and strategies" },
  { path: "/projects/:projectId/briefs/new", page: NewBrief, title: "New brief" },
  { path: "/projects/:projectId/campaigns", page: Campaigns, title: "Campaigns" },
  { path: "/projects/:projectId/recommendations", page: Recommendations, title: "Recommendations" },
  { path: "/projects/:projectId/assets", page: Assets, title: "Assets" },
  { path: "/briefs/:briefId", page: BriefProgress, title: "Generating your strategy" },
  { path: "/strategies/:strategyId", page: StrategyReview, title: "Strategy review" },
  { path: "/notifications", page: Notifications, title: "Notifications" },
  { path: "/settings", page: Settings, title: "Settings" },
  { path: "/settings/:tab", page: Settings, title: "Settings" },
];

function resolve(path: string): { route: Route | null; params: Record<string, string> } {
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return { route: null, params: {} };
}

/** "/": send the marketer where they can work (the wizard when there is no project yet). */
function Home() {
  const projects = useProjects();
  useEffect(() => {
    const list = projects.data;
    if (!list) return;
    if (!list.length) navigate("/onboarding", { replace: true });
    else {
      const last = getLastProject();
      const id = list.some((p) => p.id === last) ? last : list[0].id;
      navigate(`/projects/${id}/dashboard`, { replace: true });
    }
  }, [projects.data]);
  if (projects.error) return <ErrorState error={projects.error} retry={() => void projects.refetch()} />;
  return <Loading what="Opening ZAMC" />;
}

function Authenticated({ children }: { children: React.ReactNode }) {
  const session = useSession();
  const me = useMe(Boolean(session));
  useEffect(() => {
    if (!session) return;
    startStream();
  }, [session]);
  useEffect(() => {
    const orgs = me.data?.organizations ?? [];
    if (session && orgs.length && !orgs.some((o) => o.id === session.organizationId)) updateSession({ organizationId: orgs[0].id });
  }, [me.data, session]);
  return <>{children}</>;
}

export default function App() {
  const { path, search } = useLocation();
  const session = useSession();
  const mainRef = useRef<HTMLElement>(null);
  const { route, params } = resolve(path);

  useEffect(() => {
    document.title = route ? `${route.title} · ZAMC` : "ZAMC";
    // move focus to the new page so screen readers announce it (not on the first load)
    mainRef.current?.focus({ preventScroll: true });
  }, [path, route]);

  useEffect(() => {
    if (params.projectId) setLastProject(params.projectId);
  }, [params.projectId]);

  const projectRoot = matchPath("/projects/:projectId", path);
  useEffect(() => {
    if (projectRoot) navigate(`/projects/${projectRoot.projectId}/dashboard`, { replace: true });
  }, [projectRoot?.projectId]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!session && !route?.public) {
    const next = path === "/" ? "" : `?next=${encodeURIComponent(path + search)}`;
    queueMicrotask(() => navigate(`/login${next}`, { replace: true }));
    return <Loading what="Opening ZAMC" />;
  }

  let content: React.ReactNode;
  if (path === "/" || projectRoot) content = <Home />;
  else if (route) {
    const PageComponent = route.page;
    content = <PageComponent params={params} />;
  } else content = <NotFound />;

  const page = (
    <ErrorBoundary key={path}>
      <Suspense fallback={<Loading what="Loading" />}>{content}</Suspense>
    </ErrorBoundary>
  );

  if (route?.public || route?.bare) {
    return (
      <>
        <main id="main" ref={mainRef} tabIndex={-1} className="bare-main">
          {session && !route.public ? <Authenticated>{page}</Authenticated> : page}
        </main>
        <Toasts />
      </>
    );
  }
  return (
    <Authenticated>
      <Shell projectId={params.projectId ?? null} mainRef={mainRef}>
        {page}
      </Shell>
      <Toasts />
    </Authenticated>
  );
}
