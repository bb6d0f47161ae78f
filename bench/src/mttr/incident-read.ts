import { z } from 'zod';
import { toMs } from '../../../apps/cloud-sim/src/demo/timeline';
import { type BenchApi } from '../support/api-client';

const progressSchema = z.object({ timestamp: z.union([z.string(), z.number()]), message: z.string() });
const notificationSchema = z.object({
  notification_uuid: z.string(),
  type: z.string(),
  status: z.string(),
  source_host_uuid: z.string().nullable().optional(),
  recovery_workflow_details: z
    .array(
      z.object({
        name: z.string(),
        state: z.string(),
        progress_details: z.array(progressSchema).default([]),
      }),
    )
    .optional(),
});
const listSchema = z.object({ notifications: z.array(notificationSchema) });
const oneSchema = z.object({ notification: notificationSchema });

/** What the controller recorded about one failed host, as absolute times (ms since epoch). */
export interface HostIncidentTimes {
  state: string | undefined;
  note: string | undefined;
  suspectAtMs: number | undefined;
  failedAtMs: number | undefined;
  notificationUuid: string | undefined;
  notificationStatus: string | undefined;
  /** Last progress entry of `FenceHostTask` (power off, read back Off through the BMC). */
  fencedAtMs: number | undefined;
  /** Last progress entry of `IsolateHostTask` (force-down, then disable + maintenance). */
  isolatedAtMs: number | undefined;
}

/** COMPUTE_HOST notifications by source host uuid (the controller opens one per confirmed failure). */
export async function hostNotifications(api: BenchApi): Promise<Map<string, string>> {
  const { notifications } = listSchema.parse(await api.call('GET', '/v1/notifications'));
  const byHost = new Map<string, string>();
  for (const n of notifications)
    if (n.type === 'COMPUTE_HOST' && n.source_host_uuid) byHost.set(n.source_host_uuid, n.notification_uuid);
  return byHost;
}

/** Reads the detection timeline and the incident's workflow details of `host` once; times are the controller's own. */
export async function readHostIncident(
  api: BenchApi,
  host: string,
  notificationUuid: string | undefined,
): Promise<HostIncidentTimes> {
  const state = await api.hostState(host);
  const firstTo = (to: string): number | undefined => state?.timeline.find((e) => e.to === to)?.at;
  const times: HostIncidentTimes = {
    state: state?.state,
    note: state?.note,
    suspectAtMs: firstTo('suspect'),
    failedAtMs: firstTo('failed'),
    notificationUuid,
    notificationStatus: undefined,
    fencedAtMs: undefined,
    isolatedAtMs: undefined,
  };
  if (!notificationUuid) return times;
  const { notification } = oneSchema.parse(await api.call('GET', `/v1/notifications/${notificationUuid}`));
  times.notificationStatus = notification.status;
  const lastOf = (task: string): number | undefined => {
    const at = (notification.recovery_workflow_details ?? [])
      .filter((s) => s.name === task)
      .flatMap((s) => s.progress_details.map((p) => toMs(p.timestamp)))
      .filter((t): t is number => t !== undefined);
    return at.length === 0 ? undefined : Math.max(...at);
  };
  times.fencedAtMs = lastOf('FenceHostTask');
  times.isolatedAtMs = lastOf('IsolateHostTask');
  return times;
}
