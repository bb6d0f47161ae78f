import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type Redis, withRedis } from '@vigil/redis';
import { CONFIG, LOGGER, REDIS } from '../platform/tokens';
import { runFenced, type FencedOp } from './fenced-writes';

/** Acquire: free lease → next token from the counter, lease = "<id>|<token>". Renew: only our own value. */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token
`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface LeadershipStatus {
  instanceId: string;
  isLeader: boolean;
  /** Fencing token of our lease while we lead. */
  token?: number;
  /** Since when we lead (our clock). */
  since?: number;
  /** Current holder as Redis says, when known. */
  leaderId?: string;
  leaderToken?: number;
}

/**
 * One active detector among controller replicas: a Redis lease (SET NX PX) carrying a fencing token
 * from INCR, renewed every `renewIntervalMs`. Followers try to acquire on the same cadence and take
 * over when the lease lapses. A leader that cannot renew steps down by itself before its lease can
 * have expired, and every state write it makes is checked against the token (`writeFenced`).
 */
@Injectable()
export class LeaderLease implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private lease: { value: string; token: number; since: number; renewedAt: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  private stopped = false;
  private readonly leaseKey: string;
  private readonly tokenKey: string;
  private readonly listeners: Array<(leading: boolean) => void> = [];

  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.leaseKey = `${config.redis.keyPrefix}leader:lease`;
    this.tokenKey = `${config.redis.keyPrefix}leader:token`;
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tick;
    const lease = this.lease;
    if (!lease) return;
    this.setLease(undefined);
    // Handing over at once spares the followers a full TTL of blindness.
    await this.redis.eval(RELEASE, 1, this.leaseKey, lease.value).catch((err: unknown) => {
      this.logger.warn({ err }, 'could not release the leader lease; it will lapse');
    });
  }

  get isLeader(): boolean {
    return this.lease !== undefined;
  }

  get token(): number | undefined {
    return this.lease?.token;
  }

  get leaderSince(): number | undefined {
    return this.lease?.since;
  }

  /** Called with true on gaining and false on losing leadership. */
  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  async status(): Promise<LeadershipStatus> {
    const value = await withRedis(() => this.redis.get(this.leaseKey));
    const [leaderId, token] = value ? splitLease(value) : [undefined, undefined];
    return {
      instanceId: this.instanceId,
      isLeader: this.isLeader,
      ...(this.lease ? { token: this.lease.token, since: this.lease.since } : {}),
      ...(leaderId ? { leaderId, leaderToken: token } : {}),
    };
  }

  /**
   * Writes a batch only if we still hold the lease. Throws CONFLICT (and steps down) when deposed.
   */
  async writeFenced(ops: readonly FencedOp[]): Promise<number[]> {
    const lease = this.lease;
    if (!lease) throw notLeader();
    const result = await withRedis(() => runFenced(this.redis, this.leaseKey, lease.value, ops));
    if (!result) {
      this.logger.error({ token: lease.token }, 'fenced write refused: another replica holds the lease now');
      this.setLease(undefined);
      throw notLeader();
    }
    return result;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.renewOrAcquire()
        .catch((err: unknown) => this.logger.warn({ err }, 'leader lease tick failed'))
        .finally(() => this.schedule(this.config.leadership.renewIntervalMs));
    }, delayMs);
  }

  private async renewOrAcquire(): Promise<void> {
    const { leaseTtlMs } = this.config.leadership;
    const lease = this.lease;
    if (lease) {
      try {
        const renewed = await this.redis.eval(RENEW, 1, this.leaseKey, lease.value, String(leaseTtlMs));
        if (renewed === 1) {
          lease.renewedAt = Date.now();
          return;
        }
        this.logger.error(
          { token: lease.token },
          'leader lease lost to another replica; detection stops here',
        );
        this.setLease(undefined);
      } catch (err) {
        // Cannot tell: keep leading only while our last renewal is surely still valid.
        if (Date.now() - lease.renewedAt > leaseTtlMs - this.config.leadership.renewIntervalMs) {
          this.logger.error({ err, token: lease.token }, 'cannot renew the leader lease; stepping down');
          this.setLease(undefined);
        }
      }
      return;
    }
    const now = Date.now();
    const token = Number(
      await this.redis.eval(ACQUIRE, 2, this.leaseKey, this.tokenKey, this.instanceId, String(leaseTtlMs)),
    );
    if (token > 0) {
      this.setLease({ value: `${this.instanceId}|${token}`, token, since: now, renewedAt: now });
      this.logger.info({ instanceId: this.instanceId, token }, 'became leader: detection runs here');
    }
  }

  private setLease(lease: typeof this.lease): void {
    const was = this.lease !== undefined;
    this.lease = lease;
    if (was === (lease !== undefined)) return;
    for (const l of this.listeners) l(lease !== undefined);
  }
}

function splitLease(value: string): [string, number] {
  const at = value.lastIndexOf('|');
  return [value.slice(0, at), Number(value.slice(at + 1))];
}

function notLeader(): VigilError {
  return new VigilError(ErrorCode.CONFLICT, 'This controller replica is not the leader.');
}
