import { backoffMs, ErrorCode, isRetryable, isVigilError, VigilError } from '@vigil/contracts';
import { type IncidentRecord } from './model';
import { type PlanStep } from './planning/plan-step';
import { DONE, type StepResult } from './queues/contracts';
import { disabledReason, errorMessage, type RecoveryDeps } from './recovery-deps';
import { TierGate } from './tiers/tier-gate';
import {
  decideHostIntake,
  type FenceMode,
  type IncidentPhase,
  isSettled,
  isTerminalPhase,
  roundOutcome,
} from './workflow/state-machine';

type PhaseResult = { next: IncidentPhase } | { stop: StepResult };

/** A fencing retry later than this delays recovery more than sparing a struggling BMC is worth, ms. */
const FENCE_BACKOFF_MAX_MS = 60_000;

/**
 * Runs a COMPUTE_HOST incident from its stored phase: fence → isolate → plan → evacuate. Every phase
 * ends with a checkpoint, so a restarted engine resumes without repeating a completed step.
 */
export class HostRecoveryService {
  /** Restart tiers: which moves may start now, and the gate jobs between tiers. */
  readonly tiers: TierGate;

  constructor(
    private readonly d: RecoveryDeps,
    private readonly planning: PlanStep,
  ) {
    this.tiers = new TierGate(d);
  }

  async run(incidentId: string, round: number, signal: AbortSignal): Promise<StepResult> {
    let incident = await this.d.store.require(incidentId);
    if (isTerminalPhase(incident.phase) || round < incident.round) return DONE;
    const token = await this.d.tokens.current();
    if (incident.phase === 'error') {
      if (round <= incident.round) return DONE;
      incident = await this.startRound(token, incident, round);
    }
    if (incident.status !== 'running') {
      const running: IncidentRecord = { ...incident, status: 'running', updatedAt: this.d.journal.iso() };
      if (!(await this.d.store.transition(token, incident.phase, running))) return DONE;
      incident = running;
      await this.d.journal.publish(incident);
    }
    for (;;) {
      if (signal.aborted) return { kind: 'later', afterMs: 0, why: 'shutting down' };
      const from = incident.phase;
      const result = await this.step(token, incident, signal);
      if ('stop' in result) return result.stop;
      incident = { ...incident, phase: result.next, updatedAt: this.d.journal.iso() };
      // Compare-and-set on the phase: an operator's abort (or another replica) wins over this run.
      if (!(await this.d.store.transition(token, from, incident))) return DONE;
      await this.d.journal.publish(incident);
      if (isTerminalPhase(incident.phase)) {
        await this.d.store.releaseHost(incident.host, incident.id);
        return DONE;
      }
    }
  }

  private async step(token: number, incident: IncidentRecord, signal: AbortSignal): Promise<PhaseResult> {
    switch (incident.phase) {
      case 'received':
        return this.intake(token, incident);
      case 'fencing':
        return this.fence(token, incident, signal);
      case 'isolating':
        return this.isolate(token, incident);
      case 'planning':
        return this.plan(token, incident);
      case 'evacuating':
        // The moves the current restart tier allows (all of them without tiers), in the plan's order.
        await this.tiers.release(incident);
        await this.settle(incident.id);
        return { stop: DONE };
      case 'finished':
      case 'ignored':
      case 'error':
      case 'failed':
        return { stop: DONE };
    }
  }

  private async startRound(token: number, incident: IncidentRecord, round: number): Promise<IncidentRecord> {
    const resume = incident.resumePhase ?? 'fencing';
    const next: IncidentRecord = {
      ...incident,
      round,
      phase: resume === 'evacuating' ? 'planning' : resume,
      status: 'running',
      reason: undefined,
      finishedAt: undefined,
      updatedAt: this.d.journal.iso(),
    };
    if (!(await this.d.store.transition(token, 'error', next)))
      throw new VigilError(
        ErrorCode.CONFLICT,
        `incident ${incident.id} changed while starting round ${round}`,
      );
    await this.d.journal.note(incident.id, 'retry', `round ${round} resumes at ${next.phase}`);
    return next;
  }

