import { randomUUID } from 'node:crypto';
import { AggregateRegistry } from './aggregates';
import { type EvacuationHost, EvacuationEngine, type EvacuationTiming } from './evacuation';
import { LiveMigrationEngine } from './live-migration';
import {
  type Clock,
  type ComputeHostSpec,
  DEFAULT_FLAVOR,
  type Flavor,
  type HostRecord,
  type HypervisorUsage,
  type MigrationRecord,
  NovaFault,
  POWER_STATE,
  type ServerRecord,
  type ServerSpec,
  systemClock,
} from './types';

export interface NovaModelOptions {
  clock?: Clock;
  /** `service_down_time`: a service whose last heartbeat is older is `down` (ms). Default 60,000. */
  serviceDownTimeMs?: number;
  /**
   * `report_interval`: nova-compute writes its service record (advancing `updated_at`) this often (ms).
   * Default 10,000. As in Nova, a `service_down_time` not above it is raised to 2.5 × it.
   */
  reportIntervalMs?: number;
  /** Evacuation call → vm_state settled (ms). Default 1,000. */
  rebuildDurationMs?: number;
  /** vm_state settled → host switched, migration done (ms). Default 20. */
  hostSwitchDelayMs?: number;
  /** Live migration call → instance on the destination, migration completed (ms). Default 1,000. */
  liveMigrationDurationMs?: number;
}

export interface ServiceUpdate {
  status?: 'enabled' | 'disabled';
  disabledReason?: string;
  forcedDown?: boolean;
}

/**
 * The Nova fake's cloud: compute hosts (service + hypervisor), servers, evacuation migrations and
 * aggregates. No I/O; time comes from the injected clock and in-flight evacuations advance lazily on
 * every call, so it scales to a simulated cloud and unit-tests without sleeping.
 */
export class NovaModel {
  readonly clock: Clock;
  serviceDownTimeMs: number;
  reportIntervalMs: number;
  readonly evacuations: EvacuationEngine;
  readonly liveMigrations: LiveMigrationEngine;
  liveMigrationDurationMs: number;
  readonly aggregates: AggregateRegistry;
  private readonly hostsByName = new Map<string, HostRecord>();
  private readonly serversById = new Map<string, ServerRecord>();
  private readonly serversByHost = new Map<string, Set<string>>();
  private readonly migrationList: MigrationRecord[] = [];
  /** Servers still spawning: when they settle and into which vm_state. */
  private readonly booting = new Map<string, { atMs: number; vmState: 'active' | 'error' }>();
  private nextServiceId = 1;
  private nextInstance = 1;

  constructor(options: NovaModelOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.reportIntervalMs = options.reportIntervalMs ?? 10_000;
    this.serviceDownTimeMs = options.serviceDownTimeMs ?? 60_000;
    const timing: EvacuationTiming = {
      rebuildDurationMs: options.rebuildDurationMs ?? 1_000,
      hostSwitchDelayMs: options.hostSwitchDelayMs ?? 20,
    };
    this.aggregates = new AggregateRegistry(this.clock, (host) => this.hostsByName.has(host));
    const host: EvacuationHost = {
      clock: this.clock,
      host: (name) => this.hostsByName.get(name),
      hosts: () => this.hostsByName.values(),
      isUp: (h) => this.isUp(h),
      freeCapacity: (name) => this.freeCapacity(name),
      moveServer: (server, to) => this.place(server, to),
      addMigration: (m) => this.migrationList.push(m),
    };
    let nextMigrationId = 1;
    const nextId = (): number => nextMigrationId++;
    this.evacuations = new EvacuationEngine(host, timing, nextId);
    this.liveMigrationDurationMs = options.liveMigrationDurationMs ?? 1_000;
    this.liveMigrations = new LiveMigrationEngine(host, () => this.liveMigrationDurationMs, nextId);
  }

  // ---- hosts and services -------------------------------------------------------------------

