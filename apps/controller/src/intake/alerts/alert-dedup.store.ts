import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig } from '@vigil/config';
import { type Redis, withRedis } from '@vigil/redis';
import { CONFIG, REDIS } from '../../platform/tokens';

export type OccurrenceState = 'firing' | 'resolved';

/**
 * Remembers which alert occurrences (fingerprint + startsAt) were already acted on, in which state.
 * One key per occurrence, so that Alertmanager's re-sends (whole group every group_interval, HA peers)
 * are no-ops, and a late or retried `firing` after its `resolved` does not resurrect the evidence.
 */
@Injectable()
export class AlertDedupStore {
  private readonly prefix: string;

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.prefix = `${config.redis.keyPrefix}alerts:seen:`;
  }

  /**
   * Claims this occurrence in this state. `fresh` false = a duplicate. `previous` is what the key held,
   * for `release`.
   */
  async claim(
    occurrence: string,
    state: OccurrenceState,
  ): Promise<{ fresh: boolean; previous: string | null }> {
    const key = this.prefix + occurrence;
    const ttl = this.config.alerts.dedupTtlMs;
    if (state === 'firing') {
      // Any earlier record (firing, or already resolved) makes a firing delivery a no-op.
      const set = await withRedis(() => this.redis.set(key, 'firing', 'PX', ttl, 'NX'));
      return { fresh: set === 'OK', previous: set === 'OK' ? null : 'seen' };
    }
    const previous = await withRedis(() => this.redis.set(key, 'resolved', 'PX', ttl, 'GET'));
    return { fresh: previous !== 'resolved', previous };
  }

  /** Undoes a fresh claim whose evidence could not be stored, so the sender's retry is processed. */
  async release(occurrence: string, previous: string | null): Promise<void> {
    const key = this.prefix + occurrence;
    await withRedis(async () => {
      if (previous === null) await this.redis.del(key);
      else await this.redis.set(key, previous, 'PX', this.config.alerts.dedupTtlMs);
    });
  }
}
