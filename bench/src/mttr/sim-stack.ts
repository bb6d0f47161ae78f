import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from '@vigil/config';
import { findFreePort, RedisServerProcess } from '@vigil/redis';
import { HEARTBEAT_BACKOFF_MAX_MS } from '@vigil/heartbeat';
import { ControllerProcess, waitFor } from '@vigil/testing';
import { parseScenario, type ScenarioInput } from '../../../apps/cloud-sim/src/scenario/scenario';
import { CloudSim } from '../../../apps/cloud-sim/src/sim';
import { NovaRequestClock } from '../recovery/nova-watch';
import { BenchApi, forEachLimited } from '../support/api-client';

export interface SimStackOptions {
  /** cloud-sim scenario; `instances` is forced to 0 and `reservedPerSegment` to 0 (instances are seeded below). */
  scenario: ScenarioInput;
  /** Hosts that get `instancesPerHost` active m1.small-like instances each (every other host is empty). */
  loadedHosts: readonly string[];
  instancesPerHost: number;
  /** Controller config sections besides api, redis, auth, log, keystone and intake (which the stack sets). */
  controllerConfig?: Record<string, unknown>;
}

/** How often the heartbeat watcher samples the monitors' accepted-heartbeat counters, ms. */
const BEAT_SAMPLE_MS = 10;

/**
 * A whole simulated cloud under the real controller: cloud-sim (Keystone, Nova, one Redfish BMC and one
 * simulated host monitor per host) in this process, a real redis-server, and the built controller as a
 * child process (its own config, default except what a benchmark states). Segments are `auto`, every host's
 * fencing is its Redfish BMC, registered through the controller's APIs.
 */
export class SimStack {
  readonly instances = new Map<string, string>();
  readonly hostUuids = new Map<string, string>();
  private readonly lastBeat = new Map<string, { accepted: number; atMs: number }>();
  private beatTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly workDir: string,
    readonly sim: CloudSim,
    readonly redis: RedisServerProcess,
    readonly controller: ControllerProcess,
    readonly api: BenchApi,
    readonly novaClock: NovaRequestClock,
  ) {}

  static async start(options: SimStackOptions): Promise<SimStack> {
    const workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-sim-'));
    const scenario = parseScenario({
      ...options.scenario,
      instances: 0,
      reservedPerSegment: 0,
      ports: { api: 0 },
    });
    const logger = createLogger({ name: 'bench-cloud-sim', level: 'warn' });
    const redis = new RedisServerProcess({ dataDir: join(workDir, 'redis') });
    await redis.start();
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const heartbeatMasterKey = randomBytes(32).toString('hex');
    const sim = await CloudSim.start({
      scenario,
      controller: { urls: [url], heartbeatMasterKey },
      logger,
      monitorLogger: createLogger({ name: 'bench-monitor', level: 'error' }),
      deferMonitors: true,
    });
    const k = sim.openstack.keystoneConfig;
    const controller = new ControllerProcess({
      mainJs: resolve('dist/apps/controller/main.js'),
      workDir,
      readyTimeoutMs: 30_000,
      config: {
        dataDir: join(workDir, 'data'),
        api: { host: '127.0.0.1', port },
        redis: { url: redis.url, password: redis.password },
        log: { level: 'warn' },
        auth: { strategy: 'noauth' },
        keystone: {
          authUrl: k.authUrl,
          username: k.username,
          password: k.password,
          projectName: k.projectName,
        },
        intake: { heartbeatMasterKey },
        ...options.controllerConfig,
      },
    });
    const stack = new SimStack(
      workDir,
      sim,
      redis,
      controller,
      new BenchApi(url),
      new NovaRequestClock(sim.openstack.nova),
    );
    try {
      for (const host of options.loadedHosts)
        for (let i = 0; i < options.instancesPerHost; i++) {
          const server = sim.openstack.nova.model.addServer({ host, name: `${host}-vm-${i}` });
          stack.instances.set(server.id, host);
        }
      await controller.start(url);
      await stack.register();
      sim.startMonitors();
      const hostCount = sim.plan.hosts.length;
      await waitFor(async () => ((await stack.api.clusterSummary()).hostsByState.up ?? 0) === hostCount, {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: `all ${hostCount} hosts up at the controller`,
      });
      await stack.waitForSilenceJudging();
      return stack;
    } catch (err) {
      await stack.stop(true);
      throw err;
    }
  }

  /**
   * A new leader calls no host silent until its monitors' longest backoff has passed since it took over
   * (detection's POST_RESTART_GRACE_MS): a failure injected earlier would measure that grace, not
   * detection. A production controller has been leading for long; so has the stack once this returns.
   */
  private async waitForSilenceJudging(): Promise<void> {
    const { leaderSince } = await waitFor(
      async () => {
        const summary = await this.api.clusterSummary();
        return summary.leaderSince === undefined ? undefined : summary;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the controller to lead' },
    );
    const wait = (leaderSince ?? 0) + HEARTBEAT_BACKOFF_MAX_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  /**
   * Samples every given host's accepted-heartbeat counter, so the time of its last heartbeat the
   * controller answered is known to within `BEAT_SAMPLE_MS` (the monitor keeps no timestamp).
   */
  watchHeartbeats(hosts: readonly string[]): void {
    const sample = (): void => {
      const now = Date.now();
      for (const host of hosts) {
        const accepted = this.sim.monitor(host)?.stats().accepted ?? 0;
        const seen = this.lastBeat.get(host);
        if (!seen || seen.accepted !== accepted) this.lastBeat.set(host, { accepted, atMs: now });
      }
    };
    sample();
    this.beatTimer = setInterval(sample, BEAT_SAMPLE_MS);
  }

  lastHeartbeatMs(host: string): number | undefined {
    return this.lastBeat.get(host)?.atMs;
  }

  /**
   * Hosts whose BMC accepted a reset other than `On` from the controller (fencing). The sim runs no
   * other Redfish client, and a ForceOff on a host already off changes no power state, so the
   * Redfish request log is read rather than the sim's power events.
   */
  fencedHosts(): string[] {
    return [
      ...new Set(
        this.sim.bmc
          .acceptedResets()
          .filter((r) => r.resetType !== 'On')
          .map((r) => r.host),
      ),
    ];
  }

  /** Instances of `hosts` ACTIVE with no task on another host, as the Nova fake's model says. */
  movedCount(): number {
    let moved = 0;
    for (const [id, failedHost] of this.instances) {
      const s = this.sim.openstack.nova.model.server(id);
      if (s && s.host !== failedHost && s.vmState === 'active' && s.taskState === null) moved += 1;
    }
    return moved;
  }

  async stop(keepWorkDir = false): Promise<void> {
    if (this.beatTimer) clearInterval(this.beatTimer);
    // Monitors first: a monitor outliving the controller only logs refused connections.
    await this.sim.stop();
    await this.controller.stop();
    await this.redis.stop();
    if (!keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  private async register(): Promise<void> {
    for (const segment of this.sim.plan.segments) {
      const segmentUuid = await this.api.createSegment(segment, 'auto');
      const members = this.sim.plan.hosts.filter((h) => h.segment === segment);
      await forEachLimited(members, 8, async (h) => {
        const uuid = await this.api.addHost(segmentUuid, h.name);
        await this.api.call('PUT', `/vigil/v1/hosts/${uuid}/fencing`, this.sim.bmc.access(h.name));
        this.hostUuids.set(h.name, uuid);
      });
    }
  }
}
