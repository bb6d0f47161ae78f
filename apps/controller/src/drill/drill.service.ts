import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { ErrorCode, isVigilError, VigilError } from '@vigil/contracts';
import { DetectionStore } from '../detection/detection-store';
import { HostFencingDrivers } from '../fencing/host-fencing-drivers';
import { type OpenStackClients } from '../platform/openstack-clients';
import { CONFIG, LOGGER, OPENSTACK } from '../platform/tokens';
import { SEGMENT_DIRECTORY, type SegmentDirectory } from '../recovery/ports';
import { type RecoveryEngine } from '../recovery/recovery-engine';
import { RecoveryLifecycle } from '../recovery/recovery-lifecycle';
import { type DrillBmc, type DrillPorts, DrillRunner } from './drill-runner';
import { DrillStore } from './drill-store';
import { type DrillReport, type DrillRequest } from './model';

const FAIL_COMMAND_TIMEOUT_MS = 60_000;
const FENCE_TIMEOUT_MS = 30_000;

/**
 * The controller owns each drill: it runs here, in the background, whatever happens to the CLI that
 * started it; the CLI follows it over the API and asks for an abort on Ctrl-C.
 */
@Injectable()
export class DrillService {
  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OPENSTACK) private readonly openstack: OpenStackClients,
    private readonly store: DrillStore,
    private readonly drivers: HostFencingDrivers,
    private readonly detection: DetectionStore,
    private readonly modules: ModuleRef,
  ) {}

  /** Starts a drill; 409 while another one runs. Preflight refusals end in the report (`refused`). */
  async start(request: DrillRequest, by: string): Promise<DrillReport> {
    this.openstack.requireNova();
    this.engine();
    const id = randomUUID();
    const lockMs = this.config.drill.stallTimeoutMs * 2;
    const running = await this.store.lock(id, lockMs);
    if (running)
      throw new VigilError(ErrorCode.CONFLICT, `Drill ${running} is running; one drill at a time.`);
    const report = DrillRunner.newReport(id, request, Date.now());
    await this.store.save(report);
    this.logger.warn(
      { drill: id, host: request.host, by, failure: request.failure },
      'failover drill started',
    );
    const runner = new DrillRunner(
      this.ports(lockMs, id),
      { pollMs: this.config.drill.pollIntervalMs, stallTimeoutMs: this.config.drill.stallTimeoutMs },
      report,
      request,
    );
    void runner
      .run()
      .then((done) =>
        this.logger.warn(
          { drill: id, outcome: done.outcome, leftBehind: done.leftBehind },
          'failover drill ended',
        ),
      )
      .catch((err: unknown) => this.logger.error({ err, drill: id }, 'failover drill crashed'))
      .finally(() => void this.store.unlock(id).catch(() => undefined));
    return report;
  }

  async get(id: string): Promise<DrillReport> {
    const report = await this.store.get(id);
    if (!report) throw new VigilError(ErrorCode.NOT_FOUND, `Drill ${id} could not be found.`);
    return report;
  }

  list(limit: number): Promise<DrillReport[]> {
    return this.store.list(limit);
  }

  async abort(id: string): Promise<DrillReport> {
    const report = await this.get(id);
    if (report.phase === 'done') throw new VigilError(ErrorCode.CONFLICT, `Drill ${id} is already over.`);
    await this.store.requestAbort(id);
    return { ...report, abortRequested: true };
  }

  private engine(): RecoveryEngine {
    const engine = this.modules.get(RecoveryLifecycle, { strict: false }).runtime?.engine;
    if (!engine) throw new VigilError(ErrorCode.UNAVAILABLE, 'The recovery engine is not running.');
    return engine;
  }

  private ports(lockMs: number, id: string): DrillPorts {
    const nova = this.openstack.requireNova();
    const directory = this.modules.get<SegmentDirectory>(SEGMENT_DIRECTORY, { strict: false });
    const segmentHosts = async (host: string): Promise<string[]> => {
      const record = await directory.findHost(host);
      if (!record)
        throw new VigilError(ErrorCode.NOT_FOUND, `Host ${host} is not registered in any segment.`);
      return (await directory.hostsOfSegment(record.segmentId)).map((h) => h.name).filter((h) => h !== host);
    };
    return {
      createServer: (s) =>
        nova.createServer({
          name: s.name,
          flavorRef: s.flavor,
          imageRef: s.image,
          networkId: s.network,
          zone: s.zone,
          host: s.host,
          metadata: s.metadata,
        }),
      getServer: async (serverId) => {
        try {
          const server = await nova.getServer(serverId);
          return { status: server.status, host: server.host };
        } catch (err) {
          if (isVigilError(err) && err.code === ErrorCode.NOT_FOUND) return undefined;
          throw err;
        }
      },
      deleteServer: (serverId) => nova.deleteServer(serverId),
      serversOnHost: async (host) =>
        (await nova.listServersOnHost(host)).map((s) => ({ id: s.id, name: s.name })),
      evacuations: async (serverId) => (await nova.listEvacuations(serverId)).length,
      computeService: async (host) => {
        const s = await nova.findComputeService(host);
        return s && { zone: s.zone, state: s.state, status: s.status, forcedDown: s.forcedDown === true };
      },
      spareHosts: async (host) => {
        const peers = new Set(await segmentHosts(host));
        return (await nova.listComputeServices())
          .filter((s) => peers.has(s.host) && s.state === 'up' && s.status === 'enabled' && !s.forcedDown)
          .map((s) => s.host);
      },
      segmentPeers: async (host) => {
        const peers = await segmentHosts(host);
        const fenced = await Promise.all(
          peers.map(async (p) => ((await this.drivers.driverFor(p)) ? p : '')),
        );
        return fenced.filter(Boolean);
      },
      bmc: async (host) => this.bmc(host),
      detection: async (host) => {
        const r = await this.detection.readRecord(host);
        return r && { state: r.state, healthySince: r.healthySince, incidentId: r.incidentId };
      },
      detectionTimeline: async (host, since) =>
        (await this.detection.readTimeline(host, this.config.detection.timelineMaxEntries))
          .filter((t) => t.at >= since)
          .sort((a, b) => a.at - b.at)
          .map((t) => ({ at: t.at, to: t.to, reason: t.reason })),
      incident: async (incidentId) => {
        const d = await this.engine().detail(incidentId);
        return { phase: d.incident.phase, timeline: d.timeline };
      },
      incidentSince: async (host, since) => {
        const incidents = await this.engine().list(50);
        return incidents.find((i) => i.host === host && Date.parse(i.createdAt) >= since - 1000)?.id;
      },
      recoveryPlan: async (host) => {
        const { plan } = await this.engine().dryRun(host);
        return {
          fits: plan.fits,
          blocked: plan.blocked.map((b) => `${b.instanceName}: ${b.reason}`),
          warnings: plan.warnings,
        };
      },
      reinstate: async (host, why) => {
        await this.engine().reinstate(host, { who: 'vigil-drill', why });
      },
      hasFailCommand: (name) => this.config.drill.failCommands[name] !== undefined,
      runFailCommand: (name, host) => this.runFailCommand(name, host),
      save: async (report) => {
        await this.store.save(report);
        await this.store.refreshLock(id, lockMs);
      },
      abortRequested: (drillId) => this.store.abortRequested(drillId),
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  }

  private async bmc(host: string): Promise<DrillBmc | undefined> {
    const driver = await this.drivers.driverFor(host);
    if (!driver) return undefined;
    return {
      status: () => driver.status({ timeoutMs: FENCE_TIMEOUT_MS }),
      powerOff: async () => {
        const result = await driver.powerOff({ timeoutMs: FENCE_TIMEOUT_MS });
        if (result.state !== 'off')
          throw new VigilError(
            ErrorCode.POWER_OFF_UNVERIFIED,
            `power-off of ${host} was not read back as off`,
          );
      },
      powerOn: async () => {
        await driver.powerOn({ timeoutMs: FENCE_TIMEOUT_MS });
      },
    };
  }

  /** argv from the config only, `{host}` replaced; no shell. */
  private runFailCommand(name: string, host: string): Promise<void> {
    const argv = this.config.drill.failCommands[name];
    if (!argv?.[0]) throw new VigilError(ErrorCode.BAD_REQUEST, `No fail command named ${name}.`);
    const [program, ...args] = argv.map((a) => a.replaceAll('{host}', host));
    return new Promise((resolve, reject) => {
      execFile(program ?? '', args, { timeout: FAIL_COMMAND_TIMEOUT_MS }, (err, _stdout, stderr) => {
        if (err)
          reject(
            new VigilError(
              ErrorCode.UNAVAILABLE,
              `fail command ${name} failed: ${err.message}${stderr ? ` (${stderr.trim().slice(0, 300)})` : ''}`,
            ),
          );
        else resolve();
      });
    });
  }
}
