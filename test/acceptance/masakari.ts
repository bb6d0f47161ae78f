import { type Cloud } from './cloud';
import { type Harness, sleep, until } from './harness';
import { bootPinned, deleteServers, followMoves } from './servers';

export interface MasakariRun {
  system: 'masakari';
  scenario: 'power-loss';
  servers: number;
  host: string;
  /** Seconds from the power-off: Nova reports the service down / notification sent / finished. */
  novaDownS: number;
  notifiedS: number;
  finishedS?: number;
  status: string;
  /** Seconds from the power-off until each server was ACTIVE on another host. */
  activeElsewhereS: number[];
  allActiveElsewhereS?: number;
  moved: number;
}

const SEGMENT = 'harness-seg';
const MASAKARI_HEADERS = { 'OpenStack-API-Version': 'instance-ha 1.0' };

/**
 * Masakari's own host-failure path on the same cloud: the host loses power (BMC power-off), a
 * COMPUTE_HOST notification is sent once Nova reports it down (what masakari-hostmonitor can do
 * without Pacemaker, and what the harness's masakari-smoke.sh does), then Masakari disables the
 * service, waits `wait_period_after_service_update` and evacuates. Timed from the power-off.
 */
export async function masakariHostFailure(
  cloud: Cloud,
  harness: Harness,
  opts: { host: string; count: number; flavorId: string; imageId: string; hosts: readonly string[] },
  log: (s: string) => void,
): Promise<MasakariRun> {
  const api = cloud.endpoint('instance-ha');
  const m = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    cloud.ok<T>(method, `${api}${path}`, body, MASAKARI_HEADERS);
  await until(
    'in-flight Masakari notifications settled',
    async () => {
      const { notifications } = await m<{ notifications: Array<{ status: string }> }>(
        'GET',
        '/notifications',
      );
      return notifications.every((n) => !['new', 'running', 'error'].includes(n.status));
    },
    600_000,
    2000,
  );
  const { segments } = await m<{ segments: Array<{ uuid: string; name: string }> }>('GET', '/segments');
  const segment =
    segments.find((s) => s.name === SEGMENT)?.uuid ??
    (
      await m<{ segment: { uuid: string } }>('POST', '/segments', {
        segment: {
          name: SEGMENT,
          recovery_method: 'auto',
          service_type: 'COMPUTE',
          description: 'acceptance',
        },
      })
    ).segment.uuid;
  const { hosts } = await m<{ hosts: Array<{ uuid: string; name: string; on_maintenance: boolean }> }>(
    'GET',
    `/segments/${segment}/hosts`,
  );
  for (const name of opts.hosts) {
    const h = hosts.find((x) => x.name === name);
    if (!h)
      await m('POST', `/segments/${segment}/hosts`, {
        host: { name, type: 'COMPUTE', control_attributes: 'SSH' },
      });
    else if (h.on_maintenance)
      await m('PUT', `/segments/${segment}/hosts/${h.uuid}`, { host: { on_maintenance: false } });
  }

  log(`masakari: booting ${opts.count} servers on ${opts.host}`);
  const ids = await bootPinned(cloud, {
    prefix: `acc-masakari-${opts.count}`,
    count: opts.count,
    host: opts.host,
    flavorId: opts.flavorId,
    imageId: opts.imageId,
  });
  let result: MasakariRun | undefined;
  try {
    log(`masakari: power loss of ${opts.host} (BMC power off)`);
    const t0 = Date.now();
    await harness.ipmi(opts.host, 'chassis', 'power', 'off');
    const moves = followMoves(cloud, ids, opts.host, t0, 1_200_000);
    await until(
      `Nova reports ${opts.host} down`,
      async () => (await cloud.service(opts.host)).state === 'down',
      600_000,
      1000,
    );
    const novaDownS = (Date.now() - t0) / 1000;
    log(`masakari: Nova reports ${opts.host} down after ${novaDownS.toFixed(1)} s; notifying Masakari`);
    const generated = new Date().toISOString().slice(0, 19);
    const { notification } = await m<{ notification: { notification_uuid: string } }>(
      'POST',
      '/notifications',
      {
        notification: {
          type: 'COMPUTE_HOST',
          hostname: opts.host,
          generated_time: generated,
          payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
        },
      },
    );
    const notifiedS = (Date.now() - t0) / 1000;
    let status = 'new';
    let finishedS: number | undefined;
    const deadline = Date.now() + 1_200_000;
    while (Date.now() < deadline) {
      const shown = await m<{ notification: { status: string } }>(
        'GET',
        `/notifications/${notification.notification_uuid}`,
      );
      if (shown.notification.status !== status) log(`masakari: notification ${shown.notification.status}`);
      status = shown.notification.status;
      if (['finished', 'failed', 'ignored'].includes(status)) {
        finishedS = (Date.now() - t0) / 1000;
        break;
      }
      await sleep(1000);
    }
    const done = await moves;
    const times = ids.map((id) => done.get(id)).filter((t): t is number => t !== undefined);
    result = {
      system: 'masakari',
      scenario: 'power-loss',
      servers: opts.count,
      host: opts.host,
      novaDownS: round(novaDownS),
      notifiedS: round(notifiedS),
      ...(finishedS === undefined ? {} : { finishedS: round(finishedS) }),
      status,
      activeElsewhereS: times.map(round),
      ...(times.length === ids.length ? { allActiveElsewhereS: round(Math.max(...times)) } : {}),
      moved: times.length,
    };
    log(`masakari: ${JSON.stringify(result)}`);
  } finally {
    // Restore: power on (nova-compute starts and cleans up), unset force-down if set, enable, clear maintenance.
    await harness.ipmi(opts.host, 'chassis', 'power', 'on');
    await until(
      `${opts.host} nova-compute up again`,
      async () => (await cloud.service(opts.host)).state === 'up',
      300_000,
      2000,
    );
    await until(
      `${opts.host} enabled and not forced down`,
      async () => {
        const s = await cloud.service(opts.host);
        if (s.forced_down)
          await cloud.call(
            'PUT',
            `${cloud.endpoint('compute')}/os-services/${s.id}`,
            { forced_down: false },
            { 'OpenStack-API-Version': 'compute 2.60' },
          );
        if (s.status === 'disabled')
          await cloud.call(
            'PUT',
            `${cloud.endpoint('compute')}/os-services/${s.id}`,
            { status: 'enabled' },
            { 'OpenStack-API-Version': 'compute 2.60' },
          );
        const now = await cloud.service(opts.host);
        return now.status === 'enabled' && !now.forced_down && now.state === 'up';
      },
      300_000,
      2000,
    );
    const after = await m<{ hosts: Array<{ uuid: string; name: string; on_maintenance: boolean }> }>(
      'GET',
      `/segments/${segment}/hosts`,
    );
    const me = after.hosts.find((h) => h.name === opts.host);
    if (me?.on_maintenance)
      await m('PUT', `/segments/${segment}/hosts/${me.uuid}`, { host: { on_maintenance: false } });
    await deleteServers(cloud, ids);
  }
  return result;
}

const round = (s: number): number => Math.round(s * 100) / 100;
