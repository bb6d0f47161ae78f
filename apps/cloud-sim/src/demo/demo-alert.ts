import { createHash, randomBytes } from 'node:crypto';

/**
 * The demo's third input: Alertmanager. The demo plays the part of an Alertmanager whose node_exporter
 * target on the failed host went down, and sends the controller the webhook a real one sends (payload
 * version 4, bearer auth as in deploy/prometheus/alertmanager-receiver.yaml). The controller maps
 * `HostDown` to `host-unreachable` evidence; detection counts it only when it arrives after the host's
 * last heartbeat, so it is sent once the host has been silent for more than a heartbeat interval.
 */

/** A fresh webhook bearer token for this run (the controller's `alerts.auth.bearerToken`, never printed). */
export function demoAlertToken(): string {
  return randomBytes(24).toString('hex');
}

export interface AlertDelivery {
  status: number;
  accepted: number;
  duplicates: number;
  unmapped: number;
}

/** The webhook body Alertmanager sends for one firing `HostDown` alert on `host`'s node_exporter. */
export function hostDownBatch(host: string, startsAtMs: number): Record<string, unknown> {
  const labels = { alertname: 'HostDown', instance: `${host}:9100`, job: 'node', severity: 'critical' };
  const fingerprint = createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16);
  return {
    version: '4',
    // Route key, then the group_by labels the alert has (deploy/prometheus/alertmanager-receiver.yaml).
    groupKey: `{}/{alertname=~"HostDown"}:{alertname="HostDown", instance="${host}:9100"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'vigil',
    groupLabels: { alertname: 'HostDown', instance: labels.instance },
    commonLabels: labels,
    commonAnnotations: { summary: `node_exporter on ${host} is not answering scrapes` },
    externalURL: 'http://alertmanager.demo.invalid:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `node_exporter on ${host} is not answering scrapes` },
        startsAt: new Date(startsAtMs).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.demo.invalid:9090/graph?g0.expr=up%7Bjob%3D%22node%22%7D+%3D%3D+0',
        fingerprint,
      },
    ],
  };
}

/** Posts the batch to the controller's Alertmanager webhook and returns what it answered. */
export async function sendHostDownAlert(options: {
  controllerUrl: string;
  token: string;
  host: string;
  startsAtMs: number;
}): Promise<AlertDelivery> {
  const res = await fetch(`${options.controllerUrl}/v1/webhooks/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
    body: JSON.stringify(hostDownBatch(options.host, options.startsAtMs)),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as Partial<AlertDelivery>;
  return {
    status: res.status,
    accepted: body.accepted ?? 0,
    duplicates: body.duplicates ?? 0,
    unmapped: body.unmapped ?? 0,
  };
}

/** The walk-through's line for a delivery, and whether it is the one the demo expects. */
export function describeDelivery(host: string, d: AlertDelivery): { ok: boolean; text: string } {
  const ok = d.status === 200 && d.accepted === 1;
  const text = ok
    ? `${'alert'.padEnd(10)} Alertmanager HostDown for ${host}: accepted as evidence (webhook 200, bearer auth)`
    : `${'alert'.padEnd(10)} Alertmanager HostDown for ${host}: NOT accepted (webhook ${d.status}, ` +
      `accepted ${d.accepted}, duplicates ${d.duplicates}, unmapped ${d.unmapped})`;
  return { ok, text };
}
