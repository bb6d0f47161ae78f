import { type Redis } from '@vigil/redis';
import {
  type HostView,
  type IncidentLedger,
  type NotificationView,
  type NotificationStatus,
  type SegmentDirectory,
  type SegmentView,
  type VmoveView,
  type WorkflowDetail,
} from '../../../apps/controller/src/recovery/ports';

/**
 * The inventory as recovery sees it, kept in the test's real Redis (the lead wires the real inventory
 * services behind the same ports). Records every status change so tests can assert the sequence.
 */
export class RedisInventoryStandIn implements IncidentLedger, SegmentDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly p = 'test-inventory:',
  ) {}

  private async getJson<T>(key: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.p + key);
    return raw ? (JSON.parse(raw) as T) : undefined;
  }

  private async setJson(key: string, value: unknown): Promise<void> {
    await this.redis.set(this.p + key, JSON.stringify(value));
  }

  async addSegment(segment: SegmentView): Promise<void> {
    await this.setJson(`segment:${segment.id}`, segment);
  }

  async addHost(host: HostView): Promise<void> {
    await this.setJson(`host:${host.name}`, host);
    await this.redis.sadd(`${this.p}segment-hosts:${host.segmentId}`, host.name);
  }

  async addNotification(n: NotificationView): Promise<void> {
    await this.setJson(`notification:${n.id}`, n);
    await this.redis.rpush(`${this.p}notifications`, n.id);
  }

  async newNotificationIds(): Promise<string[]> {
    const ids = await this.redis.lrange(`${this.p}notifications`, 0, -1);
    const all = await Promise.all(ids.map((id) => this.getNotification(id)));
    return all.filter((n) => n?.status === 'new').map((n) => n?.id ?? '');
  }

  getNotification(id: string): Promise<NotificationView | undefined> {
    return this.getJson<NotificationView>(`notification:${id}`);
  }

  async setStatus(id: string, status: NotificationStatus): Promise<void> {
    const n = await this.getNotification(id);
    if (!n) return;
    if (n.status !== status) await this.redis.rpush(`${this.p}status-history:${id}`, status);
    await this.setJson(`notification:${id}`, { ...n, status });
  }

  async setWorkflowDetails(id: string, details: readonly WorkflowDetail[]): Promise<void> {
    await this.setJson(`details:${id}`, details);
  }

  async setVmoves(id: string, vmoves: readonly VmoveView[]): Promise<void> {
    await this.setJson(`vmoves:${id}`, vmoves);
  }

  async statusHistory(id: string): Promise<string[]> {
    return this.redis.lrange(`${this.p}status-history:${id}`, 0, -1);
  }

  async vmoves(id: string): Promise<VmoveView[]> {
    return (await this.getJson<VmoveView[]>(`vmoves:${id}`)) ?? [];
  }

  async details(id: string): Promise<WorkflowDetail[]> {
    return (await this.getJson<WorkflowDetail[]>(`details:${id}`)) ?? [];
  }

  findHost(name: string): Promise<HostView | undefined> {
    return this.getJson<HostView>(`host:${name}`);
  }

  getSegment(id: string): Promise<SegmentView | undefined> {
    return this.getJson<SegmentView>(`segment:${id}`);
  }

  async hostsOfSegment(segmentId: string): Promise<HostView[]> {
    const names = await this.redis.smembers(`${this.p}segment-hosts:${segmentId}`);
    const hosts = await Promise.all(names.sort().map((n) => this.findHost(n)));
    return hosts.filter((h): h is HostView => h !== undefined);
  }

  async updateHost(name: string, change: { reserved?: boolean; onMaintenance?: boolean }): Promise<void> {
    const host = await this.findHost(name);
    if (host) await this.setJson(`host:${name}`, { ...host, ...change });
  }

  /** The stand-in keeps no duplicate window: nothing to forget. */
  forgetFailureReports(): Promise<void> {
    return Promise.resolve();
  }
}
