import { Inject, Injectable } from '@nestjs/common';
import { type Redis, withRedis } from '@vigil/redis';
import { REDIS } from '../platform/tokens';
import { InventoryKeys } from './inventory-keys';
import { type HostRecord } from './model';
import { UPDATE_NAMED_RECORD, allByIndex, byId, evalScript, getJson, scriptReply } from './redis-json';
import { INVENTORY_KEYS } from './tokens';

/** KEYS: segment record, host names, host ids, host record, segment hosts. ARGV: name, uuid, id, json. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'segment_not_found' end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 'name_exists' end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('SET', KEYS[4], ARGV[4])
redis.call('SADD', KEYS[5], ARGV[2])
return 'ok'
`;

/**
 * KEYS: host record, host names, host ids, segment hosts, segment active set, fencing, digests.
 * ARGV: uuid.
 */
const DELETE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 'not_found' end
if redis.call('SCARD', KEYS[5]) > 0 then return 'in_use' end
redis.call('HDEL', KEYS[2], cjson.decode(raw).name)
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[6], KEYS[7])
return 'ok'
`;

export type HostWriteStatus = 'ok' | 'not_found' | 'in_use' | 'name_exists';

/** Owner of the `host:*` keys (except fencing settings, see HostFencingStore). */
@Injectable()
export class HostStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(INVENTORY_KEYS) private readonly keys: InventoryKeys,
  ) {}

  nextId(): Promise<number> {
    return withRedis(() => this.redis.incr(this.keys.hostSeq()));
  }

  get(uuid: string): Promise<HostRecord | undefined> {
    return getJson<HostRecord>(this.redis, this.keys.host(uuid));
  }

  getById(rawId: string): Promise<HostRecord | undefined> {
    return byId<HostRecord>(this.redis, this.keys.hostIds(), this.keys.host, rawId);
  }

  async getByName(name: string): Promise<HostRecord | undefined> {
    const uuid = await withRedis(() => this.redis.hget(this.keys.hostNames(), name));
    return uuid === null ? undefined : this.get(uuid);
  }

  async inSegment(segmentUuid: string): Promise<HostRecord[]> {
    return withRedis(async () => {
      const uuids = await this.redis.smembers(this.keys.segmentHosts(segmentUuid));
      if (uuids.length === 0) return [];
      const raws = await this.redis.mget(...uuids.map(this.keys.host));
      return raws
        .filter((r): r is string => r !== null)
        .map((r) => JSON.parse(r) as HostRecord)
        .sort((a, b) => a.id - b.id);
    });
  }

  all(): Promise<HostRecord[]> {
    return allByIndex<HostRecord>(this.redis, this.keys.hostIds(), this.keys.host);
  }

  async create(record: HostRecord): Promise<'ok' | 'name_exists' | 'segment_not_found'> {
    const k = this.keys;
    const reply = await evalScript(
      this.redis,
      CREATE,
      [
        k.segment(record.failover_segment_id),
        k.hostNames(),
        k.hostIds(),
        k.host(record.uuid),
        k.segmentHosts(record.failover_segment_id),
      ],
      [record.name, record.uuid, String(record.id), JSON.stringify(record)],
    );
    return scriptReply(reply).status as 'ok' | 'name_exists' | 'segment_not_found';
  }

  /** `checkInUse: false` is for the recovery engine, which edits hosts of the segment it is recovering. */
  async update(
    host: Pick<HostRecord, 'uuid' | 'failover_segment_id'>,
    patch: Partial<HostRecord>,
    opts: { checkInUse: boolean },
  ): Promise<{ status: HostWriteStatus; record?: HostRecord }> {
    const k = this.keys;
    const reply = scriptReply(
      await evalScript(
        this.redis,
        UPDATE_NAMED_RECORD,
        [k.host(host.uuid), k.hostNames(), k.segmentActiveNotifications(host.failover_segment_id)],
        [JSON.stringify(patch), host.uuid, opts.checkInUse ? '1' : '0'],
      ),
    );
    return {
      status: reply.status as HostWriteStatus,
      ...(reply.json ? { record: JSON.parse(reply.json) as HostRecord } : {}),
    };
  }

  async delete(
    host: Pick<HostRecord, 'uuid' | 'failover_segment_id'>,
  ): Promise<'ok' | 'not_found' | 'in_use'> {
    const k = this.keys;
    const reply = await evalScript(
      this.redis,
      DELETE,
      [
        k.host(host.uuid),
        k.hostNames(),
        k.hostIds(),
        k.segmentHosts(host.failover_segment_id),
        k.segmentActiveNotifications(host.failover_segment_id),
        k.hostFencing(host.uuid),
        k.hostNotificationDigests(host.uuid),
      ],
      [host.uuid],
    );
    return scriptReply(reply).status as 'ok' | 'not_found' | 'in_use';
  }
}
