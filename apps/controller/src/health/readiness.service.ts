import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { type Redis } from '@vigil/redis';
import { CONFIG, LOGGER, REDIS } from '../platform/tokens';
import {
  LEADERSHIP_STATUS,
  QUEUE_HEALTH,
  type LeadershipStatusPort,
  type QueueHealth,
} from './readiness-ports';

export type CheckName = 'redis' | 'leader' | 'queues';

export interface CheckResult {
  status: 'ok' | 'failed';
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the failed checks, so an operator reading `curl /readyz` sees the cause at once. */
  failed: CheckName[];
  checks: Record<CheckName, CheckResult>;
}

/**
 * Readiness = this replica can do its job now: Redis answers a PING in time, the replicas agree on a
 * leader, and the queues move. Each check is bounded by the Redis ping timeout so a load balancer
 * probe never hangs.
 */
@Injectable()
export class ReadinessService {
  private lastFailed = '';

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LEADERSHIP_STATUS) private readonly leadership: LeadershipStatusPort,
    @Inject(QUEUE_HEALTH) private readonly queues: QueueHealth,
  ) {}

  async check(): Promise<ReadinessReport> {
    const timeoutMs = this.config.health.redisPingTimeoutMs;
    const [redis, leader, queues] = await Promise.all([
      run(timeoutMs, async () => {
        await this.redis.ping();
        return ok();
      }),
      run(timeoutMs, async () =>
        (await this.leadership.leaderKnown()) ? ok() : failed('no replica holds the leader lease'),
      ),
      run(timeoutMs, async () => {
        const report = await this.queues.check();
        return report.ok ? ok(report.detail) : failed(report.detail ?? 'queues not moving');
      }),
    ]);
    const checks = { redis, leader, queues };
    const failedNames = (Object.keys(checks) as CheckName[]).filter((k) => checks[k].status === 'failed');
    this.logOnChange(failedNames, checks);
    return { ready: failedNames.length === 0, failed: failedNames, checks };
  }

  private logOnChange(failedNames: CheckName[], checks: Record<CheckName, CheckResult>): void {
    const key = failedNames.join(',');
    if (key === this.lastFailed) return;
    this.lastFailed = key;
    if (key === '') this.logger.info('readiness: all checks pass');
    else this.logger.warn({ failed: failedNames, checks }, 'readiness: not ready');
  }
}

const ok = (detail?: string): CheckResult => ({ status: 'ok', ...(detail ? { detail } : {}) });
const failed = (detail: string): CheckResult => ({ status: 'failed', detail });

async function run(timeoutMs: number, work: () => Promise<CheckResult>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve(failed(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([
      work().catch((err: unknown) => failed(err instanceof Error ? err.message : String(err))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
