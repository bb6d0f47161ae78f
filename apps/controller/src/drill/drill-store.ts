import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig } from '@vigil/config';
import { type Redis } from '@vigil/redis';
import { CONFIG, REDIS } from '../platform/tokens';
import { type DrillReport } from './model';

/** Drill reports live a week. */
const REPORT_TTL_S = 7 * 24 * 3600;

/**
 * Drills in Redis, so any replica answers for a drill that another one runs: the report, the abort
 * request, and the one-drill-at-a-time lock (a drill fails a host on purpose: never two at once).
 */
@Injectable()
export class DrillStore {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) config: ControllerConfig,
  ) {
    this.prefix = `${config.redis.keyPrefix}drill:`;
  }

  /** The id of the drill already running, or undefined when this one took the lock. */
  async lock(id: string, ttlMs: number): Promise<string | undefined> {
    const taken = await this.redis.set(`${this.prefix}active`, id, 'PX', ttlMs, 'NX');
    return taken === 'OK' ? undefined : ((await this.redis.get(`${this.prefix}active`)) ?? 'unknown');
  }

  async refreshLock(id: string, ttlMs: number): Promise<void> {
    if ((await this.redis.get(`${this.prefix}active`)) === id)
      await this.redis.pexpire(`${this.prefix}active`, ttlMs);
  }

  async unlock(id: string): Promise<void> {
    if ((await this.redis.get(`${this.prefix}active`)) === id) await this.redis.del(`${this.prefix}active`);
  }

  async save(report: DrillReport): Promise<void> {
    await this.redis.set(`${this.prefix}${report.id}`, JSON.stringify(report), 'EX', REPORT_TTL_S);
    await this.redis.zadd(`${this.prefix}index`, report.startedAt, report.id);
  }

  async get(id: string): Promise<DrillReport | undefined> {
    const raw = await this.redis.get(`${this.prefix}${id}`);
    return raw ? (JSON.parse(raw) as DrillReport) : undefined;
  }

  async list(limit: number): Promise<DrillReport[]> {
    const ids = await this.redis.zrevrange(`${this.prefix}index`, 0, limit - 1);
    const reports = await Promise.all(ids.map((id) => this.get(id)));
    return reports.filter((r): r is DrillReport => r !== undefined);
  }

  async requestAbort(id: string): Promise<void> {
    await this.redis.set(`${this.prefix}${id}:abort`, '1', 'EX', REPORT_TTL_S);
  }

  async abortRequested(id: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}${id}:abort`)) === 1;
  }
}
