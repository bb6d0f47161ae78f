import { type Cloud } from './cloud';
import { until } from './harness';

/** Boots `count` servers pinned to `host` (admin `zone:host`), no network; waits until all are ACTIVE there. */
export async function bootPinned(
  cloud: Cloud,
  opts: { prefix: string; count: number; host: string; flavorId: string; imageId: string },
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= opts.count; i++) {
    const { server } = await cloud.nova<{ server: { id: string } }>('POST', '/servers', {
      server: {
        name: `${opts.prefix}-${i}`,
        flavorRef: opts.flavorId,
        imageRef: opts.imageId,
        networks: 'none',
        availability_zone: `nova:${opts.host}`,
      },
    });
    ids.push(server.id);
  }
  await until(
    `${opts.count} servers ACTIVE on ${opts.host}`,
    async () => {
      const seen = await Promise.all(ids.map((id) => cloud.server(id)));
      if (seen.some((s) => s?.status === 'ERROR')) throw new Error('a server went ERROR while booting');
      return seen.every((s) => s?.status === 'ACTIVE' && s.host === opts.host);
    },
    600_000,
    1000,
  );
  return ids;
}

/** Seconds from `t0` until each server is ACTIVE (no task) on a host other than `failed`. */
export async function followMoves(
  cloud: Cloud,
  ids: readonly string[],
  failed: string,
  t0: number,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const done = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (done.size < ids.length && Date.now() < deadline) {
    for (const id of ids) {
      if (done.has(id)) continue;
      const s = await cloud.server(id).catch(() => undefined);
      if (s?.status === 'ACTIVE' && s.host && s.host !== failed && !s.task)
        done.set(id, (Date.now() - t0) / 1000);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return done;
}

export async function deleteServers(cloud: Cloud, ids: readonly string[]): Promise<void> {
  for (const id of ids) await cloud.call('DELETE', `${cloud.endpoint('compute')}/servers/${id}`);
  await until(
    'servers deleted',
    async () => (await Promise.all(ids.map((id) => cloud.server(id)))).every((s) => !s),
    300_000,
    1000,
  );
}

/** Servers whose name starts with `prefix`, all projects. */
export async function serversNamed(cloud: Cloud, prefix: string): Promise<string[]> {
  const { servers } = await cloud.nova<{ servers: Array<{ id: string; name: string }> }>(
    'GET',
    `/servers?all_tenants=1&name=${encodeURIComponent(`^${prefix}`)}`,
  );
  return servers.filter((s) => s.name.startsWith(prefix)).map((s) => s.id);
}
