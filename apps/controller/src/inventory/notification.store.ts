import { Inject, Injectable } from '@nestjs/common';
import { type Redis, withRedis } from '@vigil/redis';
import { REDIS } from '../platform/tokens';
import { InventoryKeys } from './inventory-keys';
import {
  ACTIVE_NOTIFICATION_STATUSES,
  type NotificationRecord,
  type NotificationStatus,
  type RecoveryWorkflowDetail,
  type VMoveRecord,
} from './model';
import { allByIndex, byId, evalScript, getJson, scriptReply } from './redis-json';
import { INVENTORY_KEYS } from './tokens';

/**
 * Stores a notification unless its host is gone or on maintenance, or an identical one (same digest)
 * was generated inside the window. One script, so COMPUTE_HOST creations per host are serialized.
 * KEYS: host record, host digests, notification ids, notification record, segment active set.
 * ARGV: uuid, id, json, generated ms, window start ms, digest, active ('1'/'0').
 */
const CREATE = `
local hraw = redis.call('GET', KEYS[1])
if not hraw then return 'host_not_found' end
if cjson.decode(hraw).on_maintenance == true then return 'on_maintenance' end
local seen = redis.call('ZSCORE', KEYS[2], ARGV[6])
if seen and tonumber(seen) >= tonumber(ARGV[5]) then return 'duplicate' end
if (not seen) or tonumber(seen) < tonumber(ARGV[4]) then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6]) end
redis.call('SET', KEYS[4], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
if ARGV[7] == '1' then redis.call('SADD', KEYS[5], ARGV[1]) end
return 'ok'
`;

/** KEYS: record, segment active set. ARGV: uuid, status, updated_at, active ('1'/'0'). */
const UPDATE_STATUS = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not_found'} end
local rec = cjson.decode(raw)
rec.status = ARGV[2]
rec.updated_at = ARGV[3]
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out)
if ARGV[4] == '1' then redis.call('SADD', KEYS[2], ARGV[1]) else redis.call('SREM', KEYS[2], ARGV[1]) end
return {'ok', out}
`;

export type NotificationCreateStatus = 'ok' | 'host_not_found' | 'on_maintenance' | 'duplicate';

export const isActiveStatus = (s: NotificationStatus): boolean => ACTIVE_NOTIFICATION_STATUSES.includes(s);

/** Owner of the `notification:*` and `vmove:*` keys and of the per-host duplicate digests. */
@Injectable()
export class NotificationStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(INVENTORY_KEYS) private readonly keys: InventoryKeys,
  ) {}

  nextId(): Promise<number> {
    return withRedis(() => this.redis.incr(this.keys.notificationSeq()));
  }

  get(uuid: string): Promise<NotificationRecord | undefined> {
    return getJson<NotificationRecord>(this.redis, this.keys.notification(uuid));
  }

  getById(rawId: string): Promise<NotificationRecord | undefined> {
    return byId<NotificationRecord>(this.redis, this.keys.notificationIds(), this.keys.notification, rawId);
  }

  all(): Promise<NotificationRecord[]> {
    return allByIndex<NotificationRecord>(this.redis, this.keys.notificationIds(), this.keys.notification);
  }

  async create(
    record: NotificationRecord,
    dedupe: { digest: string; generatedMs: number; windowStartMs: number },
  ): Promise<NotificationCreateStatus> {
    const k = this.keys;
    const reply = await evalScript(
      this.redis,
      CREATE,
      [
        k.host(record.source_host_uuid),
        k.hostNotificationDigests(record.source_host_uuid),
        k.notificationIds(),
        k.notification(record.notification_uuid),
        k.segmentActiveNotifications(record.failover_segment_uuid),
      ],
      [
        record.notification_uuid,
        String(record.id),
        JSON.stringify(record),
        String(dedupe.generatedMs),
        String(dedupe.windowStartMs),
        dedupe.digest,
        isActiveStatus(record.status) ? '1' : '0',
      ],
    );
    return scriptReply(reply).status as NotificationCreateStatus;
  }

  /** Forgets the host's duplicate digests: its next report is a new failure (after a return to service). */
  async forgetDuplicates(hostUuid: string): Promise<void> {
    await this.redis.del(this.keys.hostNotificationDigests(hostUuid));
  }

  async updateStatus(
    record: Pick<NotificationRecord, 'notification_uuid' | 'failover_segment_uuid'>,
    status: NotificationStatus,
    updatedAt: string,
  ): Promise<NotificationRecord | undefined> {
    const k = this.keys;
    const reply = scriptReply(
      await evalScript(
        this.redis,
        UPDATE_STATUS,
        [
          k.notification(record.notification_uuid),
          k.segmentActiveNotifications(record.failover_segment_uuid),
        ],
        [record.notification_uuid, status, updatedAt, isActiveStatus(status) ? '1' : '0'],
      ),
    );
    return reply.json ? (JSON.parse(reply.json) as NotificationRecord) : undefined;
  }

  async appendWorkflowDetails(uuid: string, details: readonly RecoveryWorkflowDetail[]): Promise<void> {
    if (details.length === 0) return;
    await withRedis(() =>
      this.redis.rpush(this.keys.notificationWorkflow(uuid), ...details.map((d) => JSON.stringify(d))),
    );
  }

  async replaceWorkflowDetails(uuid: string, details: readonly RecoveryWorkflowDetail[]): Promise<void> {
    const key = this.keys.notificationWorkflow(uuid);
    const tx = this.redis.multi().del(key);
    if (details.length > 0) tx.rpush(key, ...details.map((d) => JSON.stringify(d)));
    await withRedis(() => tx.exec());
  }

  async workflowDetails(uuid: string): Promise<RecoveryWorkflowDetail[]> {
    const raws = await withRedis(() => this.redis.lrange(this.keys.notificationWorkflow(uuid), 0, -1));
    return raws.map((r) => JSON.parse(r) as RecoveryWorkflowDetail);
  }

  nextVmoveId(): Promise<number> {
    return withRedis(() => this.redis.incr(this.keys.vmoveSeq()));
  }

  async putVmove(vmove: VMoveRecord): Promise<void> {
    await withRedis(() =>
      this.redis.hset(
        this.keys.notificationVmoves(vmove.notification_uuid),
        vmove.uuid,
        JSON.stringify(vmove),
      ),
    );
  }

  async replaceVmoves(notificationUuid: string, vmoves: readonly VMoveRecord[]): Promise<void> {
    const key = this.keys.notificationVmoves(notificationUuid);
    const tx = this.redis.multi().del(key);
    for (const v of vmoves) tx.hset(key, v.uuid, JSON.stringify(v));
    await withRedis(() => tx.exec());
  }

  async vmoves(notificationUuid: string): Promise<VMoveRecord[]> {
    const all = await withRedis(() => this.redis.hvals(this.keys.notificationVmoves(notificationUuid)));
    return all.map((r) => JSON.parse(r) as VMoveRecord).sort((a, b) => a.id - b.id);
  }

  async vmove(notificationUuid: string, vmoveUuid: string): Promise<VMoveRecord | undefined> {
    const raw = await withRedis(() =>
      this.redis.hget(this.keys.notificationVmoves(notificationUuid), vmoveUuid),
    );
    return raw === null ? undefined : (JSON.parse(raw) as VMoveRecord);
  }
}
