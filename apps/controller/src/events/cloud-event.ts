import { createHmac, randomUUID } from 'node:crypto';
import { backoffMs } from '@vigil/contracts';

/** Incident and host lifecycle events other modules publish; the CloudEvents `type` is `io.vigil.<type>`. */
export type IncidentEventType =
  | 'incident.opened'
  | 'incident.fencing'
  | 'incident.fenced'
  | 'incident.fencing-failed'
  | 'incident.evacuating'
  | 'incident.recovered'
  | 'incident.error'
  | 'incident.failed'
  | 'host.reinstated'
  /** A reinstate was accepted for a host whose return is risky (e.g. resume_guests_state_on_host_boot on). */
  | 'host.zombie-risk'
  /** Proactive quarantine: a degraded host disabled (and drained), a drain finished, refused by the storm limits, cancelled. */
  | 'host.quarantined'
  | 'host.drained'
  | 'quarantine.limited'
  | 'host.quarantine-cancelled'
  /** An outside COMPUTE_HOST notification about a host Vigil sees alive: accepted, then ignored. */
  | 'notification.ignored'
  | 'storm-guard.engaged'
  | 'storm-guard.released';

export interface IncidentEvent {
  type: IncidentEventType;
  /** Nova service host the event is about (CloudEvents `subject`). */
  host: string;
  incidentId?: string;
  /** Event-specific details; must be JSON-serialisable and hold no secrets. */
  data?: Readonly<Record<string, unknown>>;
  /** When it happened; default now. */
  time?: Date;
}

/** CloudEvents 1.0, structured content mode (JSON). */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';
export const SIGNATURE_HEADER = 'X-Vigil-Signature';
export const TYPE_PREFIX = 'io.vigil.';

export function toCloudEvent(event: IncidentEvent, source: string, id: string = randomUUID()): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source,
    type: `${TYPE_PREFIX}${event.type}`,
    time: (event.time ?? new Date()).toISOString(),
    subject: event.host,
    datacontenttype: 'application/json',
    // Details first, so that `host` and `incidentId` always agree with `subject` and the caller's ids.
    data: {
      ...event.data,
      host: event.host,
      ...(event.incidentId !== undefined ? { incidentId: event.incidentId } : {}),
    },
  };
}

/** `sha256=<hex HMAC-SHA256(secret, body)>` over the exact bytes sent, GitHub-style. */
export function signEventBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether an HTTP status is worth another attempt: server errors, timeouts and throttling. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Delay before attempt `attempt + 1` (attempt counts from 1): base·2^(attempt-1), capped, equal jitter. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return backoffMs(attempt, { baseMs, maxMs, jitter: 'equal' }, random);
}
