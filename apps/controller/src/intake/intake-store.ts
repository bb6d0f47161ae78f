import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig } from '@vigil/config';
import { type Redis, withRedis } from '@vigil/redis';
import { type HeartbeatSighting } from '../detection/model';
import { type InstanceEvent } from '../detection/ports';
import { CONFIG, REDIS } from '../platform/tokens';
import { type RunPosition } from './heartbeat-ledger';

/** How long a request waits for the controller's very first Redis connection before answering 503. */
const FIRST_CONNECT_WAIT_MS = 2000;

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** The only owner of intake's Redis keys: last sighting per host, and instance events when no sink is wired. */
@Injectable()
export class IntakeStore {
  private readonly seenKey: string;
  private readonly prefix: string;
  private everReady = false;
  private readonly firstReady: Promise<void>;

  constructor(
    @Inject(CONFIG) config: ControllerConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.prefix = config.redis.keyPrefix;
    this.seenKey = `${this.prefix}hb:seen`;
    this.everReady = redis.status === 'ready';
    this.firstReady = this.everReady
      ? Promise.resolve()
      : new Promise((resolve) =>
          redis.once('ready', () => {
            this.everReady = true;
            resolve();
          }),
        );
  }

  private get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /**
   * Throws UNAVAILABLE (503) while Redis is down, so intake does not buffer blindly. Free while the
   * connection is ready; otherwise one PING decides (the client may still be connecting).
   */
  async ensureReachable(): Promise<void> {
    if (this.ready) return;
    // Right after boot the first connection may still be in progress: give it a moment, once.
    if (!this.everReady) await Promise.race([this.firstReady, delay(FIRST_CONNECT_WAIT_MS)]);
    if (this.ready) return;
    await withRedis(() => this.redis.ping());
  }

  /** One HSET for the whole batch: a single round trip however many hosts reported. */
  async flush(batch: ReadonlyMap<string, HeartbeatSighting>): Promise<void> {
    if (batch.size === 0) return;
    const fields: Record<string, string> = {};
    for (const [host, s] of batch) fields[host] = JSON.stringify(s);
    await withRedis(() => this.redis.hset(this.seenKey, fields));
  }

  async readAll(): Promise<Map<string, HeartbeatSighting>> {
    const raw = await withRedis(() => this.redis.hgetall(this.seenKey));
    const out = new Map<string, HeartbeatSighting>();
    for (const [host, json] of Object.entries(raw)) out.set(host, JSON.parse(json) as HeartbeatSighting);
    return out;
  }

  async readPosition(host: string): Promise<RunPosition | undefined> {
    const json = await withRedis(() => this.redis.hget(this.seenKey, host));
    if (!json) return undefined;
    const s = JSON.parse(json) as HeartbeatSighting;
    return { bootId: s.bootId, runId: s.runId, seq: s.seq };
  }

  async appendInstanceEvent(
    host: string,
    event: InstanceEvent & { receivedAt: number },
    keep: number,
  ): Promise<void> {
    const key = `${this.prefix}intake:instance-events:${host}`;
    await withRedis(() =>
      this.redis
        .multi()
        .lpush(key, JSON.stringify(event))
        .ltrim(key, 0, keep - 1)
        .exec(),
    );
  }

  async listInstanceEvents(host: string): Promise<Array<InstanceEvent & { receivedAt: number }>> {
    const key = `${this.prefix}intake:instance-events:${host}`;
    const raw = await withRedis(() => this.redis.lrange(key, 0, -1));
    return raw.map((j) => JSON.parse(j) as InstanceEvent & { receivedAt: number });
  }
}
