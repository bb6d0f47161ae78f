import { type Redis } from '@vigil/redis';

/**
 * State writes that only the current lease holder may make. Each batch runs in one Lua script that
 * first compares the lease value (owner id + fencing token) with ours, so a deposed leader that
 * still believes it leads (GC pause, partition) cannot write: its token is no longer in the lease.
 */
export type FencedOp =
  | { op: 'hset'; key: string; field: string; value: string }
  | { op: 'hdel'; key: string; field: string }
  /** LPUSH then LTRIM to `max` entries: a capped, newest-first list. */
  | { op: 'lpush-trim'; key: string; value: string; max: number }
  /** SET NX; its result is 1 when this write created the key. */
  | { op: 'setnx'; key: string; value: string }
  | { op: 'set'; key: string; value: string }
  | { op: 'del'; key: string };

const SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local ops = cjson.decode(ARGV[2])
local out = {1}
for i, o in ipairs(ops) do
  local key = KEYS[o.k]
  local r = 0
  if o.op == 'hset' then r = redis.call('HSET', key, o.field, o.value)
  elseif o.op == 'hdel' then r = redis.call('HDEL', key, o.field)
  elseif o.op == 'lpush-trim' then
    redis.call('LPUSH', key, o.value)
    redis.call('LTRIM', key, 0, o.max - 1)
    r = 1
  elseif o.op == 'setnx' then
    if redis.call('SET', key, o.value, 'NX') then r = 1 else r = 0 end
  elseif o.op == 'set' then redis.call('SET', key, o.value); r = 1
  elseif o.op == 'del' then r = redis.call('DEL', key)
  else return redis.error_reply('unknown fenced op ' .. tostring(o.op)) end
  out[i + 1] = r
end
return out
`;

/** Runs a batch if `leaseValue` still holds the lease. Returns per-op results, or `undefined` when deposed. */
export async function runFenced(
  redis: Redis,
  leaseKey: string,
  leaseValue: string,
  ops: readonly FencedOp[],
): Promise<number[] | undefined> {
  const keys = [leaseKey];
  const encoded = ops.map((o) => {
    keys.push(o.key);
    const { key: _key, ...rest } = o;
    return { ...rest, k: keys.length };
  });
  // cjson encodes an empty Lua table as an object; an empty batch only checks the lease.
  const result = (await redis.eval(
    SCRIPT,
    keys.length,
    ...keys,
    leaseValue,
    encoded.length > 0 ? JSON.stringify(encoded) : '[]',
  )) as number[];
  if (result[0] !== 1) return undefined;
  return result.slice(1);
}
