import { randomUUID } from 'node:crypto';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type EvacuationService } from './evacuation.service';
import { type HostRecoveryService } from './host-recovery.service';
import { type InstanceRecoveryService } from './instance-recovery.service';
import { type AuditEntry, type IncidentRecord, type MoveRecord, type TimelineEntry } from './model';
import { type PlanStep } from './planning/plan-step';
import { type RecoveryPlan } from './planning/planner';
import { type ProcessRecoveryService } from './process-recovery.service';
import { type RecoveryJobName, type RecoveryJobs } from './queues/contracts';
import { type FinalFailureHandler, type JobHandlers } from './queues/recovery-queues';
import { type ReinstateAccepted, type ReinstateService } from './reinstate.service';
import { errorMessage, type RecoveryDeps } from './recovery-deps';
import { type VmoveView, type WorkflowDetail } from './ports';
import { toVmoves, workflowDetails } from './workflow/details';
import { isSettled, isTerminalPhase } from './workflow/state-machine';

export interface IncidentDetail {
  incident: IncidentRecord;
  moves: MoveRecord[];
  timeline: TimelineEntry[];
  vmoves: VmoveView[];
  workflowDetails: WorkflowDetail[];
}

export interface DryRunResult {
  host: string;
  segment: { id: string; name: string; recoveryMethod: string; enabled: boolean } | null;
  /**
   * `configured`: fencing settings exist. `power`: what the BMC answered with those settings just now
   * (`on`/`off`), or why it did not (`unreachable: ...`); absent without settings.
   */
  fence: { configured: boolean; power?: string; action: string };
  /** Nova's nova-compute service of the host, as Nova reports it now; null when Nova knows none. */
  compute: { state: string; status: string; forcedDown: boolean } | null;
  isolate: string[];
  plan: RecoveryPlan;
  blockers: string[];
}

export interface OperatorAction {
  who: string;
  why: string;
}

/** The recovery engine's public face: intake from the notification store, operator actions, job handlers. */
export class RecoveryEngine {
  constructor(
    private readonly d: RecoveryDeps,
    private readonly hostRecovery: HostRecoveryService,
    private readonly evacuation: EvacuationService,
    private readonly instanceRecovery: InstanceRecoveryService,
    private readonly processRecovery: ProcessRecoveryService,
    private readonly reinstateService: ReinstateService,
    private readonly planning: PlanStep,
  ) {}