  private async intake(token: number, incident: IncidentRecord): Promise<PhaseResult> {
    const notification = await this.d.ledger.getNotification(incident.id);
    if (!notification) return this.fail(token, incident, 'received', 'notification no longer exists', true);
    let holder = await this.d.store.claimHost(incident.host, incident.id);
    if (
      holder &&
      notification.origin === 'vigil-detection' &&
      (await this.supersede(token, holder, incident))
    )
      holder = await this.d.store.claimHost(incident.host, incident.id);
    if (holder) {
      // Masakari's complaint "the same host recovered twice": one workflow per host at a time.
      incident.status = 'ignored';
      incident.reason = `host already under recovery by incident ${holder}`;
      await this.d.journal.note(incident.id, 'intake', incident.reason);
      return { next: 'ignored' };
    }
    const host = await this.d.directory.findHost(incident.host);
    const segment = host ? await this.d.directory.getSegment(host.segmentId) : undefined;
    const hasBmc = await this.d.fencer.hasFencing(incident.host);
    const outside =
      notification.origin !== 'vigil-detection' && this.d.outsideReports
        ? await this.d.outsideReports.contextFor(incident.host)
        : undefined;
    const decision = decideHostIntake(notification, segment, hasBmc, outside);
    incident.segmentId = host?.segmentId;
    switch (decision.kind) {
      case 'ignore':
        // An outside report refused because the host is alive is a fencing decision: it shows in
        // FenceHostTask's progress details, where an operator looks for why nothing was powered off.
        await this.d.journal.note(
          incident.id,
          outside?.liveness.kind === 'alive' ? 'fence' : 'intake',
          `ignored: ${decision.reason}`,
        );
        if (outside?.liveness.kind === 'alive') {
          this.d.logger.warn(
            { host: incident.host, incidentId: incident.id, reason: decision.reason },
            'outside host-stopped notification contradicts Vigil: ignored',
          );
          await this.d.outsideReports?.noteIgnored(incident.host, incident.id, decision.reason);
        }
        incident.status = 'ignored';
        incident.reason = decision.reason;
        return { next: 'ignored' };
      case 'finish':
        await this.d.journal.note(incident.id, 'intake', decision.reason);
        incident.status = 'finished';
        incident.finishedAt = this.d.journal.iso();
        return { next: 'finished' };
      case 'error':
        // An operator can confirm the host is off (audited) and retry.
        return this.fail(token, incident, segment ? 'fencing' : 'received', decision.reason, false);
      case 'recover':
        incident.fence = { mode: decision.fence, at: '', detail: 'pending' };
        await this.d.journal.note(
          incident.id,
          'intake',
          `host failure accepted; fencing mode ${decision.fence}`,
        );
        return { next: 'fencing' };
    }
  }

