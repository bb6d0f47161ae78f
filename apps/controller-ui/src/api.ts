/** The page's only door to the controller: same-origin, cookie session, CSRF header on every change. */
import type { Fleet } from '../../controller/src/operator-view/fleet';

export type { Fleet, FleetHost } from '../../controller/src/operator-view/fleet';

export interface Session {
  user: string;
  project: string;
  roles: string[];
  admin: boolean;
  csrfToken: string;
  expiresAt: string | null;
}

export interface Incident {
  id: string;
  type: string;
  host: string;
  status: string;
  phase: string;
  /** Where a run in error or failed would resume: `fencing` (or `received`) = the host is not yet known off. */
  resumePhase?: string;
  reason?: string;
  segmentId?: string;
  fence?: { mode: string; at: string; detail: string };
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

export interface IncidentDetail extends Incident {
  timeline: Array<{ at: string; step: string; message: string; instanceId?: string }>;
  moves: Array<{
    instanceId: string;
    instanceName: string;
    status: string;
    destHost: string | null;
    startedAt: string | null;
    endedAt: string | null;
    message: string | null;
  }>;
}

export interface HostState {
  host: string;
  state: string;
  since: number;
  timeline: Array<{
    at: number;
    from: string;
    to: string;
    reason: string;
    evidence: Record<string, unknown>;
  }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onUnauthorized: () => void = () => undefined;

export function useSession(session: Session | null, unauthorized: () => void): void {
  csrfToken = session?.csrfToken ?? '';
  onUnauthorized = unauthorized;
}

/** Masakari's and Vigil's error bodies: `{"<name>": {"message": ...}}`. */
function messageOf(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    for (const v of Object.values(body as Record<string, unknown>))
      if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string')
        return (v as { message: string }).message;
  }
  return `The controller answered ${status}.`;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (path.startsWith('/v1/')) headers['OpenStack-API-Version'] = 'instance-ha 1.3';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.status === 401 && !path.endsWith('/ui/api/session')) onUnauthorized();
  if (!res.ok) throw new ApiError(res.status, messageOf(parsed, res.status));
  return parsed as T;
}

export const api = {
  session: () => call<{ session: Session }>('GET', '/ui/api/session'),
  signIn: (body: Record<string, string>) => call<{ session: Session }>('POST', '/ui/api/session', body),
  signOut: () => call<void>('DELETE', '/ui/api/session'),
  fleet: () => call<{ fleet: Fleet }>('GET', '/ui/api/fleet'),
  incidents: () => call<{ incidents: Incident[] }>('GET', '/vigil/v1/incidents?limit=50'),
  incident: (id: string) =>
    call<{ incident: IncidentDetail }>('GET', `/vigil/v1/incidents/${encodeURIComponent(id)}`),
  hostState: (host: string) =>
    call<{ host_state: HostState }>('GET', `/vigil/v1/hosts/${encodeURIComponent(host)}/state`),
  releaseGuard: (scope: string, reason: string) =>
    call<unknown>('POST', '/vigil/v1/storm-guard/release', { scope, reason }),
  pinGuard: (scope: string, pinned: boolean, reason: string) =>
    call<unknown>('POST', '/vigil/v1/storm-guard/pin', { scope, pinned, reason }),
  incidentAction: (id: string, action: 'retry' | 'abort' | 'confirm-fenced', reason: string) =>
    call<unknown>('POST', `/vigil/v1/incidents/${encodeURIComponent(id)}/${action}`, { reason }),
  reinstate: (host: string, reason: string) =>
    call<unknown>('POST', `/vigil/v1/hosts/${encodeURIComponent(host)}/reinstate`, { reason }),
  maintenance: (segment: string, hostUuid: string, on: boolean) =>
    call<unknown>(
      'PUT',
      `/v1/segments/${encodeURIComponent(segment)}/hosts/${encodeURIComponent(hostUuid)}`,
      { host: { on_maintenance: on } },
    ),
};
