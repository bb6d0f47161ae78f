import { type Logger } from '@vigil/config';
import { deriveHostSecret } from '@vigil/contracts';
import {
  type FakePowerState,
  type OpenStackFixture,
  type ResetRequester,
  startOpenStack,
} from '@vigil/testing';
import { type ClusterPlan, planCluster } from '../model/cluster';
import {
  applyFault,
  effectsOf,
  HEALTHY,
  type HostCondition,
  type HostEffects,
  type HostFault,
  type PartitionScope,
} from '../model/host-condition';
import { type OpenPartition, type Partition, PartitionBook } from '../model/partitions';
import { PowerLog } from '../model/power-log';
import { type Scenario } from '../scenario/scenario';
import { type BmcBehaviour, BmcFarm } from './bmc-farm';
import { SimulatedMonitor } from './simulated-monitor';
import { type SimulatedConnect } from './simulated-peers';

/** Where the simulated monitors report, and the key their per-host secrets derive from. */
export interface SimControllerLink {
  urls: readonly string[];
  /** The controller's `intake.heartbeatMasterKey`. Secret. */
  heartbeatMasterKey: string;
}

export interface CloudSimOptions {
  scenario: Scenario;
  /** Without it the cloud runs without monitors (Keystone, Nova and the BMCs only). */
  controller?: SimControllerLink;
  logger: Logger;
  /** Logger of the simulated monitors (thousands of them: keep it quiet). Default `logger`. */
  monitorLogger?: Logger;
  /** Create the monitors but start them only on `startMonitors()` (once the controller knows the hosts). */
  deferMonitors?: boolean;
}

/** Something that happened to the simulated cloud, for `/sim/state` and the demo's checks. */
export interface SimEvent {
  atMs: number;
  kind: string;
  target: string;
  /** Who did it: `injection` (the sim's API) or `bmc` (a Redfish reset, i.e. fencing). */
  source: 'injection' | 'bmc';
}

/** How a rack's BMCs behave after the rack lost power. */
export type RackPowerLossBmcs = 'read-off' | 'unreachable';

export interface NovaFaultSettings {
  latencyMs?: number;
  failRate?: number;
  failStatus?: number;
}

const EVENTS_KEPT = 1000;

/**
 * One simulated OpenStack cloud: Keystone and Nova fakes (the catalog points at this process), one
 * Redfish BMC per host, and a simulated host monitor per host. Each host's condition is the pure
 * `HostCondition`; every change is pushed to the BMC (power), Nova (service liveness) and the monitor.
 */
export class CloudSim {
  readonly events: SimEvent[] = [];
  /** Ground truth: every power transition of every host, with its cause and who asked. */
  readonly powerLog = new PowerLog();
  private readonly conditions = new Map<string, HostCondition>();
  private readonly monitors = new Map<string, SimulatedMonitor>();
  private readonly partitions = new PartitionBook();
  private readonly healTimers = new Map<string, NodeJS.Timeout>();
  private cliff = false;

  private constructor(
    readonly scenario: Scenario,
    readonly plan: ClusterPlan,
    readonly openstack: OpenStackFixture,
    readonly bmc: BmcFarm,
    private readonly logger: Logger,
  ) {}

  static async start(options: CloudSimOptions): Promise<CloudSim> {
    const { scenario } = options;
    const plan = planCluster(scenario);
    const openstack = await startOpenStack({
      nova: {
        serviceDownTimeMs: scenario.timing.serviceDownTimeMs,
        reportIntervalMs: scenario.timing.reportIntervalMs,
        rebuildDurationMs: scenario.timing.rebuildMs,
        hostSwitchDelayMs: scenario.timing.hostSwitchMs,
      },
    });
    openstack.nova.http.faults.latencyMs = scenario.timing.novaApiLatencyMs;
    // The BMC reports power changes to the sim, which needs the BMC to exist first.
    const ref: { sim?: CloudSim } = {};
    const bmc = await BmcFarm.start(
      plan.hosts.map((h) => h.name),
      (host, state, requester) => ref.sim?.onBmcPower(host, state, requester),
    );
    const sim = new CloudSim(scenario, plan, openstack, bmc, options.logger);
    ref.sim = sim;
    sim.populate(options);
    return sim;
  }