  private async fence(token: number, incident: IncidentRecord, signal: AbortSignal): Promise<PhaseResult> {
    const operator = await this.d.store.operatorFence(incident.id);
    if (operator) {
      incident.fence = {
        mode: 'operator',
        at: operator.at,
        detail: `confirmed off by ${operator.who}: ${operator.why}`,
      };
      await this.d.journal.note(incident.id, 'fence', incident.fence.detail);
      return { next: 'isolating' };
    }
    const mode: FenceMode | 'operator' = incident.fence?.mode ?? 'power-off';
    if (mode === 'trust-notification') {
      incident.fence = {
        mode,
        at: this.d.journal.iso(),
        detail: 'sender reported the host powered off; no BMC configured',
      };
      await this.d.journal.note(incident.id, 'fence', incident.fence.detail);
      return { next: 'isolating' };
    }
    const { fenceAttempts, fenceBackoffMs, fenceTimeoutMs } = this.d.config;
    let lastError = '';
    let attempts = 0;
    let silentAttempts = 0;
    let longestWaitMs = 0;
    for (let attempt = 1; attempt <= fenceAttempts; attempt++) {
      attempts = attempt;
      const startedAt = this.d.clock.now();
      try {
        if (
          mode === 'verify-off' &&
          (await this.d.fencer.powerState(incident.host, fenceTimeoutMs)) === 'off'
        ) {
          incident.fence = { mode, at: this.d.journal.iso(), detail: 'BMC confirms the host is powered off' };
        } else {
          if (mode === 'verify-off')
            await this.d.journal.note(incident.id, 'fence', 'reported off but the BMC says on: powering off');
          await this.d.fencer.powerOffVerified(incident.host, fenceTimeoutMs);
          incident.fence = {
            mode,
            at: this.d.journal.iso(),
            detail: 'powered off and read back off through the BMC',
          };
        }
        await this.d.journal.note(incident.id, 'fence', incident.fence.detail);
        return { next: 'isolating' };
      } catch (err) {
        lastError = errorMessage(err);
        // A BMC that never answers (hung, or gone with its rack) costs each attempt its whole timeout.
        if (isVigilError(err) && err.code === ErrorCode.TIMEOUT) {
          silentAttempts += 1;
          longestWaitMs = Math.max(longestWaitMs, this.d.clock.now() - startedAt);
        }
        await this.d.journal.note(
          incident.id,
          'fence',
          `attempt ${attempt}/${fenceAttempts} failed: ${lastError}`,
        );
        if (!isRetryable(err) || attempt === fenceAttempts) break;
        if (signal.aborted) return { stop: { kind: 'later', afterMs: 0, why: 'shutting down' } };
        await this.d.clock.delay(
          backoffMs(attempt, { baseMs: fenceBackoffMs, maxMs: FENCE_BACKOFF_MAX_MS, jitter: 'none' }),
        );
      }
    }
    const why =
      silentAttempts === attempts
        ? `BMC did not answer within ${(longestWaitMs / 1000).toFixed(1)} s, ${attempts} attempt${attempts === 1 ? '' : 's'} (${lastError})`
        : lastError;
    return this.fail(
      token,
      incident,
      'fencing',
      `fencing failed, nothing evacuated: ${why}; confirm the host is off (confirm-fenced) to continue`,
      false,
    );
  }

  private async isolate(_token: number, incident: IncidentRecord): Promise<PhaseResult> {
    const service = await this.d.compute.findComputeService(incident.host);
    if (!service) throw new VigilError(ErrorCode.NOT_FOUND, `no nova-compute service on ${incident.host}`);
    // Force-down first: disabling a service Nova still believes up blocks the API call for 60 s (RPC).
    if (!service.forcedDown) await this.d.compute.forceDown(incident.host);
    await this.d.journal.note(incident.id, 'isolate', 'nova-compute forced down');
    if (service.status !== 'disabled' || !service.disabledReason?.includes(incident.id))
      await this.d.compute.disableService(incident.host, disabledReason(incident.id, 'host failure'));
    await this.d.directory.updateHost(incident.host, { onMaintenance: true });
    await this.d.journal.note(incident.id, 'isolate', 'nova-compute disabled; host on maintenance');
    return { next: 'planning' };
  }

  private async plan(token: number, incident: IncidentRecord): Promise<PhaseResult> {
    await this.planning.apply(token, incident);
    return { next: 'evacuating' };
  }