  addHost(spec: ComputeHostSpec): HostRecord {
    if (this.hostsByName.has(spec.host)) throw new Error(`host ${spec.host} already exists`);
    const now = this.clock.now();
    const id = this.nextServiceId++;
    const record: HostRecord = {
      host: spec.host,
      serviceId: id,
      serviceUuid: randomUUID(),
      hypervisorId: id,
      hypervisorUuid: randomUUID(),
      hypervisorHostname: spec.hypervisorHostname ?? `${spec.host}.example`,
      zone: spec.zone ?? 'nova',
      status: spec.enabled === false ? 'disabled' : 'enabled',
      disabledReason: spec.disabledReason ?? null,
      forcedDown: false,
      alive: spec.alive ?? true,
      lastSeenUpMs: now,
      reportingSinceMs: now,
      createdMs: now,
      updatedMs: now,
      vcpus: spec.vcpus ?? 64,
      memoryMb: spec.memoryMb ?? 262_144,
      localGb: spec.localGb ?? 4_000,
    };
    this.hostsByName.set(spec.host, record);
    this.serversByHost.set(spec.host, new Set());
    return record;
  }

  host(name: string): HostRecord | undefined {
    this.advance();
    return this.hostsByName.get(name);
  }

  hosts(): HostRecord[] {
    this.advance();
    return [...this.hostsByName.values()];
  }

  /**
   * up ⇔ not forced down and the last report is within `service_down_time` (openstack-api.md §3.4);
   * Nova raises a `service_down_time` not above `report_interval` to 2.5 × `report_interval`.
   */
  isUp(host: HostRecord): boolean {
    if (host.forcedDown) return false;
    const downTime =
      this.serviceDownTimeMs <= this.reportIntervalMs ? 2.5 * this.reportIntervalMs : this.serviceDownTimeMs;
    return Math.abs(this.clock.now() - this.lastSeenUp(host)) <= downTime;
  }

  /** `updated_at` as Nova shows it: the last report, or a later update of the record (disable, force-down). */
  lastReportMs(host: HostRecord): number {
    return Math.max(host.updatedMs, this.lastSeenUp(host));
  }

  /** A reporting nova-compute writes at start and every `report_interval` after, not continuously. */
  private lastSeenUp(host: HostRecord): number {
    if (!host.alive) return host.lastSeenUpMs;
    const since = host.reportingSinceMs;
    return since + Math.floor((this.clock.now() - since) / this.reportIntervalMs) * this.reportIntervalMs;
  }

  /**
   * nova-compute stops (crash, power-off) or starts again. On start it cleans up what was evacuated away
   * (its `done` evacuation records become `completed`), which is what lets `forced_down: false` pass.
   */
  setAlive(name: string, alive: boolean): void {
    const host = this.requireHost(name);
    const now = this.clock.now();
    if (host.alive && !alive) host.lastSeenUpMs = this.lastSeenUp(host);
    if (!host.alive && alive) host.reportingSinceMs = now;
    if (!host.alive && alive)
      for (const m of this.migrationList)
        if (m.sourceCompute === name && m.status === 'done')
          Object.assign(m, { status: 'completed', updatedMs: now });
    host.alive = alive;
  }

  /** Applies a service update with Nova's rules; the HTTP layer has validated the body's shape. */
  updateService(name: string, update: ServiceUpdate): HostRecord {
    this.advance();
    const host = this.requireHost(name);
    if (update.forcedDown === false && host.forcedDown) {
      const pending = this.migrationList.some((m) => m.sourceCompute === name && m.status === 'done');
      if (pending)
        throw new NovaFault(
          400,
          `Unable to force up host ${name} as \`done\` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to \`completed\` before retrying this request.`,
        );
    }
    const now = this.clock.now();
    if (update.forcedDown !== undefined) host.forcedDown = update.forcedDown;
    if (update.status === 'enabled') Object.assign(host, { status: 'enabled', disabledReason: null });
    if (update.status === 'disabled')
      Object.assign(host, {
        status: 'disabled',
        disabledReason: update.disabledReason ?? host.disabledReason,
      });
    host.updatedMs = now;
    return host;
  }

  // ---- servers -------------------------------------------------------------------------------

