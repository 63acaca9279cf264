import { type ReactNode, type RefObject, useEffect, useState } from "react";
import { signOut } from "../lib/auth";
import { type Theme, setTheme, useLastProject, useTheme } from "../lib/prefs";
import { useNotifications, useProjects } from "../lib/queries";
import { Link, navigate, useLocation } from "../lib/router";
import { useSession } from "../lib/session";
import { useStreamStatus } from "../lib/stream";
import { cx } from "../ui/ui";

const THEME_NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const THEME_WORDS: Record<Theme, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

function LiveIndicator() {
  const status = useStreamStatus();
  const words = { off: "Offline", connecting: "Connecting", live: "Live", reconnecting: "Reconnecting" }[status];
  return (
    <span
      className={cx("live", `live-${status}`)}
      title={status === "live" ? "Updates arrive as they happen" : "Live updates paused; retrying"}
    >
      <span className="live-dot" aria-hidden="true" />
      {words}
    </span>
  );
}

function Bell() {
  const notifications = useNotifications();
  const unread = notifications.data?.unread_count ?? 0;
  return (
    <Link to="/notifications" className="icon-link" aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}>
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      {unread > 0 && (
        <span className="bell-count" data-testid="unread-count">
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </Link>
  );
}

export function Shell({
  projectId,
  mainRef,
  children,
}: {
  projectId: string | null;
  mainRef: RefObject<HTMLElement | null>;
  children: ReactNode;
}) {
  const { path } = useLocation();
  const session = useSession();
  const theme = useTheme();
  const last = useLastProject();
  const projects = useProjects();
  const [menuOpen, setMenuOpen] = useState(false);
  const list = projects.data ?? [];
  const current = projectId ?? (last && list.some((p) => p.id === last) ? last : (list[0]?.id ?? null));

  useEffect(() => setMenuOpen(false), [path]);

  const projectNav = current
    ? [
        { to: `/projects/${current}/dashboard`, label: "Dashboard" },
        { to: `/projects/${current}/briefs`, label: "Briefs & strategies" },
        { to: `/projects/${current}/campaigns`, label: "Campaigns" },
        { to: `/projects/${current}/recommendations`, label: "Recommendations" },
        { to: `/projects/${current}/assets`, label: "Assets" },
      ]
    : [];
  const globalNav = [
    { to: "/projects", label: "Projects" },
    { to: "/notifications", label: "Notifications" },
    { to: "/settings", label: "Settings" },
  ];
  const isActive = (to: string) => path === to || (to !== "/projects" && path.startsWith(`${to}/`));

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">Menu</span>
        </button>
        <Link to="/projects" className="brand" aria-label="ZAMC home">
          <img src="/icon.svg" alt="" width="28" height="28" />
          <span>ZAMC</span>
        </Link>
        {list.length > 0 && (
          <label className="project-switch">
            <span className="visually-hidden">Project</span>
            <select
              value={current ?? ""}
              onChange={(e) => {
                const rest = projectId ? path.split("/").slice(3).join("/") : "dashboard";
                navigate(`/projects/${e.target.value}/${rest.startsWith("briefs/new") ? "briefs/new" : rest.split("/")[0] || "dashboard"}`);
              }}
            >
              {list.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <div className="topbar-end">
          <LiveIndicator />
          <button
            type="button"
            className="icon-link theme-toggle"
            onClick={() => setTheme(THEME_NEXT[theme])}
            aria-label={`${THEME_WORDS[theme]}. Switch theme`}
            title={THEME_WORDS[theme]}
          >
            <span aria-hidden="true">{theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐"}</span>
          </button>
          <Bell />
        </div>
      </header>
      <nav id="sidebar" className={cx("sidebar", menuOpen && "sidebar-open")} aria-label="Main">
        {projectNav.length > 0 && (
          <>
            <p className="nav-heading">{list.find((p) => p.id === current)?.name ?? "Project"}</p>
            <ul>
              {projectNav.map((item) => (
                <li key={item.to}>
                  <Link
                    to={item.to}
                    className={cx("nav-link", isActive(item.to) && "nav-active")}
                    aria-current={isActive(item.to) ? "page" : undefined}
                  >
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </>
        )}
        <p className="nav-heading">Workspace</p>
        <ul>
          {globalNav.map((item) => (
            <li key={item.to}>
              <Link
                to={item.to}
                className={cx("nav-link", isActive(item.to) && "nav-active")}
                aria-current={isActive(item.to) ? "page" : undefined}
              >
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="sidebar-footer">
          <p className="muted small">{session?.email}</p>
          <button
            type="button"
            className="btn btn-ghost btn-small"
            onClick={async () => {
              await signOut();
              navigate("/login");
            }}
          >
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1} className="main">
        {children}
      </main>
    </div>
  );
}
