import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createLogger } from '@vigil/config';
import { findFreePort, RedisServerProcess } from '@vigil/redis';
import { LogCapture, waitFor } from '@vigil/testing';
import { ControllerApi } from '../../../apps/cloud-sim/src/demo/controller-api';
import { demoControllerConfig } from '../../../apps/cloud-sim/src/demo/demo-setup';
import { parseScenario } from '../../../apps/cloud-sim/src/scenario/scenario';
import { CloudSim } from '../../../apps/cloud-sim/src/sim';
import { ControllerReplica } from './controller-replica';

/** The cloud under chaos: one failure domain handled by `auto` recovery, capacity to spare. */
const SCENARIO = {
  seed: 7,
  hosts: 12,
  hostsPerRack: 6,
  segments: 1,
  reservedPerSegment: 0,
  instances: 30,
  stoppedPercent: 10,
  // Rebuilds slow enough that a fault injected once the incident exists lands inside its recovery.
  timing: {
    heartbeatIntervalMs: 300,
    serviceDownTimeMs: 2_000,
    reportIntervalMs: 500,
    rebuildMs: 1_500,
    hostSwitchMs: 20,
    novaApiLatencyMs: 20,
  },
  ports: { api: 0 },
};

/**
 * One redis-server (AOF on, temp data dir) shared by two controller replicas (child processes, same
 * config but the API port), the cloud-sim whose monitors report to both, every host registered with
 * its BMC in one `auto` segment. Everything it starts is ended by `stop()`, each step on its own.
 */
export class ChaosStack {
  readonly replicas: ControllerReplica[] = [];
  readonly hostUuids = new Map<string, string>();
  readonly simLogs = new LogCapture();
  redis!: RedisServerProcess;
  sim!: CloudSim;

  constructor(
    private readonly workDir: string,
    private readonly controllerMainJs: string,
    /** Controller config sections merged over the chaos defaults (the soak shortens fencing budgets). */
    private readonly overrides: { detection?: object; recovery?: object; rebuildMs?: number } = {},
  ) {}

  async start(): Promise<void> {
    this.redis = new RedisServerProcess({ dataDir: join(this.workDir, 'redis') });
    await this.redis.start();
    const heartbeatMasterKey = randomBytes(32).toString('hex');
    const ports = [await findFreePort(), await findFreePort()];
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const logger = createLogger({ name: 'chaos-sim', level: 'warn', destination: this.simLogs });
    this.sim = await CloudSim.start({
      scenario: parseScenario({
        ...SCENARIO,
        timing: { ...SCENARIO.timing, rebuildMs: this.overrides.rebuildMs ?? SCENARIO.timing.rebuildMs },
      }),
      controller: { urls, heartbeatMasterKey },
      logger,
      deferMonitors: true,
    });
    // Replicas must decrypt each other's stored BMC passwords: one key for both.
    const encryptionKey = randomBytes(32).toString('base64');
    ports.forEach((port, index) => {
      const config = demoControllerConfig({
        workDir: this.workDir,
        port,
        keystone: this.sim.openstack.keystoneConfig,
        heartbeatMasterKey,
      });
      Object.assign(config, {
        redis: { url: this.redis.url, password: this.redis.password },
        log: { level: 'info', format: 'json' },
        secrets: { encryptionKey },
        leadership: { leaseTtlMs: 1_500, renewIntervalMs: 300 },
      });
      config.detection = {
        ...(config.detection as object),
        heartbeatTimeoutMs: 1_500,
        suspectHoldMs: 300,
        // Failures of earlier rounds must not count with this round's (1 segment of 12 hosts).
        stormGuard: { windowMs: 5_000 },
        ...this.overrides.detection,
      };
      config.recovery = {
        ...(config.recovery as object),
        fenceTimeoutMs: 20_000,
        fenceBackoffMs: 300,
        novaRetryDelayMs: 200,
        // An `error` incident's automatic second run must happen within the round.
        errorRetryDelayMs: 2_000,
        // A SIGKILLed leader's jobs are taken over after about this long (default 30 s: longer than a round).
        jobLockMs: 3_000,
        ...this.overrides.recovery,
      };
      this.replicas.push(
        new ControllerReplica(`controller-${index + 1}`, this.controllerMainJs, this.workDir, port, config),
      );
    });
    for (const replica of this.replicas) await replica.start();
    await this.register(this.replicas[0]!.url);
    this.sim.startMonitors();
    const api = new ControllerApi(this.replicas[0]!.url);
    await waitFor(
      async () => {
        const up = new Set((await api.cluster()).up ?? []);
        return this.sim.plan.hosts.every((h) => up.has(h.name));
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'every host up at the controller' },
    );
  }

  /** Stops each piece even when another fails to stop, so nothing outlives the test. */
  async stop(): Promise<void> {
    const steps = [
      ...this.replicas.map((r) => () => r.stop()),
      () => this.sim?.stop(),
      () => this.redis?.stop(),
    ];
    for (const step of steps) await step().catch(() => undefined);
  }

  private async register(url: string): Promise<void> {
    const res = await fetch(`${url}/v1/segments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'instance-ha 1.3' },
      body: JSON.stringify({
        segment: { name: 'chaos', recovery_method: 'auto', service_type: 'COMPUTE', enabled: true },
      }),
    });
    const body = (await res.json()) as { segment?: { uuid?: string } };
    const segmentUuid = body.segment?.uuid;
    if (res.status !== 201 || segmentUuid === undefined)
      throw new Error(`segment create answered ${res.status}`);
    const api = new ControllerApi(url);
    for (const host of this.sim.plan.hosts) {
      const uuid = await api.addHost(segmentUuid, host.name, false);
      await api.setFencing(uuid, this.sim.bmc.access(host.name));
      this.hostUuids.set(host.name, uuid);
    }
  }
}
