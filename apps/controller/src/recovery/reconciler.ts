import { type IncidentRecord } from './model';
import { type RecoveryJobName } from './queues/contracts';
import { DISABLED_REASON_PREFIX, errorMessage, type RecoveryDeps } from './recovery-deps';
import { TierGate } from './tiers/tier-gate';
import { isSettled, isTerminalPhase } from './workflow/state-machine';

/** How far back startup reconciliation looks. */
const RECONCILE_INCIDENTS = 500;

export interface PendingJobs {
  pendingJobs(): Promise<{ name: RecoveryJobName; data: unknown }[]>;
  /** Enqueues even when a finished job with the same id is still kept. */
  requeue(name: RecoveryJobName, data: Record<string, unknown>): Promise<void>;
}

export interface ReconcileReport {
  /** `new` notifications that had no incident (their intake was lost). */
  startedNotifications: string[];
  resumedIncidents: string[];
  resumedMoves: string[];
  unlockedInstances: string[];
  /** Hosts Nova shows forced down by Vigil with no incident in progress: reported, never auto-undone. */
  orphanForcedDown: string[];
}

/**
 * Reconciliation, at startup, on every gain of leadership and periodically on the leader: incidents in
 * progress without a live job are resumed, instances Vigil left locked are unlocked, and (not in the
 * periodic pass) hosts forced down by Vigil without an incident are reported. Safe to repeat: jobs have
 * deterministic ids and their handlers return at once for settled work.
 */
export class Reconciler {
  private readonly tiers: TierGate;

  constructor(
    private readonly d: RecoveryDeps,
    private readonly jobs: PendingJobs,
    /** Starts an incident for a notification (RecoveryEngine.submit). */
    private readonly submit: (notificationId: string) => Promise<unknown>,
  ) {
    this.tiers = new TierGate(d);
  }

  /**
   * `periodic`: the leader's regular pass (recovery.reconcileIntervalMs) rather than a start or a gain
   * of leadership. It resumes the same work but leaves the forced-down report (a Nova call) to those.
   */
  async run(options: { periodic?: boolean } = {}): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      startedNotifications: [],
      resumedIncidents: [],
      resumedMoves: [],
      unlockedInstances: [],
      orphanForcedDown: [],
    };
    for (const id of (await this.d.ledger.newNotificationIds?.()) ?? []) {
      if (await this.d.store.get(id)) continue;
      await this.submit(id);
      report.startedNotifications.push(id);
    }
    const pending = await this.jobs.pendingJobs();
    const live = new Set(pending.map((j) => `${j.name}/${JSON.stringify(j.data)}`));
    const has = (name: RecoveryJobName, data: Record<string, unknown>): boolean =>
      live.has(`${name}/${JSON.stringify(data)}`);
    const incidents = await this.d.store.list(RECONCILE_INCIDENTS);
    for (const incident of incidents) {
      try {
        await this.reconcileIncident(incident, has, report);
      } catch (err) {
        this.d.logger.error(
          { incidentId: incident.id, err: errorMessage(err) },
          'reconciliation of an incident failed',
        );
      }
    }
    if (options.periodic) {
      if (Object.values(report).some((v: string[]) => v.length > 0))
        this.d.logger.warn(report, 'recovery reconciled: work without a live job was resumed');
      return report;
    }
    await this.findOrphanForcedDown(incidents, report);
    if (Object.values(report).some((v: string[]) => v.length > 0))
      this.d.logger.warn(report, 'recovery reconciled at startup');
    return report;
  }

  private async reconcileIncident(
    incident: IncidentRecord,
    has: (name: RecoveryJobName, data: Record<string, unknown>) => boolean,
    report: ReconcileReport,
  ): Promise<void> {
    const moves = await this.d.store.moves(incident.id);
    for (const move of moves) {
      if (isSettled(move.status) && move.locked) {
        await this.d.compute.unlock(move.instanceId);
        await this.d.store.putMove(await this.d.tokens.current(), incident.id, { ...move, locked: false });
        report.unlockedInstances.push(move.instanceId);
      }
    }
    if (isTerminalPhase(incident.phase) || incident.phase === 'error') return;
    const job =
      incident.type === 'COMPUTE_HOST'
        ? 'host.recover'
        : incident.type === 'VM'
          ? 'instance.recover'
          : 'process.recover';
    if (incident.phase !== 'evacuating') {
      const data = { incidentId: incident.id, round: incident.round };
      if (!has(job, data)) {
        await this.jobs.requeue(job, data);
        report.resumedIncidents.push(incident.id);
      }
      return;
    }
    const gate = await this.tiers.pendingGate(incident, moves);
    if (gate && !has('host.tier-gate', gate)) {
      await this.jobs.requeue('host.tier-gate', gate);
      report.resumedIncidents.push(incident.id);
    }
    for (const move of moves.filter((m) => !isSettled(m.status))) {
      // A move held for a later restart tier is started by its tier's gate, not here.
      if (await this.tiers.holds(incident, move)) continue;
      const data = { incidentId: incident.id, instanceId: move.instanceId, round: move.round };
      if (!has('instance.evacuate', data)) {
        await this.jobs.requeue('instance.evacuate', data);
        report.resumedMoves.push(`${incident.id}/${move.instanceId}`);
      }
    }
  }

  private async findOrphanForcedDown(incidents: IncidentRecord[], report: ReconcileReport): Promise<void> {
    const list = this.d.compute.listComputeServices?.bind(this.d.compute);
    if (!list) return;
    const active = new Set(incidents.filter((i) => !isTerminalPhase(i.phase)).map((i) => i.host));
    const recovered = new Set(incidents.map((i) => i.host));
    for (const s of await list()) {
      if (!s.forcedDown || !s.disabledReason?.startsWith(DISABLED_REASON_PREFIX)) continue;
      if (active.has(s.host)) continue;
      report.orphanForcedDown.push(s.host);
      if (!recovered.has(s.host))
        this.d.logger.warn(
          { host: s.host },
          'host forced down by Vigil without any incident: check it and reinstate',
        );
    }
  }
}