  addServer(spec: ServerSpec): ServerRecord {
    const now = this.clock.now();
    const host = spec.host === null ? null : this.requireHost(spec.host);
    const n = this.nextInstance++;
    const vmState = spec.vmState ?? 'active';
    const server: ServerRecord = {
      id: spec.id ?? randomUUID(),
      name: spec.name ?? `vm-${n}`,
      projectId: spec.projectId ?? 'project-a',
      userId: spec.userId ?? 'user-a',
      host: null,
      node: null,
      instanceName: `instance-${n.toString(16).padStart(8, '0')}`,
      zone: host?.zone ?? 'nova',
      vmState,
      taskState: spec.taskState ?? null,
      powerState: vmState === 'active' ? POWER_STATE.RUNNING : POWER_STATE.SHUTDOWN,
      flavor: spec.flavor ?? DEFAULT_FLAVOR,
      metadata: { ...spec.metadata },
      locked: spec.locked ?? false,
      lockedReason: null,
      createdMs: now,
      updatedMs: now,
      launchedMs: vmState === 'building' ? null : now,
    };
    this.serversById.set(server.id, server);
    this.place(server, host);
    return server;
  }

  server(id: string): ServerRecord | undefined {
    this.advance();
    return this.serversById.get(id);
  }

  requireServer(id: string): ServerRecord {
    const server = this.server(id);
    if (!server) throw new NovaFault(404, `Instance ${id} could not be found.`);
    return server;
  }

