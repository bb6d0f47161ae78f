import { type Redis, withRedis } from '@vigil/redis';

/** Small helpers shared by the inventory stores (each store still owns its own keys). */
export async function evalScript(
  redis: Redis,
  script: string,
  keys: string[],
  args: string[],
): Promise<unknown> {
  return withRedis(() => redis.eval(script, String(keys.length), ...keys, ...args));
}

export async function getJson<T>(redis: Redis, key: string): Promise<T | undefined> {
  const raw = await withRedis(() => redis.get(key));
  return raw === null ? undefined : (JSON.parse(raw) as T);
}

/** Records listed in an id index (ZSET id → uuid), in id order; vanished ones are skipped. */
export async function allByIndex<T>(
  redis: Redis,
  indexKey: string,
  recordKey: (uuid: string) => string,
): Promise<T[]> {
  return withRedis(async () => {
    const uuids = await redis.zrange(indexKey, '0', '-1');
    if (uuids.length === 0) return [];
    const raws = await redis.mget(...uuids.map(recordKey));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as T);
  });
}

/** The record whose integer id is `rawId` (a list marker), if any. */
export async function byId<T>(
  redis: Redis,
  indexKey: string,
  recordKey: (uuid: string) => string,
  rawId: string,
): Promise<T | undefined> {
  if (!/^\d+$/.test(rawId)) return undefined;
  const [uuid] = await withRedis(() => redis.zrangebyscore(indexKey, rawId, rawId));
  return uuid === undefined ? undefined : getJson<T>(redis, recordKey(uuid));
}

/** Lua scripts answer `{status, json?}`. */
export function scriptReply(reply: unknown): { status: string; json?: string } {
  if (Array.isArray(reply))
    return { status: String(reply[0]), ...(reply[1] ? { json: String(reply[1]) } : {}) };
  return { status: String(reply) };
}

/**
 * Applies a JSON patch to a JSON record under a unique-name index, refusing while an "active" set is
 * non-empty. KEYS: record, names hash, active set. ARGV: patch JSON, uuid, check-active ('1'/'0').
 */
export const UPDATE_NAMED_RECORD = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not_found'} end
if ARGV[3] == '1' and redis.call('SCARD', KEYS[3]) > 0 then return {'in_use'} end
local rec = cjson.decode(raw)
local patch = cjson.decode(ARGV[1])
if patch.name ~= nil and patch.name ~= rec.name then
  if redis.call('HEXISTS', KEYS[2], patch.name) == 1 then return {'name_exists'} end
  redis.call('HDEL', KEYS[2], rec.name)
  redis.call('HSET', KEYS[2], patch.name, ARGV[2])
end
for k, v in pairs(patch) do rec[k] = v end
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out)
return {'ok', out}
`;