  get endpoints(): { keystone: string; nova: string; bmc: string } {
    return {
      keystone: this.openstack.keystone.authUrl,
      nova: this.openstack.nova.endpoint,
      bmc: `http://127.0.0.1:${this.bmc.port}/redfish/v1`,
    };
  }

  get controllerCliff(): boolean {
    return this.cliff;
  }

  hasHost(host: string): boolean {
    return this.conditions.has(host);
  }

  condition(host: string): HostCondition | undefined {
    return this.conditions.get(host);
  }

  effects(host: string): HostEffects | undefined {
    const c = this.conditions.get(host);
    return c && effectsOf(c, this.cliff);
  }

  monitor(host: string): SimulatedMonitor | undefined {
    return this.monitors.get(host);
  }

  /**
   * Applies a fault (or repair) to one host and propagates its effects. False for an unknown host.
   * `partition` opens a one-host partition (no end); `heal` and `recover` take the host out of every
   * partition. `by` is who asked, for the power log.
   */
  inject(host: string, fault: HostFault, source: SimEvent['source'] = 'injection', by = 'sim'): boolean {
    if (!this.conditions.has(host)) return false;
    if (fault.kind === 'partition') {
      this.partition({ hosts: [host], scope: fault.scope ?? 'everything' });
      return true;
    }
    if (fault.kind === 'heal' || fault.kind === 'recover') this.leavePartitions(host);
    this.change(host, fault, source, by);
    return true;
  }

  /** Partitions (or heals) every host of a rack, with no end. False for an unknown rack. */
  partitionRack(rack: string, partitioned: boolean): boolean {
    const hosts = this.rackHosts(rack);
    if (hosts.length === 0) return false;
    if (partitioned) this.partition({ hosts, scope: 'everything', label: rack });
    else for (const h of hosts) this.inject(h, { kind: 'heal' });
    return true;
  }

  rackHosts(rack: string): string[] {
    return this.plan.hosts.filter((h) => h.rack === rack).map((h) => h.name);
  }

  /**
   * Cuts a set of hosts off from `scope` (docs/cloud-sim.md), healing by itself after `durationMs`
   * when given. Unknown hosts are an error, so a typo never makes a partition of nobody.
   */
  partition(input: OpenPartition): Partition {
    const unknown = input.hosts.filter((h) => !this.conditions.has(h));
    if (unknown.length > 0 || input.hosts.length === 0)
      throw new Error(unknown.length > 0 ? `unknown hosts: ${unknown.join(', ')}` : 'no hosts');
    const partition = this.partitions.open(input, Date.now());
    this.record(`partition:${partition.scope}:${partition.id}`, partition.hosts.join(','), 'injection');
    for (const host of partition.hosts) this.applyPartitionScope(host);
    if (input.durationMs !== undefined) {
      const timer = setTimeout(() => this.healPartition(partition.id), input.durationMs);
      this.healTimers.set(partition.id, timer);
    }
    return partition;
  }

  /** Ends one partition (its hosts keep any other partition they are in). Undefined when not active. */
  healPartition(id: string): Partition | undefined {
    clearTimeout(this.healTimers.get(id));
    this.healTimers.delete(id);
    const partition = this.partitions.close(id);
    if (!partition) return undefined;
    this.record(`partition-healed:${id}`, partition.hosts.join(','), 'injection');
    for (const host of partition.hosts) this.applyPartitionScope(host);
    return partition;
  }

  activePartitions(): Partition[] {
    return this.partitions.list();
  }

  /**
   * A rack loses power: every host goes Off at once. `read-off`: the BMCs (on standby power or a
   * separate feed) answer and read Off; `unreachable`: the BMCs went down with the rack and never
   * answer (BMC behaviour `hang`). False for an unknown rack.
   */
  rackPowerOff(rack: string, bmcs: RackPowerLossBmcs, by = 'sim'): boolean {
    const hosts = this.rackHosts(rack);
    if (hosts.length === 0) return false;
    for (const host of hosts) {
      this.change(host, { kind: 'power-off' }, 'injection', by, 'rack-power-off');
      if (bmcs === 'unreachable') this.setBmcBehaviour(host, 'hang');
    }
    return true;
  }

