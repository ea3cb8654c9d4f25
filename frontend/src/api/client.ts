// The one way the UI talks to the API: JSON in and out, the credential on
// every request, and every failure turned into an `ApiError` that carries
// the server's problem+json (so pages can say what went wrong).
import type { Problem } from "./types";

/** Supplies the bearer token (Clerk's session), or null under the dev bypass. */
export type TokenSource = () => Promise<string | null>;

let tokenSource: TokenSource = async () => null;
let tenantId: string | null = null;

export function setTokenSource(source: TokenSource) {
  tokenSource = source;
}

/** The workspace requests act in (`X-Ancre-Tenant`); null: the server's choice (the first membership). */
export function setTenant(id: string | null) {
  tenantId = id;
}

export async function authHeaders(): Promise<Record<string, string>> {
  const token = await tokenSource();
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (tenantId) headers["X-Ancre-Tenant"] = tenantId;
  return headers;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
  }

  /** The last path segment of the problem type: `quota-exceeded`, `validation`, `not-found`… */
  get kind(): string {
    return this.problem.type.split("/").pop() ?? "";
  }
}

/** A problem for a response that did not bring one (a proxy's HTML page, a dropped connection). */
export function problemFrom(status: number, body: string): Problem {
  try {
    const parsed = JSON.parse(body) as Partial<Problem>;
    if (parsed && typeof parsed === "object" && typeof parsed.title === "string") {
      return { type: "about:blank", detail: "", status, ...parsed } as Problem;
    }
  } catch {
    // not JSON: fall through
  }
  return {
    type: status === 0 ? "network" : "about:blank",
    title: status === 0 ? "Network error" : `HTTP ${status}`,
    status,
    detail: body.slice(0, 300),
  };
}

export async function toApiError(response: Response): Promise<ApiError> {
  return new ApiError(problemFrom(response.status, await response.text()));
}

/** Fetch under `/api/v1`; a network failure becomes an `ApiError` with status 0. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { ...(await authHeaders()), ...(init.headers as Record<string, string>) };
  try {
    return await fetch(`/api/v1${path}`, { ...init, headers });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(problemFrom(0, String(e)));
  }
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, "Content-Type": "application/json" };
  }
  const response = await apiFetch(path, init);
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string) => json<T>("GET", path),
  post: <T>(path: string, body?: unknown) => json<T>("POST", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => json<T>("PATCH", path, body),
  put: <T>(path: string, body: unknown) => json<T>("PUT", path, body),
  delete: (path: string) => json<void>("DELETE", path),
};
