import { randomUUID } from 'node:crypto';
import {
  type Clock,
  type Flavor,
  type HostRecord,
  type MigrationRecord,
  NovaFault,
  POWER_STATE,
  type ServerRecord,
  type VmState,
} from './types';

/** What the evacuation engine needs from the model. */
export interface EvacuationHost {
  clock: Clock;
  host(name: string): HostRecord | undefined;
  hosts(): Iterable<HostRecord>;
  isUp(host: HostRecord): boolean;
  freeCapacity(host: string): Flavor;
  moveServer(server: ServerRecord, host: HostRecord | null): void;
  addMigration(migration: MigrationRecord): void;
}

export interface EvacuationTiming {
  /** From the API call to the end of the rebuild (ms). Scheduling happens at a quarter of it. */
  rebuildDurationMs: number;
  /** vm_state settles this long before host/node switch and the migration turns `done` (ms). */
  hostSwitchDelayMs: number;
}

interface Job {
  server: ServerRecord;
  migration: MigrationRecord;
  startMs: number;
  requestedHost?: string;
  originalVmState: VmState;
  phase: 'accepted' | 'rebuilding' | 'finishing';
  dest?: HostRecord;
}

/**
 * Pure: the scheduler's choice. Enabled, up hosts other than the source that can hold the flavor; the one
 * with the most free RAM wins (ties: name order, so tests are deterministic).
 */
export function pickHost(
  candidates: ReadonlyArray<{ host: string; enabled: boolean; up: boolean; free: Flavor }>,
  flavor: Flavor,
  source: string,
): string | undefined {
  const fits = candidates.filter(
    (c) =>
      c.host !== source &&
      c.enabled &&
      c.up &&
      c.free.vcpus >= flavor.vcpus &&
      c.free.ramMb >= flavor.ramMb &&
      c.free.diskGb >= flavor.diskGb,
  );
  fits.sort((a, b) => b.free.ramMb - a.free.ramMb || a.host.localeCompare(b.host));
  return fits[0]?.host;
}

/** A migration record as the API creates it: `accepted`, the destination only if one was requested. */
export function newMigration(
  id: number,
  server: ServerRecord,
  migrationType: MigrationRecord['migrationType'],
  requestedHost: string | undefined,
  now: number,
): MigrationRecord {
  return {
    id,
    uuid: randomUUID(),
    instanceUuid: server.id,
    migrationType,
    status: 'accepted',
    sourceCompute: server.host ?? '',
    sourceNode: server.node,
    destCompute: requestedHost ?? null,
    destNode: null,
    createdMs: now,
    updatedMs: now,
  };
}

/** The scheduler over the model's hosts (`pickHost`), limited to the requested host when there is one. */
export function schedule(
  model: EvacuationHost,
  server: ServerRecord,
  source: string,
  requestedHost: string | undefined,
): string | undefined {
  const candidates = [...model.hosts()]
    .filter((h) => requestedHost === undefined || h.host === requestedHost)
    .map((h) => ({
      host: h.host,
      enabled: h.status === 'enabled',
      up: model.isUp(h),
      free: model.freeCapacity(h.host),
    }));
  return pickHost(candidates, server.flavor, source);
}

/**
 * Evacuations in flight (openstack-api.md §4.4): accepted → scheduled and claimed (pre-migrating) →
 * rebuilt (vm_state settles) → host switched and migration done; or error/failed. Advances lazily from
 * the clock, so a simulated cloud with thousands of moves needs no timers.
 */
export class EvacuationEngine {
  private readonly jobs = new Map<string, Job>();
  private readonly failures = new Map<string, number>();
  /** Servers whose rebuild stalls on the destination (migration stays `pre-migrating`) until released. */
  private readonly held = new Set<string>();
  constructor(
    private readonly model: EvacuationHost,
    readonly timing: EvacuationTiming,
    /** Migration ids, shared with live migrations (one table in Nova). */
    private readonly nextId: () => number = counter(),
  ) {}

  /** The next `count` evacuations of `serverId` fail on the destination (migration `failed`, vm ERROR). */
  failNext(serverId: string, count = 1): void {
    this.failures.set(serverId, (this.failures.get(serverId) ?? 0) + count);
  }

  /**
   * Evacuations of `serverId` stall after scheduling (migration `pre-migrating`, task_state
   * `rebuild_spawning`) until `release`: a slow destination, e.g. a large image still copying.
   */
  hold(serverId: string): void {
    this.held.add(serverId);
  }

  /** The held rebuild goes on; it ends at once if its time is already up. */
  release(serverId: string): void {
    this.held.delete(serverId);
  }

  inFlight(): number {
    return this.jobs.size;
  }

  /** Claims of moves heading to `host` (capacity is taken at scheduling, as the destination claims it). */
  claimsOn(host: string): Flavor[] {
    return [...this.jobs.values()].filter((j) => j.dest?.host === host).map((j) => j.server.flavor);
  }