  /** Starts recovery of a stored notification (idempotent: the incident id is the notification id). */
  async submit(notificationId: string): Promise<IncidentRecord> {
    const n = await this.d.ledger.getNotification(notificationId);
    if (!n) throw new VigilError(ErrorCode.NOT_FOUND, `Notification ${notificationId} could not be found.`);
    const now = this.d.journal.iso();
    const incident: IncidentRecord = {
      id: n.id,
      type: n.type,
      host: n.hostname,
      origin: n.origin,
      round: 1,
      phase: 'received',
      status: 'new',
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.d.store.createIfAbsent(incident))) return this.d.store.require(n.id);
    await this.d.journal.note(n.id, 'intake', `${n.type} notification for ${n.hostname} (${n.origin})`);
    await this.d.scheduler.enqueue(this.jobFor(n.type), { incidentId: n.id, round: 1 });
    return incident;
  }

  private jobFor(type: IncidentRecord['type']): 'host.recover' | 'instance.recover' | 'process.recover' {
    switch (type) {
      case 'COMPUTE_HOST':
        return 'host.recover';
      case 'VM':
        return 'instance.recover';
      case 'PROCESS':
        return 'process.recover';
    }
  }

  async detail(id: string): Promise<IncidentDetail> {
    const incident = await this.d.store.require(id);
    const [moves, timeline] = await Promise.all([this.d.store.moves(id), this.d.store.timeline(id)]);
    return {
      incident,
      moves,
      timeline,
      vmoves: toVmoves(id, moves),
      workflowDetails: workflowDetails(incident, moves, timeline),
    };
  }

  list(limit = 100): Promise<IncidentRecord[]> {
    return this.d.store.list(limit);
  }

  /** Runs an `error` or `failed` incident again from where it stopped. */
  async retry(id: string, by: OperatorAction): Promise<IncidentRecord> {
    const incident = await this.d.store.require(id);
    if (incident.phase !== 'error' && incident.phase !== 'failed')
      throw new VigilError(
        ErrorCode.CONFLICT,
        `Incident ${id} is ${incident.phase}; only error or failed incidents can be retried.`,
      );
    const token = await this.d.tokens.current();
    const round = incident.round + 1;
    const reopened: IncidentRecord = {
      ...incident,
      phase: 'error',
      status: 'error',
      updatedAt: this.d.journal.iso(),
    };
    if (!(await this.d.store.transition(token, incident.phase, reopened)))
      throw new VigilError(ErrorCode.CONFLICT, `Incident ${id} changed meanwhile; try again.`);
    await this.d.store.claimHost(incident.host, id);
    await this.audit({ action: 'retry', incidentId: id, host: incident.host, ...by });
    // Without this, the retried round would re-plan the aborted moves and abort them again at once.
    if (await this.d.store.abortRequested(id)) {
      await this.d.store.clearAbortRequested(id);
      await this.d.journal.note(id, 'retry', 'the earlier abort is lifted by this retry');
    }
    await this.d.scheduler.enqueue(this.jobFor(incident.type), { incidentId: id, round });
    return reopened;
  }

  /** Stops queued moves; moves Nova already accepted are still confirmed, never abandoned. */
  async abort(id: string, by: OperatorAction): Promise<IncidentRecord> {
    const incident = await this.d.store.require(id);
    if (isTerminalPhase(incident.phase))
      throw new VigilError(ErrorCode.CONFLICT, `Incident ${id} is already ${incident.phase}.`);
    const entry = await this.audit({ action: 'abort', incidentId: id, host: incident.host, ...by });
    await this.d.store.setAbortRequested(id, entry);
    if (incident.phase !== 'evacuating') {
      const token = await this.d.tokens.current();
      const aborted: IncidentRecord = {
        ...incident,
        phase: 'failed',
        status: 'failed',
        reason: 'aborted by an operator',
        finishedAt: this.d.journal.iso(),
      };
      if (await this.d.store.transition(token, incident.phase, aborted)) {
        await this.d.journal.publish(aborted);
        await this.d.store.releaseHost(incident.host, id);
        return aborted;
      }
    }
    await this.d.journal.note(
      id,
      'abort',
      'abort requested: queued moves stop, accepted moves are confirmed',
    );
    // Moves held for a later restart tier have no job yet: released now, they stop as aborted.
    if (incident.phase === 'evacuating') await this.hostRecovery.tiers.releaseAll(incident);
    await this.hostRecovery.settle(id);
    return this.d.store.require(id);
  }

  /** An operator vouches that the host is off (audited); recovery proceeds without the BMC. */
  async confirmFenced(id: string, by: OperatorAction): Promise<IncidentRecord> {
    const incident = await this.d.store.require(id);
    if (incident.type !== 'COMPUTE_HOST')
      throw new VigilError(ErrorCode.BAD_REQUEST, 'Only host incidents are fenced.');
    const resume = incident.resumePhase;
    if (
      (incident.phase !== 'error' && incident.phase !== 'failed') ||
      (resume !== 'fencing' && resume !== 'received')
    )
      throw new VigilError(
        ErrorCode.CONFLICT,
        `Incident ${id} is not waiting for fencing (phase ${incident.phase}).`,
      );
    const entry = await this.audit({ action: 'confirm-fenced', incidentId: id, host: incident.host, ...by });
    await this.d.store.setOperatorFence(id, entry);
    return this.retry(id, by);
  }

  async reinstate(host: string, by: OperatorAction): Promise<ReinstateAccepted> {
    const probationRemainingMs = await this.reinstateService.accept(host);
    const warnings = await this.reinstateService.warnings(host);
    for (const warning of warnings) this.d.logger.warn({ host }, warning);
    const requestId = randomUUID();
    await this.audit({ action: 'reinstate', host, ...by });
    await this.d.scheduler.enqueue('host.reinstate', { host, requestId });
    return { host, requestId, probationRemainingMs, warnings };
  }

  /** What a failure of `host` would do now: fence, isolate, moves and blockers. Touches nothing. */
  async dryRun(host: string): Promise<DryRunResult> {
    const record = await this.d.directory.findHost(host);
    if (!record) throw new VigilError(ErrorCode.NOT_FOUND, `Host ${host} is not registered in any segment.`);
    const segment = (await this.d.directory.getSegment(record.segmentId)) ?? null;
    const hasBmc = await this.d.fencer.hasFencing(host);
    // Ask the BMC, as fencing would: settings that do not answer block fencing as surely as none.
    const power = hasBmc
      ? await this.d.fencer
          .powerState(host, this.d.config.fenceTimeoutMs)
          .then((state): string => state)
          .catch((err: unknown) => `unreachable: ${errorMessage(err)}`)
      : undefined;
    const service = await this.d.compute.findComputeService(host);
    const plan = await this.planning.computePlan(host, record.segmentId);
    const blockers: string[] = [];
    if (!hasBmc) blockers.push('no fencing configured: an operator must confirm the host is off');
    if (power?.startsWith('unreachable'))
      blockers.push(`the BMC does not answer with the stored settings (${power}): fencing would fail`);
    if (!service) blockers.push(`Nova has no nova-compute service on ${host}: it could not be isolated`);
    if (segment && !segment.enabled) blockers.push('segment disabled: notifications would be ignored');
    if (record.onMaintenance) blockers.push('host on maintenance: Masakari notifications would be rejected');
    blockers.push(...plan.blocked.map((b) => `${b.instanceName}: ${b.reason}`));
    return {
      host,
      segment: segment && {
        id: segment.id,
        name: segment.name,
        recoveryMethod: segment.recoveryMethod,
        enabled: segment.enabled,
      },
      fence: {
        configured: hasBmc,
        ...(power === undefined ? {} : { power }),
        action: hasBmc ? 'power off through the BMC and read back off' : 'none (operator confirmation)',
      },
      compute: service
        ? { state: service.state, status: service.status, forcedDown: service.forcedDown }
        : null,
      isolate: [
        'force-down nova-compute',
        'disable nova-compute with the incident id',
        'set host on maintenance',
      ],
      plan,
      blockers,
    };
  }

  private async audit(entry: Omit<AuditEntry, 'at'>): Promise<AuditEntry> {
    const full: AuditEntry = { at: this.d.journal.iso(), ...entry };
    await this.d.store.audit(full);
    if (entry.incidentId)
      await this.d.journal.note(entry.incidentId, entry.action, `${entry.who}: ${entry.why}`);
    return full;
  }

  auditLog(): Promise<AuditEntry[]> {
    return this.d.store.auditLog();
  }

  /** Thin processors: parse → one service call. */
  handlers(): JobHandlers {
    return {
      'host.recover': (data, signal) => this.hostRecovery.run(data.incidentId, data.round, signal),
      'instance.recover': (data, signal) => this.instanceRecovery.run(data.incidentId, data.round, signal),
      'process.recover': (data) => this.processRecovery.run(data.incidentId, data.round),
      'process.reenable': (data) => this.processRecovery.reenableWhenHealthy(data.incidentId),
      'host.reinstate': (data) => this.reinstateService.run(data.host, data.requestId),
      'instance.evacuate': (data, signal) =>
        this.evacuation.run(data.incidentId, data.instanceId, data.round, signal),
      'host.tier-gate': (data) => this.hostRecovery.tiers.run(data.incidentId, data.round, data.tier),
    };
  }

  /** A job that failed for good must not leave its incident `running` for ever. */
  readonly onFinalFailure: FinalFailureHandler = async (name, data, err) => {
    const d = data as Partial<RecoveryJobs[RecoveryJobName]> & { incidentId?: string; instanceId?: string };
    if (!d.incidentId) return;
    const incident = await this.d.store.get(d.incidentId);
    if (!incident || isTerminalPhase(incident.phase)) return;
    const token = await this.d.tokens.current();
    if (name === 'host.tier-gate') {
      // A gate never blocks for ever: the tiers it held start now, and the incident says why.
      await this.d.journal.note(
        d.incidentId,
        'evacuate',
        `restart tier gate failed (${err.message}): the remaining tiers start now`,
      );
      await this.hostRecovery.tiers.releaseAll(incident);
      return;
    }
    if (name === 'instance.evacuate' && d.instanceId) {
      const move = await this.d.store.getMove(d.incidentId, d.instanceId);
      if (move && !isSettled(move.status))
        await this.evacuation.finish(token, incident, move, 'failed', `move failed: ${err.message}`);
      await this.hostRecovery.settle(d.incidentId);
      return;
    }
    const failed: IncidentRecord = {
      ...incident,
      phase: 'error',
      status: 'error',
      resumePhase: incident.phase === 'error' ? incident.resumePhase : incident.phase,
      reason: err.message,
      updatedAt: this.d.journal.iso(),
    };
    await this.d.store.put(token, failed);
    await this.d.journal.note(d.incidentId, 'finish', `error: ${err.message}`);
    await this.d.journal.publish(failed);
  };
}
