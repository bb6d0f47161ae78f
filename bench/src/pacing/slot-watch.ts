import { createRedisClient, type Redis } from '@vigil/redis';

const SAMPLE_MS = 20;
const SLOTS = 'vigil:recovery:slots:';

/**
 * Samples the controller's concurrency slots in Redis (one sorted set per scope, holders scored by
 * lease end) every 20 ms: the most moves each scope kind had in flight at once.
 */
export class SlotWatch {
  private readonly redis: Redis;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  readonly maxInFlight = { global: 0, segment: 0, incident: 0 };
  samples = 0;

  constructor(target: { url: string; password?: string }) {
    this.redis = createRedisClient(target, 'command');
  }

  start(): void {
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.redis.disconnect();
    return Promise.resolve();
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      const keys = await this.redis.keys(`${SLOTS}*`);
      for (const key of keys) {
        const held = await this.redis.zcount(key, now, '+inf');
        const scope = key.slice(SLOTS.length);
        const kind = scope === 'global' ? 'global' : scope.startsWith('segment:') ? 'segment' : 'incident';
        this.maxInFlight[kind] = Math.max(this.maxInFlight[kind], held);
      }
      this.samples += 1;
    } catch {
      // A sample lost to a busy Redis is skipped; the next one comes 20 ms later.
    } finally {
      this.busy = false;
    }
  }
}