  start(server: ServerRecord, requestedHost: string | undefined): MigrationRecord {
    const now = this.model.clock.now();
    const migration = newMigration(this.nextId(), server, 'evacuation', requestedHost, now);
    this.model.addMigration(migration);
    server.taskState = 'rebuilding';
    server.updatedMs = now;
    this.jobs.set(server.id, {
      server,
      migration,
      startMs: now,
      requestedHost,
      originalVmState: server.vmState,
      phase: 'accepted',
    });
    return migration;
  }

  /** Applies every step that is due. */
  advance(): void {
    const now = this.model.clock.now();
    const { rebuildDurationMs, hostSwitchDelayMs } = this.timing;
    for (const job of [...this.jobs.values()]) {
      if (job.phase === 'accepted' && now >= job.startMs + rebuildDurationMs / 4) this.schedule(job, now);
      if (this.held.has(job.server.id) && job.phase === 'rebuilding') {
        // Time spent held does not count: the rebuild resumes where it stalled.
        job.startMs = Math.max(job.startMs, now - rebuildDurationMs / 4);
        continue;
      }
      if (job.phase === 'rebuilding' && now >= job.startMs + rebuildDurationMs) this.rebuild(job, now);
      if (job.phase === 'finishing' && now >= job.startMs + rebuildDurationMs + hostSwitchDelayMs)
        this.finish(job, now);
    }
  }

  private schedule(job: Job, now: number): void {
    const { server, migration } = job;
    const chosen = schedule(this.model, server, migration.sourceCompute, job.requestedHost);
    const dest = chosen === undefined ? undefined : this.model.host(chosen);
    if (!dest) {
      // NoValidHost: the conductor gives up; the instance goes to ERROR on its old host.
      this.end(job, 'error', now, 'No valid host was found. There are not enough hosts available.');
      return;
    }
    job.dest = dest;
    job.phase = 'rebuilding';
    Object.assign(migration, {
      status: 'pre-migrating',
      destCompute: dest.host,
      destNode: dest.hypervisorHostname,
      updatedMs: now,
    });
    server.taskState = 'rebuild_spawning';
    server.updatedMs = now;
  }

  private rebuild(job: Job, now: number): void {
    const pending = this.failures.get(job.server.id) ?? 0;
    if (pending > 0) {
      this.failures.set(job.server.id, pending - 1);
      this.end(
        job,
        'failed',
        now,
        `Rebuild of instance ${job.server.id} failed on ${job.dest?.host ?? '?'} (injected).`,
      );
      return;
    }
    const server = job.server;
    // A stopped instance ends stopped; an active or error one ends active (Zed).
    server.vmState = job.originalVmState === 'stopped' ? 'stopped' : 'active';
    server.powerState = server.vmState === 'active' ? POWER_STATE.RUNNING : POWER_STATE.SHUTDOWN;
    server.taskState = null;
    server.fault = undefined;
    server.updatedMs = now;
    job.phase = 'finishing';
  }

  private finish(job: Job, now: number): void {
    this.model.moveServer(job.server, job.dest ?? null);
    job.server.updatedMs = now;
    job.migration.status = 'done';
    job.migration.updatedMs = now;
    this.jobs.delete(job.server.id);
  }

  private end(job: Job, status: 'error' | 'failed', now: number, message: string): void {
    const server = job.server;
    server.vmState = 'error';
    server.taskState = null;
    server.fault = { code: 500, message, createdMs: now };
    server.updatedMs = now;
    job.migration.status = status;
    job.migration.updatedMs = now;
    this.jobs.delete(server.id);
  }

  /** Nova's synchronous checks, in its order (openstack-api.md §4.3). */
  static check(
    server: ServerRecord,
    sourceUp: boolean,
    target: HostRecord | undefined,
    targetName?: string,
  ): void {
    if (targetName !== undefined && !target)
      throw new NovaFault(404, `Compute host ${targetName} not found.`);
    if (targetName !== undefined && targetName === server.host)
      throw new NovaFault(400, "The target host can't be the same one.");
    if (!['active', 'stopped', 'error'].includes(server.vmState))
      throw new NovaFault(
        409,
        `Cannot 'evacuate' instance ${server.id} while it is in vm_state ${server.vmState}`,
      );
    if (server.taskState !== null)
      throw new NovaFault(
        409,
        `Cannot 'evacuate' instance ${server.id} while it is in task_state ${server.taskState}`,
      );
    if (server.launchedMs === null)
      throw new NovaFault(409, `Instance ${server.id} has never been launched.`);
    if (sourceUp) throw new NovaFault(400, `Compute service of ${server.host ?? ''} is still in use.`);
  }
}

function counter(): () => number {
  let next = 1;
  return () => next++;
}
