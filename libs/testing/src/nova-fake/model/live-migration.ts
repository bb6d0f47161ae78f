import { type EvacuationHost, newMigration, schedule } from './evacuation';
import { type HostRecord, type MigrationRecord, NovaFault, type ServerRecord } from './types';

interface Job {
  server: ServerRecord;
  migration: MigrationRecord;
  startMs: number;
  requestedHost?: string;
  /** `force: true` (2.30–2.67): the scheduler is skipped and the given host taken as it is. */
  force: boolean;
  phase: 'accepted' | 'running';
  dest?: HostRecord;
}

/**
 * Live migrations in flight (Nova API reference, `os-migrateLive`): the API sets task_state `migrating`
 * and records a `live-migration` migration `accepted`; the conductor schedules (NoValidHost: migration
 * `error`, the instance stays ACTIVE where it is, task_state cleared) and the source queues it
 * (`queued` → `preparing` on the destination → `running`); on success the instance is switched to the
 * destination and the migration `completed`; a failure rolls back (`failed`, instance ACTIVE on the
 * source). Advances lazily from the clock, as evacuations do.
 */
export class LiveMigrationEngine {
  private readonly jobs = new Map<string, Job>();
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly model: EvacuationHost,
    readonly durationMs: () => number,
    private readonly nextId: () => number,
  ) {}

  /** The next `count` live migrations of `serverId` fail while running (rolled back to the source). */
  failNext(serverId: string, count = 1): void {
    this.failures.set(serverId, (this.failures.get(serverId) ?? 0) + count);
  }

  inFlight(): number {
    return this.jobs.size;
  }

  claimsOn(host: string): ServerRecord[] {
    return [...this.jobs.values()].filter((j) => j.dest?.host === host).map((j) => j.server);
  }

  start(server: ServerRecord, requestedHost: string | undefined, force: boolean): MigrationRecord {
    const now = this.model.clock.now();
    const migration = newMigration(this.nextId(), server, 'live-migration', requestedHost, now);
    this.model.addMigration(migration);
    server.taskState = 'migrating';
    server.updatedMs = now;
    this.jobs.set(server.id, { server, migration, startMs: now, requestedHost, force, phase: 'accepted' });
    return migration;
  }

  advance(): void {
    const now = this.model.clock.now();
    const duration = this.durationMs();
    for (const job of [...this.jobs.values()]) {
      if (job.phase === 'accepted' && now >= job.startMs + duration / 4) this.schedule(job, now);
      if (job.phase === 'running' && now >= job.startMs + duration / 2) this.step(job, 'running', now);
      if (job.phase === 'running' && now >= job.startMs + duration) this.finish(job, now);
    }
  }

  private schedule(job: Job, now: number): void {
    const { server, migration } = job;
    const forced =
      job.force && job.requestedHost !== undefined ? this.model.host(job.requestedHost) : undefined;
    const chosen = forced?.host ?? schedule(this.model, server, migration.sourceCompute, job.requestedHost);
    const dest = chosen === undefined ? undefined : this.model.host(chosen);
    if (!dest) {
      // NoValidHost: nothing moved; the instance stays ACTIVE on its host.
      this.end(job, 'error', now);
      return;
    }
    job.dest = dest;
    job.phase = 'running';
    Object.assign(migration, { status: 'queued', destCompute: dest.host, destNode: dest.hypervisorHostname });
    this.step(job, 'preparing', now);
  }

  private step(job: Job, status: 'preparing' | 'running', now: number): void {
    if (job.migration.status === status) return;
    job.migration.status = status;
    job.migration.updatedMs = now;
  }

  private finish(job: Job, now: number): void {
    const pending = this.failures.get(job.server.id) ?? 0;
    if (pending > 0) {
      this.failures.set(job.server.id, pending - 1);
      this.end(job, 'failed', now);
      return;
    }
    this.model.moveServer(job.server, job.dest ?? null);
    job.server.taskState = null;
    job.server.updatedMs = now;
    Object.assign(job.migration, { status: 'completed', updatedMs: now });
    this.jobs.delete(job.server.id);
  }

  private end(job: Job, status: 'error' | 'failed', now: number): void {
    job.server.taskState = null;
    job.server.updatedMs = now;
    Object.assign(job.migration, { status, updatedMs: now });
    this.jobs.delete(job.server.id);
  }

  /** Nova's synchronous checks of `os-migrateLive`, in its order. */
  static check(
    server: ServerRecord,
    sourceUp: boolean,
    target: HostRecord | undefined,
    targetName: string | undefined,
  ): void {
    if (!['active', 'paused'].includes(server.vmState))
      throw new NovaFault(
        409,
        `Cannot 'os-migrateLive' instance ${server.id} while it is in vm_state ${server.vmState}`,
      );
    if (server.taskState !== null)
      throw new NovaFault(
        409,
        `Cannot 'os-migrateLive' instance ${server.id} while it is in task_state ${server.taskState}`,
      );
    if (targetName !== undefined && !target)
      throw new NovaFault(400, `Compute host ${targetName} could not be found.`);
    if (targetName !== undefined && targetName === server.host)
      throw new NovaFault(400, `The target host ${targetName} is the same as the current host.`);
    if (!sourceUp)
      throw new NovaFault(400, `Compute service of ${server.host ?? ''} is unavailable at this time.`);
  }
}
