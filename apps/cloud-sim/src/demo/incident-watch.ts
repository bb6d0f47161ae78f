import { displayStatus } from '@vigil/testing';
import { type CloudSim } from '../sim/cloud-sim';
import { type ControllerApi, type NotificationView } from './controller-api';
import { type IncidentSnapshot, timelineLines, TimelinePrinter, toMs } from './timeline';
import { type RecoveryFacts } from './verdict';

const POLL_MS = 250;
const SETTLED = ['finished', 'error', 'failed', 'ignored'];

export interface PlannedInstance {
  id: string;
  name: string;
  status: string;
}

/** The instances a host holds now (what its failure must move). */
export function instancesOn(sim: CloudSim, host: string): PlannedInstance[] {
  return sim.openstack.nova.model
    .servers({ host })
    .map((s) => ({ id: s.id, name: s.name, status: displayStatus(s) }));
}

/**
 * Polls the controller's API after a host failure and prints each incident step once, relative to the
 * failure, until the host's notification settles or `timeoutMs` passes. Returns the last notification.
 */
export async function watchIncident(options: {
  api: ControllerApi;
  host: string;
  hostUuid: string | undefined;
  t0Ms: number;
  timeoutMs: number;
  print: (line: string) => void;
}): Promise<NotificationView | undefined> {
  const { api, host } = options;
  const printer = new TimelinePrinter(options.t0Ms);
  const deadline = Date.now() + options.timeoutMs;
  let notification: NotificationView | undefined;
  while (Date.now() < deadline) {
    const snapshot: IncidentSnapshot = { host, vmoves: [] };
    try {
      snapshot.hostState = await api.hostState(host);
      const mine = (await api.notifications()).find(
        (n) =>
          n.type === 'COMPUTE_HOST' &&
          (n.source_host_uuid === options.hostUuid ||
            (n.payload as { host?: unknown } | null)?.host === host),
      );
      if (mine) {
        notification = await api.notification(mine.notification_uuid);
        snapshot.notification = notification;
        snapshot.vmoves = await api.vmoves(mine.notification_uuid);
      }
    } catch (err) {
      options.print(`           (controller API: ${err instanceof Error ? err.message : String(err)})`);
    }
    for (const line of printer.next(timelineLines(snapshot))) options.print(line);
    if (notification && SETTLED.includes(notification.status)) return notification;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return notification;
}

/** The facts `judgeRecovery` needs, read from the sim's fakes after the incident. */
export function recoveryFacts(
  sim: CloudSim,
  host: string,
  planned: readonly PlannedInstance[],
  notification: NotificationView | undefined,
): RecoveryFacts {
  const { nova } = sim.openstack;
  const now = new Map<string, { host: string | null; status: string }>();
  for (const p of planned) {
    const s = nova.model.server(p.id);
    if (s) now.set(p.id, { host: s.host, status: displayStatus(s) });
  }
  const evacuations = nova.model.migrations({ host, migrationType: 'evacuation' });
  return {
    failedHost: host,
    planned,
    now,
    evacuateCalls: new Map(planned.map((p) => [p.id, nova.evacuateCalls(p.id)])),
    resets: sim.bmc.acceptedResets(),
    failedHostPower: sim.bmc.power(host),
    // Detection reads the BMC too (as evidence); only a read once the incident exists is its fencing.
    firstBmcAccessMs:
      notification &&
      sim.bmc.firstAccessMs(host, Math.floor((toMs(notification.created_at) ?? 0) / 1000) * 1000),
    firstEvacuateMs: evacuations.length === 0 ? undefined : Math.min(...evacuations.map((m) => m.createdMs)),
    notificationStatus: notification?.status,
  };
}