  /** Power back to a rack: BMCs answer again and every host boots. False for an unknown rack. */
  rackPowerOn(rack: string, by = 'sim'): boolean {
    const hosts = this.rackHosts(rack);
    if (hosts.length === 0) return false;
    for (const host of hosts) {
      if (this.bmc.behaviour(host) === 'hang') this.setBmcBehaviour(host, 'normal');
      this.change(host, { kind: 'power-on' }, 'injection', by, 'rack-power-on');
    }
    return true;
  }

  /** The controller's own network fails: no heartbeat arrives from anyone, every host is fine. */
  setControllerCliff(active: boolean): void {
    this.cliff = active;
    this.record(active ? 'cliff' : 'cliff-healed', 'controller', 'injection');
  }

  setNovaFaults(settings: NovaFaultSettings): void {
    Object.assign(this.openstack.nova.http.faults, settings);
    this.record(`nova-faults:${JSON.stringify(this.openstack.nova.http.faults)}`, 'nova', 'injection');
  }

  /** `delayMs`: how late a `slow` BMC answers (default `DEFAULT_SLOW_BMC_DELAY_MS`). */
  setBmcBehaviour(host: string, behaviour: BmcBehaviour, delayMs?: number): boolean {
    const ok = this.bmc.setBehaviour(host, behaviour, delayMs);
    if (ok) this.record(`bmc:${behaviour}`, host, 'injection');
    return ok;
  }

  /**
   * The instance's qemu dies: Nova shows it SHUTOFF and the host's monitor reports STOPPED_FAILED (when
   * it runs and reaches the controller). Undefined for an unknown instance.
   */
  async crashInstance(id: string): Promise<{ host: string | null; reported: boolean } | undefined> {
    const { model } = this.openstack.nova;
    const server = model.server(id);
    if (!server) return undefined;
    if (server.vmState === 'active' && server.taskState === null) model.stop(id);
    this.record('instance-crash', id, 'injection');
    const host = server.host;
    const effects = host === null ? undefined : this.effects(host);
    const monitor = host === null ? undefined : this.monitors.get(host);
    if (!monitor || !effects?.monitorRunning) return { host, reported: false };
    return { host, reported: await monitor.reportInstanceEvent(id, 'STOPPED_FAILED') };
  }

  async stop(): Promise<void> {
    for (const timer of this.healTimers.values()) clearTimeout(timer);
    this.healTimers.clear();
    await Promise.all([...this.monitors.values()].map((m) => m.stop()));
    await this.bmc.stop();
    await this.openstack.stop();
  }

  private populate(options: CloudSimOptions): void {
    const { model } = this.openstack.nova;
    for (const h of this.plan.hosts) {
      model.addHost({ host: h.name, vcpus: h.vcpus, memoryMb: h.memoryMb, localGb: h.localGb });
      this.conditions.set(h.name, HEALTHY);
    }
    for (const i of this.plan.instances)
      model.addServer({
        host: i.host,
        name: i.name,
        vmState: i.stopped ? 'stopped' : 'active',
        flavor: { vcpus: i.flavor.vcpus, ramMb: i.flavor.ramMb, diskGb: i.flavor.diskGb },
        metadata: i.metadata,
      });
    const link = options.controller;
    if (!link) return;
    const intervalMs = this.scenario.timing.heartbeatIntervalMs;
    for (const h of this.plan.hosts) {
      const monitor = new SimulatedMonitor(
        {
          host: h.name,
          secret: deriveHostSecret(link.heartbeatMasterKey, h.name),
          controllerUrls: link.urls,
          intervalMs,
          requestTimeoutMs: Math.max(500, Math.min(2_000, intervalMs)),
          peers: this.plan.hosts.filter((o) => o.rack === h.rack && o.name !== h.name).map((o) => o.name),
        },
        () => effectsOf(this.conditions.get(h.name) ?? HEALTHY, this.cliff),
        options.monitorLogger ?? this.logger,
        (peer) => this.peerConnect(h.name, peer),
      );
      this.monitors.set(h.name, monitor);
    }
    if (!options.deferMonitors) this.startMonitors();
  }

