import { z } from 'zod';
import { alertEvidenceKinds } from '@vigil/config';

/**
 * Go's `time.Time` JSON: RFC 3339 with optional fraction (up to nanoseconds) and `Z` or an offset.
 * Parsed here rather than by `Date.parse`, which is not specified for 9 fractional digits.
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const ms = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const t = Date.parse(`${m[1]}.${ms}${m[3]}`);
  return Number.isNaN(t) ? undefined : t;
}

const timestamp = z.string().refine((s) => parseRfc3339(s) !== undefined, 'not an RFC 3339 timestamp');
const labelMap = z.record(z.string(), z.string());

export const alertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: timestamp,
  endsAt: timestamp,
  generatorURL: z.string().default(''),
  fingerprint: z.string().regex(/^[0-9a-f]{1,32}$/i, 'hex fingerprint'),
});

/**
 * Alertmanager's webhook body, version 4 (alerting.md §1.2). Required fields are checked strictly;
 * keys added by later releases (`notification_reason` 0.32, `routeLabels` 0.34) are ignored.
 */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelMap,
  commonLabels: labelMap,
  commonAnnotations: labelMap,
  externalURL: z.string(),
  alerts: z.array(alertmanagerAlertSchema).min(1),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;
export type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

/** For sources other than Alertmanager: one signal about one Nova service host. */
export const genericAlertSchema = z
  .object({
    /** Nova service host name (aliases apply). */
    host: z.string().min(1).max(255),
    kind: z.enum(alertEvidenceKinds),
    state: z.enum(['firing', 'resolved']),
    /** Who says so (free text, logged and passed on). Default `generic`. */
    source: z.string().min(1).max(255).optional(),
    /** Sender's id of this occurrence; a repeated (id, state) is a duplicate. Without it nothing is deduplicated. */
    id: z.string().min(1).max(255).optional(),
  })
  .strict();
export type GenericAlert = z.infer<typeof genericAlertSchema>;

/** One stable line per kind of problem (path + message), so a misconfigured sender logs once, not per request. */
export function describeProblem(error: z.ZodError): string {
  const lines = error.issues.map(
    (i) =>
      `${i.path.map((p) => (typeof p === 'number' ? '[]' : String(p))).join('.') || '(body)'}: ${i.message}`,
  );
  return [...new Set(lines)].sort().join('; ');
}
