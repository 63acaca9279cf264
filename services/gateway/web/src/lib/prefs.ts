// Small preferences kept in the browser: theme, last project, chosen ad accounts.
import { useSyncExternalStore } from "react";

export type Theme = "light" | "dark" | "system";

function read<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage unavailable
  }
}

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => void listeners.delete(l);
};

export function getTheme(): Theme {
  return read<Theme>("zamc.theme", "system");
}

export function applyTheme(theme: Theme = getTheme()): void {
  const dark = theme === "dark" || (theme === "system" && matchMedia?.("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  document.querySelector('meta[name="theme-color"]')?.setAttribute("content", dark ? "#0f172a" : "#ffffff");
}

export function setTheme(theme: Theme): void {
  write("zamc.theme", theme);
  applyTheme(theme);
  notify();
}

export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, getTheme, getTheme);
}

let lastProject = read<string | null>("zamc.project", null);

export function getLastProject(): string | null {
  return lastProject;
}

export function setLastProject(id: string | null): void {
  if (id === lastProject) return;
  lastProject = id;
  write("zamc.project", id);
  notify();
}

export function useLastProject(): string | null {
  return useSyncExternalStore(subscribe, getLastProject, getLastProject);
}

/** The ad account a marketer picked per platform (the onboarding account picker). */
export function getChosenAccounts(orgId: string | null): Record<string, string> {
  return read<Record<string, string>>(`zamc.accounts.${orgId ?? "-"}`, {});
}

export function setChosenAccount(orgId: string | null, platform: string, externalId: string): void {
  write(`zamc.accounts.${orgId ?? "-"}`, { ...getChosenAccounts(orgId), [platform]: externalId });
  notify();
}