  /** Ends the round once every move has settled. Safe to call from every move: one caller wins the transition. */
  async settle(incidentId: string): Promise<void> {
    const incident = await this.d.store.get(incidentId);
    if (!incident || incident.phase !== 'evacuating') return;
    const moves = await this.d.store.moves(incidentId);
    if (!moves.every((m) => isSettled(m.status))) {
      await this.d.journal.publish(incident);
      return;
    }
    const token = await this.d.tokens.current();
    const aborted = await this.d.store.abortRequested(incidentId);
    const outcome = roundOutcome(
      moves.map((m) => m.status),
      incident.round,
      this.d.config.maxRounds,
      aborted,
    );
    const now = this.d.journal.iso();
    const next: IncidentRecord =
      outcome.status === 'finished'
        ? { ...incident, phase: 'finished', status: 'finished', finishedAt: now, updatedAt: now }
        : outcome.status === 'error'
          ? {
              ...incident,
              phase: 'error',
              status: 'error',
              resumePhase: 'evacuating',
              reason: 'some instances were not recovered',
              updatedAt: now,
            }
          : {
              ...incident,
              phase: 'failed',
              status: 'failed',
              resumePhase: 'evacuating',
              reason: outcome.reason,
              finishedAt: now,
              updatedAt: now,
            };
    if (!(await this.d.store.transition(token, 'evacuating', next))) return;
    const ok = moves.filter((m) => m.status === 'succeeded').length;
    await this.d.journal.note(
      incidentId,
      'finish',
      `round ${incident.round}: ${ok} moved; incident ${next.status}`,
    );
    await this.d.journal.publish(next);
    if (outcome.status === 'error')
      await this.d.scheduler.enqueue(
        'host.recover',
        { incidentId, round: outcome.retryRound },
        { delayMs: this.d.config.errorRetryDelayMs },
      );
    else await this.d.store.releaseHost(next.host, incidentId);
  }

  /**
   * Detection opens one incident per failure generation, and a new generation means the host was seen
   * alive in between. So an incident still holding the host in `error` (waiting for its periodic retry)
   * is about an earlier failure the host outlived: it stops as `failed`, saying so, and the new incident
   * takes the host (chaos seed 3172460278). An incident that is running keeps the host.
   */
  private async supersede(token: number, holderId: string, incident: IncidentRecord): Promise<boolean> {
    const holder = await this.d.store.get(holderId);
    if (!holder || holder.phase !== 'error') return false;
    const reason =
      `superseded by incident ${incident.id}: ${incident.host} heartbeated again after this incident ` +
      `stopped in error (${holder.reason ?? 'no reason'}), then failed again`;
    const next: IncidentRecord = {
      ...holder,
      phase: 'failed',
      status: 'failed',
      reason,
      updatedAt: this.d.journal.iso(),
      finishedAt: this.d.journal.iso(),
    };
    if (!(await this.d.store.transition(token, 'error', next))) return false;
    await this.d.journal.note(holderId, 'finish', `failed: ${reason}`);
    await this.d.journal.publish(next);
    await this.d.store.releaseHost(incident.host, holderId);
    await this.d.journal.note(incident.id, 'intake', `supersedes incident ${holderId} (left in error)`);
    return true;
  }

  /** `error` with a reason; Masakari's periodic retry runs it once more (auto), then `failed`. */
  private async fail(
    token: number,
    incident: IncidentRecord,
    resumePhase: IncidentPhase,
    reason: string,
    final: boolean,
  ): Promise<PhaseResult> {
    const lastRound = final || incident.round >= this.d.config.maxRounds;
    const next: IncidentRecord = {
      ...incident,
      phase: lastRound ? 'failed' : 'error',
      status: lastRound ? 'failed' : 'error',
      resumePhase,
      reason,
      updatedAt: this.d.journal.iso(),
      finishedAt: lastRound ? this.d.journal.iso() : undefined,
    };
    await this.d.store.put(token, next);
    await this.d.journal.note(incident.id, 'finish', `${next.status}: ${reason}`);
    await this.d.journal.publish(next);
    if (lastRound) await this.d.store.releaseHost(incident.host, incident.id);
    else
      await this.d.scheduler.enqueue(
        'host.recover',
        { incidentId: incident.id, round: incident.round + 1 },
        { delayMs: this.d.config.errorRetryDelayMs },
      );
    return { stop: DONE };
  }
}
