import { type Evidence } from './model';

/** The parts of a Masakari notification that matter here (as stored by the Masakari API). */
export interface MasakariNotificationLike {
  type: string;
  hostname: string;
  generated_time?: string;
  notification_uuid?: string;
  payload: Record<string, unknown>;
}

/**
 * masakari-monitors' host monitor reports `COMPUTE_HOST` / `STOPPED` with `host_status: NORMAL` when
 * the cluster stack saw the node go offline while its power status was normal: the host was seen
 * powered off or dead. Other host statuses (UNKNOWN, ...) are what Masakari itself ignores.
 */
export function evidenceFromMasakariNotification(
  n: MasakariNotificationLike,
  receivedAt: number,
): Evidence | undefined {
  if (n.type !== 'COMPUTE_HOST') return undefined;
  if (n.payload.event !== 'STOPPED' || n.payload.host_status !== 'NORMAL') return undefined;
  return {
    kind: 'masakari-host-stopped',
    at: receivedAt,
    ...(n.notification_uuid ? { notificationId: n.notification_uuid } : {}),
  };
}
