import { randomUUID } from 'node:crypto';
import { createLogger, type Logger, novaSchema, type RecoveryConfig, recoverySchema } from '@vigil/config';
import { FakeFencingDriver } from '@vigil/fencing';
import { KeystoneSession, NovaClient } from '@vigil/openstack';
import { createRedisClient, type Redis } from '@vigil/redis';
import {
  LogCapture,
  type RedisFixture,
  startOpenStack,
  startRedis,
  type OpenStackFixture,
  waitFor,
} from '@vigil/testing';
import { DriverHostFencer } from '../../../apps/controller/src/recovery/adapters/driver-host-fencer';
import { NovaComputeApi } from '../../../apps/controller/src/recovery/adapters/nova-compute-api';
import {
  type ComputeApi,
  type HostHealth,
  type HostHealthView,
  type NotificationView,
  type RecoveryMethod,
} from '../../../apps/controller/src/recovery/ports';
import { RecoveryRuntime, type RecoveryPorts } from '../../../apps/controller/src/recovery/recovery-runtime';
import { RedisInventoryStandIn } from './inventory-stand-in';

export const KEY_PREFIX = 'vigil-test:';

/** Fast timings for tests: real waits, but short. */
export function testRecoveryConfig(over: Partial<RecoveryConfig> = {}): RecoveryConfig {
  return recoverySchema.parse({
    pollIntervalMs: 40,
    confirmTimeoutMs: 15_000,
    fenceBackoffMs: 10,
    fenceTimeoutMs: 2_000,
    novaRetryDelayMs: 50,
    slotWaitMs: 40,
    errorRetryDelayMs: 100,
    jobLockMs: 1_000,
    novaRateMax: 100,
    novaRateWindowMs: 1_000,
    incidentConcurrency: 5,
    probationMs: 0,
    policy: { exclude: { metadata: { 'octavia:amphora': 'true' } } },
    ...over,
  });
}

class MapHealth implements HostHealthView {
  readonly since = new Map<string, number>();
  health(host: string): Promise<HostHealth> {
    const since = this.since.get(host);
    return Promise.resolve(
      since === undefined ? { healthy: false, missing: 'not healthy (test)' } : { healthy: true, since },
    );
  }
}

/** Where a kill point fires: just before a port call goes out, or right after it returned (reply lost). */
export interface KillPoint {
  method: string;
  /** 1-based occurrence of that method across the engine's calls. */
  nth: number;
  when: 'before' | 'after';
}

/**
 * Port calls that hang for ever once the engine is "dead": a killed process makes no more calls and
 * records nothing. A kill point kills the engine at an exact call.
 */
export class KillableCompute {
  dead = false;
  killPoint?: KillPoint;
  onKill?: () => void;
  /** Test hook around evacuate, e.g. to lose the reply of an accepted call. */
  aroundEvacuate?: (id: string, call: () => Promise<void>) => Promise<void>;
  private readonly counts = new Map<string, number>();

  constructor(private readonly inner: ComputeApi) {}

  private die(): Promise<never> {
    if (!this.dead) {
      this.dead = true;
      this.onKill?.();
    }
    return new Promise<never>(() => undefined);
  }

  wrap<T extends object>(inner: T): T {
    return new Proxy(inner, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        const fn = value as (...a: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]): Promise<unknown> => {
          if (this.dead) return this.die();
          const n = (this.counts.get(prop) ?? 0) + 1;
          this.counts.set(prop, n);
          const kp = this.killPoint;
          const here = kp !== undefined && kp.method === prop && kp.nth === n;
          if (here && kp.when === 'before') return this.die();
          const result =
            prop === 'evacuate' && this.aroundEvacuate
              ? await this.aroundEvacuate(args[0] as string, () => fn.apply(target, args) as Promise<void>)
              : await fn.apply(target, args);
          if (this.dead || (here && kp.when === 'after')) return this.die();
          return result;
        };
      },
    });
  }

  api(): ComputeApi {
    return this.wrap(this.inner);
  }
}

export interface EngineHandle {
  runtime: RecoveryRuntime;
  compute: KillableCompute;
  /** Simulates SIGKILL: no more Nova calls, Redis connections cut, job locks left to expire. */
  kill(): Promise<void>;
  /** SIGTERM: graceful close. */
  close(): Promise<void>;
}

export interface RecoveryHarness {
  redis: RedisFixture;
  os: OpenStackFixture;
  inventory: RedisInventoryStandIn;
  fencers: Map<string, FakeFencingDriver>;
  health: MapHealth;
  logs: LogCapture;
  logger: Logger;
  commandClient: Redis;
  /** `extra`: optional ports (e.g. Neutron for a `ports-active` gate). */
  startEngine(config?: RecoveryConfig, extra?: Partial<RecoveryPorts>): Promise<EngineHandle>;
  /** Ports over the Nova fake, the fake BMCs and the stand-in inventory; compute calls are killable. */
  ports(): { compute: KillableCompute; ports: RecoveryPorts };
  /** Registers a segment with hosts in the stand-in inventory, and matching computes in Nova. */
  segment(
    method: RecoveryMethod,
    hosts: { name: string; reserved?: boolean; memoryMb?: number; vcpus?: number }[],
  ): Promise<string>;
  notify(
    host: string,
    payload: Record<string, string>,
    options?: { origin?: NotificationView['origin']; type?: NotificationView['type'] },
  ): Promise<string>;
  stop(): Promise<void>;
}

