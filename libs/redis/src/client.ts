import Redis, { type RedisOptions } from 'ioredis';
import { backoffMs, ErrorCode, VigilError } from '@vigil/contracts';

/** Where to reach Redis: a URL, or Sentinels and a master name. */
export interface RedisTarget {
  url?: string;
  sentinels?: ReadonlyArray<{ host: string; port: number }>;
  name?: string;
  password?: string;
  sentinelPassword?: string;
  /** Per-command timeout. Default 2000 ms. */
  commandTimeoutMs?: number;
}

/** Capped reconnect backoff: Vigil keeps trying for ever, never faster than 50 ms, never slower than 2 s. */
const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 2000;

export type RedisRole =
  /** API and stores: fail fast while Redis is down (the API answers 503), reconnect in the background. */
  | 'command'
  /** BullMQ workers and blocking calls: BullMQ requires `maxRetriesPerRequest: null`. */
  | 'blocking';

export function createRedisClient(target: RedisTarget, role: RedisRole = 'command'): Redis {
  const common: RedisOptions = {
    password: target.password,
    lazyConnect: false,
    connectTimeout: 2000,
    retryStrategy: (times) =>
      backoffMs(times + 1, { baseMs: RECONNECT_MIN_MS, maxMs: RECONNECT_MAX_MS, jitter: 'none' }),
    ...(role === 'command'
      ? {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: target.commandTimeoutMs ?? 2000,
        }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null }),
  };
  const client = target.sentinels
    ? new Redis({
        ...common,
        sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: target.name,
        sentinelPassword: target.sentinelPassword ?? target.password,
      })
    : new Redis(target.url ?? 'redis://127.0.0.1:6379', common);
  // Errors surface through commands; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Turns a connection-level failure into a coded UNAVAILABLE; Redis reply errors stay bugs (INTERNAL). */
export function toRedisError(err: unknown): VigilError {
  if (err instanceof VigilError) return err;
  const e = err as Error & { name?: string };
  if (e?.name === 'ReplyError')
    return new VigilError(ErrorCode.INTERNAL, `Redis rejected a command: ${e.message}`);
  return new VigilError(ErrorCode.UNAVAILABLE, 'The data store (Redis) is unreachable; retry shortly.', {
    cause: e?.message,
  });
}

/** Runs Redis work, mapping connection failures to UNAVAILABLE (HTTP 503). */
export async function withRedis<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof VigilError) throw err;
    throw toRedisError(err);
  }
}