  /**
   * A TCP connect from one host's monitor to a rack neighbour's: answered while both run and neither
   * is cut off; a running host whose monitor is down refuses (its kernel answers).
   */
  private peerConnect(from: string, to: string): SimulatedConnect {
    const a = this.conditions.get(from) ?? HEALTHY;
    const b = this.conditions.get(to) ?? HEALTHY;
    if (!effectsOf(a).peersReach || !effectsOf(b).peersReach) return 'no-answer';
    return this.monitors.get(to)?.isRunning ? 'connected' : 'refused';
  }

  /** Starts the monitor of every running host, spread over one interval as independently started monitors would be. */
  startMonitors(): void {
    const intervalMs = this.scenario.timing.heartbeatIntervalMs;
    const count = this.plan.hosts.length;
    this.plan.hosts.forEach((h, index) => {
      const c = this.conditions.get(h.name);
      if (c && effectsOf(c, this.cliff).monitorRunning)
        this.monitors.get(h.name)?.start(c.boots, Math.floor((index * intervalMs) / count));
    });
  }

  /** A Redfish reset changed a system's power: that is the host's own power changing. */
  private onBmcPower(host: string, state: FakePowerState, requester: ResetRequester): void {
    const by = `bmc client ${requester.userAgent || '(no user-agent)'} from ${requester.remoteAddress || '?'}`;
    const cause = `bmc ${requester.resetType}`;
    if (state === 'Off') this.change(host, { kind: 'power-off' }, 'bmc', by, cause);
    if (state === 'On') this.change(host, { kind: 'power-on' }, 'bmc', by, cause);
  }

  private leavePartitions(host: string): void {
    for (const id of this.partitions.removeHost(host)) {
      clearTimeout(this.healTimers.get(id));
      this.healTimers.delete(id);
    }
  }

  /** Sets the host's partition scope to the strongest of the partitions it is in now. */
  private applyPartitionScope(host: string): void {
    const scope: PartitionScope | null = this.partitions.scopeOf(host);
    const before = this.conditions.get(host);
    if (!before || before.partition === scope) return;
    this.conditions.set(host, applyFault(before, scope ? { kind: 'partition', scope } : { kind: 'heal' }));
    this.sync(host);
  }

  /** One condition change: recorded as an event, in the power log when power or boot changed, pushed out. */
  private change(
    host: string,
    fault: HostFault,
    source: SimEvent['source'],
    by: string,
    cause: string = fault.kind,
  ): void {
    const before = this.conditions.get(host);
    if (!before) return;
    const after = applyFault(before, fault);
    this.conditions.set(host, after);
    this.record(
      fault.kind === 'crash' || fault.kind === 'restart' ? `${fault.kind}:${fault.component}` : fault.kind,
      host,
      source,
    );
    if (after.power !== before.power || after.boots !== before.boots)
      this.powerLog.record({
        atMs: Date.now(),
        host,
        from: before.power === 'on' ? 'On' : 'Off',
        to: after.power === 'on' ? 'On' : 'Off',
        boot: after.boots,
        cause,
        by,
      });
    this.sync(host);
  }

  private sync(host: string): void {
    const c = this.conditions.get(host);
    if (!c) return;
    const effects = effectsOf(c, this.cliff);
    const power = this.bmc.power(host);
    if ((power === 'On' || power === 'Off') && power !== effects.bmcPower)
      this.bmc.setPower(host, effects.bmcPower);
    const novaHost = this.openstack.nova.model.host(host);
    if (novaHost && novaHost.alive !== effects.novaComputeReporting)
      this.openstack.nova.model.setAlive(host, effects.novaComputeReporting);
    const monitor = this.monitors.get(host);
    if (!monitor) return;
    if (effects.monitorRunning && !monitor.isRunning) monitor.start(c.boots);
    if (!effects.monitorRunning && monitor.isRunning)
      monitor
        .stop()
        .catch((err: unknown) => this.logger.error({ err, host }, 'stopping a simulated monitor failed'));
  }

  private record(kind: string, target: string, source: SimEvent['source']): void {
    this.events.push({ atMs: Date.now(), kind, target, source });
    if (this.events.length > EVENTS_KEPT) this.events.splice(0, this.events.length - EVENTS_KEPT);
    this.logger.info({ kind, target, source }, 'simulated cloud event');
  }
}