export async function startHarness(options: { rebuildDurationMs?: number } = {}): Promise<RecoveryHarness> {
  const redis = await startRedis();
  const os = await startOpenStack({
    nova: { rebuildDurationMs: options.rebuildDurationMs ?? 150, hostSwitchDelayMs: 20 },
  });
  const logs = new LogCapture();
  const logger = createLogger({ name: 'recovery-test', level: 'info', destination: logs });
  const commandClient = createRedisClient({ url: redis.url, password: redis.password }, 'blocking');
  const inventory = new RedisInventoryStandIn(commandClient);
  const fencers = new Map<string, FakeFencingDriver>();
  const health = new MapHealth();
  const engines: EngineHandle[] = [];
  const nova = new NovaClient({
    session: new KeystoneSession({ config: os.keystoneConfig, logger }),
    config: novaSchema.parse({ timeoutMs: 1_000, maxRetries: 2, retryBaseDelayMs: 20 }),
    logger,
  });

  const harness: RecoveryHarness = {
    redis,
    os,
    inventory,
    fencers,
    health,
    logs,
    logger,
    commandClient,
    ports() {
      const compute = new KillableCompute(new NovaComputeApi(nova));
      const fencer = compute.wrap(
        new DriverHostFencer(
          (host) => Promise.resolve(fencers.get(host)),
          () => undefined,
        ),
      );
      const ports: RecoveryPorts = {
        compute: compute.api(),
        fencer,
        ledger: inventory,
        directory: inventory,
        tokens: { current: () => Promise.resolve(1) },
        health,
        observer: { evacuationSettled: () => undefined, hostReinstated: () => undefined },
      };
      return { compute, ports };
    },
    async startEngine(config = testRecoveryConfig(), extra = {}) {
      const clients: Redis[] = [];
      const { compute, ports: own } = harness.ports();
      const ports = { ...own, ...extra };
      const runtime = new RecoveryRuntime({
        config,
        keyPrefix: KEY_PREFIX,
        logger,
        connect: (role) => {
          const c = createRedisClient({ url: redis.url, password: redis.password }, role);
          clients.push(c);
          return c;
        },
        ports,
      });
      await runtime.start();
      let closed = false;
      compute.onKill = () => void handle.kill();
      const handle: EngineHandle = {
        runtime,
        compute,
        async kill() {
          if (closed) return;
          closed = true;
          compute.dead = true;
          // Connections first: a dead process neither fetches jobs nor extends their locks.
          for (const c of clients) c.disconnect();
          await runtime.queues.close({ force: true }).catch(() => undefined);
        },
        async close() {
          if (closed) return;
          closed = true;
          await runtime.close();
          for (const c of clients) c.disconnect();
        },
      };
      engines.push(handle);
      return handle;
    },
    async segment(method, hosts) {
      const id = randomUUID();
      await inventory.addSegment({
        id,
        name: `seg-${id.slice(0, 8)}`,
        recoveryMethod: method,
        enabled: true,
      });
      for (const h of hosts) {
        os.nova.model.addHost({
          host: h.name,
          memoryMb: h.memoryMb,
          vcpus: h.vcpus,
          enabled: !h.reserved,
          disabledReason: h.reserved ? 'reserved spare' : undefined,
        });
        await inventory.addHost({
          name: h.name,
          segmentId: id,
          reserved: h.reserved ?? false,
          onMaintenance: false,
        });
      }
      return id;
    },
    async notify(host, payload, opts = {}) {
      const id = randomUUID();
      await inventory.addNotification({
        id,
        type: opts.type ?? 'COMPUTE_HOST',
        hostname: host,
        payload,
        status: 'new',
        origin: opts.origin ?? 'external',
        generatedTime: new Date().toISOString(),
      });
      return id;
    },
    async stop() {
      for (const e of engines) await e.close();
      commandClient.disconnect();
      await os.stop();
      await redis.stop();
    },
  };
  return harness;
}

/** Waits until the notification `id` reached a final status (finished, error, failed, ignored), and returns it. */
export function finalStatus(h: RecoveryHarness, id: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    async () => {
      const n = await h.inventory.getNotification(id);
      return n && ['finished', 'error', 'failed', 'ignored'].includes(n.status) ? n.status : undefined;
    },
    { timeoutMs, what: `notification ${id} to settle` },
  );
}