  /** Newest first (Nova's default sort: created_at desc, then id). */
  servers(filter: { host?: string } = {}): ServerRecord[] {
    this.advance();
    const ids =
      filter.host === undefined
        ? [...this.serversById.keys()]
        : [...(this.serversByHost.get(filter.host) ?? [])];
    return ids
      .map((id) => this.serversById.get(id))
      .filter((s): s is ServerRecord => s !== undefined)
      .sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1));
  }

  /** A server created BUILD settles `afterMs` later (ACTIVE, or ERROR when its host was dead). */
  finishBootLater(id: string, afterMs: number, vmState: 'active' | 'error'): void {
    this.booting.set(id, { atMs: this.clock.now() + afterMs, vmState });
  }

  /** The server is deleted: gone from lists and shows (404); its migration records stay, as in Nova. */
  removeServer(id: string): void {
    const server = this.requireServer(id);
    if (server.host !== null) this.serversByHost.get(server.host)?.delete(id);
    this.serversById.delete(id);
    this.booting.delete(id);
  }

  evacuate(id: string, targetHost?: string): MigrationRecord {
    const server = this.requireServer(id);
    const source = server.host === null ? undefined : this.hostsByName.get(server.host);
    const target = targetHost === undefined ? undefined : this.hostsByName.get(targetHost);
    EvacuationEngine.check(server, source !== undefined && this.isUp(source), target, targetHost);
    return this.evacuations.start(server, targetHost);
  }

  /** `os-migrateLive`; the HTTP layer has validated the body for its microversion. */
  liveMigrate(id: string, targetHost: string | undefined, force = false): MigrationRecord {
    const server = this.requireServer(id);
    const source = server.host === null ? undefined : this.hostsByName.get(server.host);
    const target = targetHost === undefined ? undefined : this.hostsByName.get(targetHost);
    LiveMigrationEngine.check(server, source !== undefined && this.isUp(source), target, targetHost);
    return this.liveMigrations.start(server, targetHost, force);
  }

  lock(id: string, reason?: string): void {
    const server = this.requireServer(id);
    Object.assign(server, { locked: true, lockedReason: reason ?? null, updatedMs: this.clock.now() });
  }

  unlock(id: string): void {
    const server = this.requireServer(id);
    Object.assign(server, { locked: false, lockedReason: null, updatedMs: this.clock.now() });
  }

  stop(id: string): void {
    const server = this.requireServer(id);
    if (server.vmState !== 'active' && server.vmState !== 'error')
      throw new NovaFault(409, `Cannot 'stop' instance ${id} while it is in vm_state ${server.vmState}`);
    if (server.taskState !== null)
      throw new NovaFault(409, `Cannot 'stop' instance ${id} while it is in task_state ${server.taskState}`);
    Object.assign(server, {
      vmState: 'stopped',
      powerState: POWER_STATE.SHUTDOWN,
      updatedMs: this.clock.now(),
    });
  }

  start(id: string): void {
    const server = this.requireServer(id);
    if (server.vmState !== 'stopped')
      throw new NovaFault(409, `Cannot 'start' instance ${id} while it is in vm_state ${server.vmState}`);
    if (server.taskState !== null)
      throw new NovaFault(409, `Cannot 'start' instance ${id} while it is in task_state ${server.taskState}`);
    Object.assign(server, {
      vmState: 'active',
      powerState: POWER_STATE.RUNNING,
      updatedMs: this.clock.now(),
    });
  }

  /** `os-resetState`: vm_state set, task_state cleared, whatever was going on. */
  resetState(id: string, state: 'active' | 'error'): void {
    const server = this.requireServer(id);
    Object.assign(server, { vmState: state, taskState: null, updatedMs: this.clock.now() });
  }

  // ---- migrations and hypervisors ---------------------------------------------------

  /** Newest first, as Nova sorts from 2.59. `host` matches source or destination, `sourceCompute` the source only. */
  migrations(
    filter: {
      instanceUuid?: string;
      migrationType?: string;
      host?: string;
      sourceCompute?: string;
      status?: string;
    } = {},
  ): MigrationRecord[] {
    this.advance();
    return this.migrationList
      .filter(
        (m) =>
          (filter.instanceUuid === undefined || m.instanceUuid === filter.instanceUuid) &&
          (filter.migrationType === undefined || m.migrationType === filter.migrationType) &&
          (filter.status === undefined || m.status === filter.status) &&
          (filter.sourceCompute === undefined || m.sourceCompute === filter.sourceCompute) &&
          (filter.host === undefined || m.sourceCompute === filter.host || m.destCompute === filter.host),
      )
      .sort((a, b) => b.createdMs - a.createdMs || b.id - a.id);
  }

  /** Used capacity: servers on the host plus claims of evacuations scheduled onto it. */
  usage(name: string): HypervisorUsage {
    const flavors = [...(this.serversByHost.get(name) ?? [])]
      .map((id) => this.serversById.get(id)?.flavor)
      .filter((f): f is Flavor => f !== undefined);
    const claims = [
      ...this.evacuations.claimsOn(name),
      ...this.liveMigrations.claimsOn(name).map((s) => s.flavor),
    ];
    const all = [...flavors, ...claims];
    return {
      vcpusUsed: all.reduce((n, f) => n + f.vcpus, 0),
      memoryMbUsed: all.reduce((n, f) => n + f.ramMb, 0),
      localGbUsed: all.reduce((n, f) => n + f.diskGb, 0),
      runningVms: flavors.length,
    };
  }

  freeCapacity(name: string): Flavor {
    const host = this.requireHost(name);
    const used = this.usage(name);
    return {
      vcpus: host.vcpus - used.vcpusUsed,
      ramMb: host.memoryMb - used.memoryMbUsed,
      diskGb: host.localGb - used.localGbUsed,
    };
  }

  /** Applies due evacuation steps; every read calls it, tests with a manual clock may too. */
  advance(): void {
    this.evacuations.advance();
    const now = this.clock.now();
    for (const [id, boot] of this.booting) {
      if (boot.atMs > now) continue;
      this.booting.delete(id);
      const server = this.serversById.get(id);
      if (!server) continue;
      Object.assign(server, {
        vmState: boot.vmState,
        taskState: null,
        powerState: boot.vmState === 'active' ? POWER_STATE.RUNNING : POWER_STATE.NOSTATE,
        launchedMs: boot.vmState === 'active' ? now : null,
        updatedMs: now,
      });
    }
    this.liveMigrations.advance();
  }

  private requireHost(name: string): HostRecord {
    const host = this.hostsByName.get(name);
    if (!host) throw new NovaFault(404, `Compute host ${name} could not be found.`);
    return host;
  }

  private place(server: ServerRecord, host: HostRecord | null): void {
    if (server.host !== null) this.serversByHost.get(server.host)?.delete(server.id);
    server.host = host?.host ?? null;
    server.node = host?.hypervisorHostname ?? null;
    if (host) {
      server.zone = host.zone;
      this.serversByHost.get(host.host)?.add(server.id);
    }
  }
}
