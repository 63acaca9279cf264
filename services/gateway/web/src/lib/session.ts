// The signed-in session: tokens and the chosen organization, kept in localStorage so a reload keeps
// the marketer signed in. A small external store (useSyncExternalStore) instead of a context library.
import { useSyncExternalStore } from "react";

export interface SessionState {
  accessToken: string;
  refreshToken: string;
  organizationId: string | null;
  email: string | null;
}

const KEY = "zamc.session";
let state: SessionState | null = load();
const listeners = new Set<() => void>();

function load(): SessionState | null {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    return raw ? (JSON.parse(raw) as SessionState) : null;
  } catch {
    return null;
  }
}

function save(): void {
  try {
    if (state) localStorage.setItem(KEY, JSON.stringify(state));
    else localStorage.removeItem(KEY);
  } catch {
    // private mode: the session lives in memory only
  }
}

export function getSession(): SessionState | null {
  return state;
}

export function setSession(next: SessionState | null): void {
  state = next;
  save();
  listeners.forEach((listener) => listener());
}

export function updateSession(patch: Partial<SessionState>): void {
  if (state) setSession({ ...state, ...patch });
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): SessionState | null {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}
