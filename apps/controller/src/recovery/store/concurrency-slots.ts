import { type Redis, withRedis } from '@vigil/redis';

/**
 * Counting semaphores over several scopes at once (global, segment, incident), taken all-or-nothing.
 * Each holder has a lease: a crashed worker's slot frees itself when the lease runs out.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
local member = ARGV[3]
for i, k in ipairs(KEYS) do redis.call('ZREMRANGEBYSCORE', k, '-inf', now) end
for i, k in ipairs(KEYS) do
  if not redis.call('ZSCORE', k, member) and redis.call('ZCARD', k) >= tonumber(ARGV[3 + i]) then return 0 end
end
for i, k in ipairs(KEYS) do redis.call('ZADD', k, ARGV[2], member) end
return 1
`;

export interface SlotScope {
  key: string;
  limit: number;
}

export class ConcurrencySlots {
  private readonly p: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.p = `${keyPrefix}recovery:slots:`;
    this.redis.defineCommand('vigilAcquireSlots', { lua: ACQUIRE });
  }

  /** Takes (or renews) a slot in every scope; false when any scope is full. */
  async acquire(
    scopes: readonly SlotScope[],
    holder: string,
    nowMs: number,
    leaseMs: number,
  ): Promise<boolean> {
    const keys = scopes.map((s) => this.p + s.key);
    const limits = scopes.map((s) => String(s.limit));
    const result = await withRedis(() =>
      (this.redis as unknown as SlotRedis).vigilAcquireSlots(
        keys.length,
        ...keys,
        String(nowMs),
        String(nowMs + leaseMs),
        holder,
        ...limits,
      ),
    );
    return result === 1;
  }

  async release(scopes: readonly SlotScope[], holder: string): Promise<void> {
    await withRedis(async () => {
      for (const s of scopes) await this.redis.zrem(this.p + s.key, holder);
    });
  }

  async holders(scopeKey: string, nowMs: number): Promise<string[]> {
    return withRedis(() => this.redis.zrangebyscore(this.p + scopeKey, nowMs, '+inf'));
  }
}

interface SlotRedis {
  vigilAcquireSlots(numKeys: number, ...args: string[]): Promise<number>;
}
