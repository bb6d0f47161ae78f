import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type Redis, withRedis } from '@vigil/redis';
import { CONFIG, REDIS } from '../platform/tokens';
import { type QuarantineRecord } from './decide';

/** A quarantine in force, with what the mover did. */
export interface StoredQuarantine extends QuarantineRecord {
  /** When the host held no instance any more (drain mode). */
  drainedAt?: number;
  /** Live migrations Vigil asked Nova for. */
  liveMigrationsStarted: number;
}

/** An operator's action on a quarantine, kept for audit (who, why, when). */
export interface QuarantineAuditEntry {
  at: string;
  action: 'cancel';
  host: string;
  who: string;
  why: string;
  /** The signals the quarantine had gathered when it ended. */
  signals: string[];
}

/** Audit entries kept (newest first). */
const AUDIT_KEPT = 1000;
/** A replica holds the quarantine lock at most this long (a crashed holder's lock expires), ms. */
const LOCK_TTL_MS = 60_000;
/** A replica waits this long for the lock before the caller is told to try again (503), ms. */
const LOCK_WAIT_MS = 15_000;
const LOCK_RETRY_MS = 25;
/** Deletes the lock only if this holder still has it (an expired lock retaken by another is left alone). */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The only owner of `<prefix>quarantine:*`: the hash host → JSON record, the operators' audit list, and
 * the lock that serialises quarantine decisions and cancels across controller replicas.
 */
@Injectable()
export class QuarantineStore {
  private readonly key: string;
  private readonly auditKey: string;
  private readonly lockKey: string;

  constructor(
    @Inject(CONFIG) config: ControllerConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.key = `${config.redis.keyPrefix}quarantine:hosts`;
    this.auditKey = `${config.redis.keyPrefix}quarantine:audit`;
    this.lockKey = `${config.redis.keyPrefix}quarantine:lock`;
  }

  /**
   * Runs `fn` while holding the quarantine lock (Redis, every replica): a storm's alerts reaching two
   * replicas are still counted one host after the other against the segment's storm limits.
   */
  async exclusive<T>(fn: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
    const holder = randomUUID();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const taken = await withRedis(() => this.redis.set(this.lockKey, holder, 'PX', LOCK_TTL_MS, 'NX'));
      if (taken === 'OK') break;
      if (Date.now() >= deadline)
        throw new VigilError(
          ErrorCode.UNAVAILABLE,
          'another controller replica holds the quarantine lock; try again',
        );
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
    try {
      return await fn();
    } finally {
      await withRedis(() => this.redis.eval(RELEASE, 1, this.lockKey, holder)).catch(() => undefined);
    }
  }

  async audit(entry: QuarantineAuditEntry): Promise<void> {
    await withRedis(() =>
      this.redis
        .multi()
        .lpush(this.auditKey, JSON.stringify(entry))
        .ltrim(this.auditKey, 0, AUDIT_KEPT - 1)
        .exec(),
    );
  }

  /** Newest first. */
  async auditLog(limit = 100): Promise<QuarantineAuditEntry[]> {
    const raw = await withRedis(() => this.redis.lrange(this.auditKey, 0, limit - 1));
    return raw.map((json) => JSON.parse(json) as QuarantineAuditEntry);
  }

  async all(): Promise<StoredQuarantine[]> {
    const raw = await withRedis(() => this.redis.hgetall(this.key));
    return Object.values(raw).map((json) => JSON.parse(json) as StoredQuarantine);
  }

  async get(host: string): Promise<StoredQuarantine | undefined> {
    const json = await withRedis(() => this.redis.hget(this.key, host));
    return json === null ? undefined : (JSON.parse(json) as StoredQuarantine);
  }

  async put(record: StoredQuarantine): Promise<void> {
    await withRedis(() => this.redis.hset(this.key, record.host, JSON.stringify(record)));
  }

  /** True when there was one. */
  async remove(host: string): Promise<boolean> {
    return (await withRedis(() => this.redis.hdel(this.key, host))) > 0;
  }
}
