// A tiny query cache: one entry per key, shared by every component showing it; `invalidate(prefix)`
// re-reads what is on screen (used by the live stream) and forgets what is not.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { ApiError } from "./api";

interface Entry {
  data?: unknown;
  error?: unknown;
  loading: boolean;
  fetcher: () => Promise<unknown>;
  listeners: Set<() => void>;
  generation: number;
  updatedAt: number;
  snapshot: Snapshot<unknown>;
}

export interface Snapshot<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  updatedAt: number;
}

const cache = new Map<string, Entry>();
const EMPTY: Snapshot<never> = { data: undefined, error: undefined, loading: false, updatedAt: 0 };

function publish(entry: Entry): void {
  entry.snapshot = { data: entry.data, error: entry.error, loading: entry.loading, updatedAt: entry.updatedAt };
  entry.listeners.forEach((listener) => listener());
}

function load(key: string, entry: Entry): Promise<void> {
  const generation = ++entry.generation;
  entry.loading = true;
  publish(entry);
  return entry.fetcher().then(
    (data) => {
      if (generation !== entry.generation || cache.get(key) !== entry) return;
      entry.data = data;
      entry.error = undefined;
      entry.loading = false;
      entry.updatedAt = Date.now();
      publish(entry);
    },
    (error) => {
      if (generation !== entry.generation || cache.get(key) !== entry) return;
      entry.error = error;
      entry.loading = false;
      publish(entry);
    },
  );
}

function entryFor(key: string, fetcher: () => Promise<unknown>): Entry {
  let entry = cache.get(key);
  if (!entry) {
    entry = { loading: false, fetcher, listeners: new Set(), generation: 0, updatedAt: 0, snapshot: EMPTY };
    cache.set(key, entry);
  }
  entry.fetcher = fetcher;
  return entry;
}

export interface Query<T> extends Snapshot<T> {
  refetch: () => Promise<void>;
}

/** Read `key` with `fetcher` (null key: nothing to read yet). Keeps showing old data while re-reading. */
export function useQuery<T>(key: string | null, fetcher: () => Promise<T>, options: { refreshMs?: number } = {}): Query<T> {
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const subscribe = useCallback(
    (listener: () => void) => {
      if (!key) return () => undefined;
      const entry = entryFor(key, () => fetcherRef.current());
      entry.listeners.add(listener);
      if (!entry.loading && (entry.updatedAt === 0 || entry.error !== undefined) && entry.generation === 0) void load(key, entry);
      return () => entry.listeners.delete(listener);
    },
    [key],
  );
  const getSnapshot = useCallback(() => (key ? ((cache.get(key)?.snapshot as Snapshot<T>) ?? { ...EMPTY, loading: true }) : EMPTY), [key]);
  const snapshot = useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
  const refetch = useCallback(async () => {
    if (key)
      await load(
        key,
        entryFor(key, () => fetcherRef.current()),
      );
  }, [key]);
  useEffect(() => {
    if (!key || !options.refreshMs) return;
    const timer = setInterval(() => {
      const entry = cache.get(key);
      if (entry && !entry.loading && document.visibilityState !== "hidden") void load(key, entry);
    }, options.refreshMs);
    return () => clearInterval(timer);
  }, [key, options.refreshMs]);
  return { ...snapshot, loading: snapshot.loading || (key !== null && snapshot.updatedAt === 0 && !snapshot.error), refetch };
}

/** Re-read every shown key starting with one of `prefixes`; forget the hidden ones. */
export function invalidate(...prefixes: string[]): void {
  for (const [key, entry] of [...cache.entries()]) {
    if (!prefixes.some((p) => key.startsWith(p))) continue;
    if (entry.listeners.size) void load(key, entry);
    else cache.delete(key);
  }
}

/** Replace a cached value (an answer that already holds the new state). */
export function setQueryData<T>(key: string, update: (current: T | undefined) => T): void {
  const entry = cache.get(key);
  if (!entry) return;
  entry.data = update(entry.data as T | undefined);
  entry.updatedAt = Date.now();
  publish(entry);
}

export function clearCache(): void {
  cache.clear();
}

/** An action (a POST, a PATCH) with its pending state and error. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const ref = useRef(action);
  ref.current = action;
  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    setPending(true);
    setError(undefined);
    try {
      return await ref.current(...args);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { run, pending, error, setError, apiError: error instanceof ApiError ? error : undefined };
}
