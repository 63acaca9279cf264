// The one HTTP client of the console: bearer token, organization header, one transparent refresh on
// 401, RFC 9457 problems turned into ApiError with messages that say what to do.
import { getSession, setSession, updateSession } from "./session";
import type { TokenPair } from "./types";

export const API = "/api/v1";

export interface FieldProblem {
  field: string;
  message: string;
  type?: string;
  limit?: number | string;
  actual?: number | string | null;
}

export class ApiError extends Error {
  status: number;
  title: string;
  detail: string;
  errors: FieldProblem[];
  retryAfter: number | null;

  constructor(status: number, title: string, detail: string, errors: FieldProblem[] = [], retryAfter: number | null = null) {
    super(detail || title);
    this.name = "ApiError";
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
    this.retryAfter = retryAfter;
  }

  /** Field problems keyed by JSON pointer ("/business/name"). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) if (!(e.field in out)) out[e.field] = e.message;
    return out;
  }
}

/** A sentence a marketer can act on, for any error. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return error instanceof Error ? `${error.message}. Try again.` : "Something went wrong. Try again.";
  }
  switch (error.status) {
    case 0:
      return "Cannot reach ZAMC. Check your connection and that the platform is running (make up), then try again.";
    case 401:
      return "Your session has ended. Sign in again to continue.";
    case 403:
      return `${error.detail || "You are not allowed to do this."} Ask an owner or admin of your organization for access.`;
    case 404:
      return `${error.detail || "Not found."} It may have been deleted, or it belongs to another organization.`;
    case 409:
      return `${error.detail || "This changed in the meantime."} Reload to see the latest state, then try again.`;
    case 413:
      return `${error.detail || "That is too large."} Choose a smaller file or shorter text.`;
    case 422: {
      const fields = error.errors.slice(0, 3).map((e) => `${humanField(e.field)}: ${e.message}`);
      return fields.length ? `Please fix: ${fields.join("; ")}.` : `${error.detail} Please correct it and try again.`;
    }
    case 429:
      return `Too many requests. Wait ${error.retryAfter ?? 30} seconds, then try again.`;
    default:
      if (error.status >= 500)
        return "ZAMC had a problem on its side. Try again in a moment; if it keeps happening, check the service logs.";
      return error.detail || error.title;
  }
}

export function humanField(pointer: string): string {
  const last = pointer.split("/").filter(Boolean);
  if (!last.length) return "Request";
  return last
    .filter((p) => !/^\d+$/.test(p))
    .slice(-2)
    .join(" ")
    .replace(/_/g, " ");
}

let refreshing: Promise<boolean> | null = null;

async function refreshTokens(): Promise<boolean> {
  const session = getSession();
  if (!session?.refreshToken) return false;
  refreshing ??= (async () => {
    try {
      const response = await fetch(`${API}/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: session.refreshToken }),
      });
      if (!response.ok) return false;
      const pair = (await response.json()) as TokenPair;
      updateSession({ accessToken: pair.access_token, refreshToken: pair.refresh_token });
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = null), 0);
    }
  })();
  return refreshing;
}

function sessionEnded(): void {
  setSession(null);
  const here = location.pathname + location.search;
  if (!here.startsWith("/login")) {
    history.pushState(null, "", `/login?next=${encodeURIComponent(here)}&expired=1`);
    dispatchEvent(new PopStateEvent("popstate"));
  }
}

export function authHeaders(): Record<string, string> {
  const session = getSession();
  const headers: Record<string, string> = {};
  if (session?.accessToken) headers.Authorization = `Bearer ${session.accessToken}`;
  if (session?.organizationId) headers["X-Organization-Id"] = session.organizationId;
  return headers;
}

async function toError(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy error page)
  }
  const retry = response.headers.get("Retry-After");
  // RFC 9457 problems from the gateway; a plain FastAPI `{"detail": [...]}` from a proxy in between
  const listed = Array.isArray(body.detail)
    ? (body.detail as { loc?: unknown[]; msg?: string }[]).map((d) => ({
        field: "/" + (d.loc ?? []).slice(1).join("/"),
        message: String(d.msg ?? "invalid"),
      }))
    : [];
  return new ApiError(
    response.status,
    String(body.title ?? response.statusText ?? "Error"),
    typeof body.detail === "string" ? body.detail : typeof body.title === "string" ? body.title : "",
    Array.isArray(body.errors) ? (body.errors as FieldProblem[]) : listed,
    retry ? Number(retry) : null,
  );
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  anonymous?: boolean;
}

export function url(path: string, query?: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return `${API}${path}${qs ? `?${qs}` : ""}`;
}

/** Fetch with the session's credentials; one refresh-and-retry on 401. */
export async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const attempt = async () => {
    const headers: Record<string, string> = { Accept: "application/json", ...(options.anonymous ? {} : authHeaders()), ...options.headers };
    let body: BodyInit | undefined;
    if (options.body instanceof FormData) body = options.body;
    else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    try {
      return await fetch(url(path, options.query), { method, headers, body, signal: options.signal });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new ApiError(0, "Network error", "Cannot reach ZAMC.");
    }
  };
  let response = await attempt();
  if (response.status === 401 && !options.anonymous) {
    if (await refreshTokens()) response = await attempt();
    if (response.status === 401) {
      sessionEnded();
      throw await toError(response);
    }
  }
  if (!response.ok) throw await toError(response);
  return response;
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

export const get = <T>(path: string, query?: RequestOptions["query"], signal?: AbortSignal) => api<T>("GET", path, { query, signal });
export const post = <T>(path: string, body?: unknown, options: RequestOptions = {}) => api<T>("POST", path, { ...options, body });
export const patch = <T>(path: string, body?: unknown, options: RequestOptions = {}) => api<T>("PATCH", path, { ...options, body });
export const del = <T>(path: string) => api<T>("DELETE", path);

/** Upload with progress (fetch cannot report upload progress): XMLHttpRequest with the same headers. */
export function upload<T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  const run = () =>
    new Promise<{ status: number; body: string; retry: string | null }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `${API}${path}`);
      for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText, retry: xhr.getResponseHeader("Retry-After") });
      xhr.onerror = () => reject(new ApiError(0, "Network error", "Cannot reach ZAMC."));
      xhr.send(form);
    });
  return (async () => {
    let result = await run();
    if (result.status === 401 && (await refreshTokens())) result = await run();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(result.body);
    } catch {
      // empty
    }
    if (result.status >= 400) {
      throw new ApiError(
        result.status,
        String(body.title ?? "Upload failed"),
        String(body.detail ?? ""),
        Array.isArray(body.errors) ? (body.errors as FieldProblem[]) : [],
        result.retry ? Number(result.retry) : null,
      );
    }
    onProgress(1);
    return body as T;
  })();
}

/** Download an authenticated resource (CSV export) as a file. */
export async function download(path: string, query: RequestOptions["query"], filename: string): Promise<void> {
  const response = await send("GET", path, { query, headers: { Accept: "text/csv" } });
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 1000);
}
