import { z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';

const REQUEST_TIMEOUT_MS = 10_000;

const segmentSchema = z.object({ segment: z.object({ uuid: z.string() }) });
const hostSchema = z.object({ host: z.object({ uuid: z.string() }) });
const notificationSchema = z.object({
  notification: z.object({ notification_uuid: z.string(), status: z.string() }),
});
const hostStateSchema = z.object({
  host_state: z.object({
    state: z.string(),
    note: z.string().optional(),
    timeline: z.array(z.object({ at: z.number(), from: z.string(), to: z.string(), reason: z.string() })),
  }),
});

const clusterSchema = z.object({
  cluster: z.object({
    hostsByState: z.record(z.string(), z.array(z.string())),
    stormGuards: z.array(z.unknown()),
    leadership: z.object({ isLeader: z.boolean(), since: z.number().optional() }).optional(),
  }),
});

export type HostStateView = z.output<typeof hostStateSchema>['host_state'];

/** The controller's Masakari and Vigil routes as the benchmarks use them (noauth); answers parsed by schema. */
export class BenchApi {
  constructor(readonly baseUrl: string) {}

  async createSegment(name: string, recoveryMethod = 'auto'): Promise<string> {
    const body = await this.call('POST', '/v1/segments', {
      segment: { name, recovery_method: recoveryMethod, service_type: 'COMPUTE' },
    });
    return segmentSchema.parse(body).segment.uuid;
  }

  async addHost(segmentUuid: string, name: string, reserved = false): Promise<string> {
    const body = await this.call('POST', `/v1/segments/${segmentUuid}/hosts`, {
      host: { name, type: 'COMPUTE', control_attributes: 'SSH', reserved },
    });
    return hostSchema.parse(body).host.uuid;
  }

  async setFakeFencing(hostUuid: string): Promise<void> {
    await this.call('PUT', `/vigil/v1/hosts/${hostUuid}/fencing`, { driver: 'fake', address: 'x' });
  }

  async notifyHostDown(hostname: string, generatedTime = new Date()): Promise<string> {
    const body = await this.call('POST', '/v1/notifications', {
      notification: {
        type: 'COMPUTE_HOST',
        hostname,
        generated_time: generatedTime.toISOString().replace('Z', ''),
        payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
      },
    });
    return notificationSchema.parse(body).notification.notification_uuid;
  }

  async notificationStatus(uuid: string): Promise<string> {
    return notificationSchema.parse(await this.call('GET', `/v1/notifications/${uuid}`)).notification.status;
  }

  /** Detection state of a host, or undefined while the controller has none (404). */
  async hostState(host: string): Promise<HostStateView | undefined> {
    const res = await this.request('GET', `/vigil/v1/hosts/${encodeURIComponent(host)}/state`);
    if (res.status === 404) return undefined;
    return hostStateSchema.parse(await this.parse(res, 'GET', host)).host_state;
  }

  /** How many hosts are in each detection state, and how many storm guards are engaged. */
  async clusterSummary(): Promise<{
    hostsByState: Record<string, number>;
    stormGuards: number;
    /** Since when the answering replica leads (its clock), if it does. */
    leaderSince: number | undefined;
  }> {
    const { cluster } = clusterSchema.parse(await this.call('GET', '/vigil/v1/cluster'));
    const hostsByState = Object.fromEntries(
      Object.entries(cluster.hostsByState).map(([k, v]) => [k, v.length]),
    );
    return { hostsByState, stormGuards: cluster.stormGuards.length, leaderSince: cluster.leadership?.since };
  }

  /** Host names by detection state, as this replica reads them. */
  async clusterHosts(): Promise<Record<string, string[]>> {
    return clusterSchema.parse(await this.call('GET', '/vigil/v1/cluster')).cluster.hostsByState;
  }

  /** Whether this replica holds the leader lease. */
  async leadership(): Promise<{ isLeader: boolean }> {
    const { cluster } = clusterSchema.parse(await this.call('GET', '/vigil/v1/cluster'));
    return { isLeader: cluster.leadership?.isLeader ?? false };
  }

  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.parse(await this.request(method, path, body), method, path);
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'OpenStack-API-Version': 'instance-ha 1.3',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }

  private async parse(res: Response, method: string, path: string): Promise<unknown> {
    const text = await res.text();
    if (!res.ok)
      throw new VigilError(
        ErrorCode.UNAVAILABLE,
        `${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`,
      );
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i] as T, i);
    }
  });
  await Promise.all(lanes);
}
