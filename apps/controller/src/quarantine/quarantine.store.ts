import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig } from '@vigil/config';
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

/** The only owner of `<prefix>quarantine:*`: one hash, host → JSON record. */
@Injectable()
export class QuarantineStore {
  private readonly key: string;

  constructor(
    @Inject(CONFIG) config: ControllerConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.key = `${config.redis.keyPrefix}quarantine:hosts`;
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
