import { Inject, Injectable } from '@nestjs/common';
import { type Redis, withRedis } from '@vigil/redis';
import { REDIS } from '../platform/tokens';
import { InventoryKeys } from './inventory-keys';
import { type SegmentRecord } from './model';
import { UPDATE_NAMED_RECORD, allByIndex, byId, evalScript, getJson, scriptReply } from './redis-json';
import { INVENTORY_KEYS } from './tokens';

/** KEYS: names, ids, record. ARGV: name, uuid, id, json. */
const CREATE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'name_exists' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('SET', KEYS[3], ARGV[4])
return 'ok'
`;

/**
 * Deletes a segment with its hosts (and their fencing settings) in one step, unless in use.
 * KEYS: record, segment names, segment ids, segment hosts, segment active set, host names, host ids.
 * ARGV: uuid, key prefix. Host keys are derived from the prefix exactly as InventoryKeys does.
 */
const DELETE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 'not_found' end
if redis.call('SCARD', KEYS[5]) > 0 then return 'in_use' end
local rec = cjson.decode(raw)
for _, hostUuid in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local hkey = ARGV[2] .. 'host:' .. hostUuid
  local hraw = redis.call('GET', hkey)
  if hraw then redis.call('HDEL', KEYS[6], cjson.decode(hraw).name) end
  redis.call('DEL', hkey, hkey .. ':fencing', hkey .. ':notification-digests')
  redis.call('ZREM', KEYS[7], hostUuid)
end
redis.call('DEL', KEYS[1], KEYS[4], KEYS[5])
redis.call('HDEL', KEYS[2], rec.name)
redis.call('ZREM', KEYS[3], ARGV[1])
return 'ok'
`;

export type SegmentWriteStatus = 'ok' | 'not_found' | 'in_use' | 'name_exists';

/** Owner of the `segment:*` keys. */
@Injectable()
export class SegmentStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(INVENTORY_KEYS) private readonly keys: InventoryKeys,
  ) {}

  nextId(): Promise<number> {
    return withRedis(() => this.redis.incr(this.keys.segmentSeq()));
  }

  async nameTaken(name: string): Promise<boolean> {
    return (await withRedis(() => this.redis.hexists(this.keys.segmentNames(), name))) === 1;
  }

  get(uuid: string): Promise<SegmentRecord | undefined> {
    return getJson<SegmentRecord>(this.redis, this.keys.segment(uuid));
  }

  getById(rawId: string): Promise<SegmentRecord | undefined> {
    return byId<SegmentRecord>(this.redis, this.keys.segmentIds(), this.keys.segment, rawId);
  }

  all(): Promise<SegmentRecord[]> {
    return allByIndex<SegmentRecord>(this.redis, this.keys.segmentIds(), this.keys.segment);
  }

  async create(record: SegmentRecord): Promise<'ok' | 'name_exists'> {
    const k = this.keys;
    const reply = await evalScript(
      this.redis,
      CREATE,
      [k.segmentNames(), k.segmentIds(), k.segment(record.uuid)],
      [record.name, record.uuid, String(record.id), JSON.stringify(record)],
    );
    return scriptReply(reply).status as 'ok' | 'name_exists';
  }

  async update(
    uuid: string,
    patch: Partial<SegmentRecord>,
  ): Promise<{ status: SegmentWriteStatus; record?: SegmentRecord }> {
    const k = this.keys;
    const reply = scriptReply(
      await evalScript(
        this.redis,
        UPDATE_NAMED_RECORD,
        [k.segment(uuid), k.segmentNames(), k.segmentActiveNotifications(uuid)],
        [JSON.stringify(patch), uuid, '1'],
      ),
    );
    return {
      status: reply.status as SegmentWriteStatus,
      ...(reply.json ? { record: JSON.parse(reply.json) as SegmentRecord } : {}),
    };
  }

  async delete(uuid: string): Promise<'ok' | 'not_found' | 'in_use'> {
    const k = this.keys;
    const reply = await evalScript(
      this.redis,
      DELETE,
      [
        k.segment(uuid),
        k.segmentNames(),
        k.segmentIds(),
        k.segmentHosts(uuid),
        k.segmentActiveNotifications(uuid),
        k.hostNames(),
        k.hostIds(),
      ],
      [uuid, k.prefix],
    );
    return scriptReply(reply).status as 'ok' | 'not_found' | 'in_use';
  }

  /** True while the segment has notifications in new/running/error. */
  async inUse(uuid: string): Promise<boolean> {
    return (await withRedis(() => this.redis.scard(this.keys.segmentActiveNotifications(uuid)))) > 0;
  }
}
