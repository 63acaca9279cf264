// Live updates: `GET /api/v1/stream` server-sent events, read with fetch (EventSource cannot send the
// Authorization header). Each event re-reads what it changed; after a (re)connect or a `resync` every
// shown resource is re-read, since live events are hints and nothing is replayed.
import { useSyncExternalStore } from "react";
import { API, authHeaders, send } from "./api";
import { invalidate } from "./store";

export interface LiveEvent {
  topic: string;
  id?: string;
  data: Record<string, unknown>;
}

export type StreamStatus = "off" | "connecting" | "live" | "reconnecting";

type Handler = (event: LiveEvent) => void;
const handlers = new Set<Handler>();
const statusListeners = new Set<() => void>();
let status: StreamStatus = "off";
let controller: AbortController | null = null;

function setStatus(next: StreamStatus): void {
  status = next;
  statusListeners.forEach((l) => l());
}

export function useStreamStatus(): StreamStatus {
  return useSyncExternalStore(
    (l) => {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
    () => status,
    () => status,
  );
}

/** Listen to live events (returns the unsubscribe function). */
export function onLive(handler: Handler): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

// What each topic makes stale (query key prefixes, see the pages' useQuery keys).
const STALE: Record<string, string[]> = {
  "brief.progress": ["brief/"],
  "brief.status": ["brief/", "briefs/", "strategy/"],
  "strategy.changed": ["strategy/"],
  "deployment.status": ["deployment/", "deployments/", "campaigns/"],
  "campaign.changed": ["campaigns/"],
  "metrics.updated": ["analytics/"],
  "anomaly.detected": ["analytics/anomalies", "notifications"],
  "recommendation.changed": ["recommendations/", "autopilot/"],
  "notification.created": ["notifications"],
  "notification.read": ["notifications"],
  "asset.changed": ["assets/", "asset/"],
  "connection.changed": ["connections"],
};

let metricsTimer: ReturnType<typeof setTimeout> | null = null;

export function dispatch(event: LiveEvent): void {
  handlers.forEach((h) => h(event));
  const stale = STALE[event.topic];
  if (!stale) return;
  if (event.topic === "metrics.updated") {
    // a burst of rollups re-reads the dashboard once
    metricsTimer ??= setTimeout(() => {
      metricsTimer = null;
      invalidate(...stale);
    }, 750);
    return;
  }
  invalidate(...stale);
}

/** Split an SSE byte stream into events (per the HTML living standard's parsing rules). */
export function parseSse(buffer: string): { events: LiveEvent[]; rest: string } {
  const events: LiveEvent[] = [];
  const blocks = buffer.replace(/\r\n?/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let topic = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") topic = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
    if (!data.length) continue;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(data.join("\n"));
    } catch {
      continue;
    }
    const payload = (parsed.data && typeof parsed.data === "object" ? parsed.data : parsed) as Record<string, unknown>;
    events.push({ topic, id, data: payload });
  }
  return { events, rest };
}

async function runOnce(signal: AbortSignal): Promise<void> {
  // `send` refreshes an expired access token and ends the session on a final 401.
  const response = await send("GET", "/stream", { headers: { Accept: "text/event-stream" }, signal });
  if (!response.body) throw new Error("no stream body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    const { events, rest } = parseSse(buffer);
    buffer = rest;
    for (const event of events) {
      if (event.topic === "ready") {
        setStatus("live");
        invalidate(""); // re-read everything on screen: we may have missed changes
      } else if (event.topic === "resync") {
        invalidate("");
        return;
      } else dispatch(event);
    }
  }
}

export function startStream(): void {
  if (controller) return;
  controller = new AbortController();
  const signal = controller.signal;
  setStatus("connecting");
  void (async () => {
    let delay = 1000;
    while (!signal.aborted) {
      try {
        await runOnce(signal);
        delay = 1000;
      } catch {
        if (signal.aborted) break;
      }
      if (signal.aborted) break;
      setStatus("reconnecting");
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  })();
}

export function stopStream(): void {
  controller?.abort();
  controller = null;
  setStatus("off");
}

// keep the import of API/authHeaders meaningful for callers that build their own stream URL
export const STREAM_URL = `${API}/stream`;
export { authHeaders };
