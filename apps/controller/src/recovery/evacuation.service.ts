import { ErrorCode, isRetryable, isVigilError } from '@vigil/contracts';
import { MoveConfirmer } from './evacuation-confirm';
import { PacedCalls } from './pacing/paced-calls';
import { type HostRecoveryService } from './host-recovery.service';
import { type EvacuateMarker, type IncidentRecord, type MoveRecord } from './model';
import { type PlanStep } from './planning/plan-step';
import { type MoveTarget, needsResetBeforeEvacuate } from './planning/planner';
import { DONE, type StepResult } from './queues/contracts';
import { errorMessage, LOCK_REASON_PREFIX, type RecoveryDeps } from './recovery-deps';
import { SharedDiskCheck } from './returning/shared-disk-check';
import { type SlotScope } from './store/concurrency-slots';
import { evacuateWasAccepted, isSettled, stopAfterMove } from './workflow/state-machine';

/** Attempts that Nova never accepted (5xx/timeout before acceptance) are retried, up to this many per failure budget. */
const TRANSIENT_ATTEMPTS_PER_FAILURE = 4;

type Drive = { kind: 'settled' } | { kind: 'later'; afterMs: number; why: string };

/**
 * One instance move: evacuate, then confirm. Exactly-once: each attempt is recorded ("evacuate issued",
 * SET NX) before Nova is called; an attempt with a marker but no outcome is resolved by reading Nova,
 * never by calling evacuate again.
 */
export class EvacuationService {
  constructor(
    private readonly d: RecoveryDeps,
    private readonly host: HostRecoveryService,
    private readonly planning: PlanStep,
  ) {
    this.confirmer = new MoveConfirmer(d);
    this.paced = new PacedCalls(d);
    this.disks = new SharedDiskCheck(d);
  }

  private readonly confirmer: MoveConfirmer;
  private readonly paced: PacedCalls;
  private readonly disks: SharedDiskCheck;

  async run(incidentId: string, instanceId: string, round: number, signal: AbortSignal): Promise<StepResult> {
    const incident = await this.d.store.require(incidentId);
    const move = await this.d.store.getMove(incidentId, instanceId);
    if (!move || move.round !== round || isSettled(move.status)) {
      await this.host.settle(incidentId);
      return DONE;
    }
    if (!(await this.d.store.abortRequested(incidentId)) && (await this.host.tiers.holds(incident, move)))
      // A stray job (reconciliation) for a move whose restart tier has not started: the tier's release
      // promotes this delayed job.
      return {
        kind: 'later',
        afterMs: this.d.config.tiers.probeIntervalMs * 5,
        why: 'waiting for an earlier restart tier',
      };
    const token = await this.d.tokens.current();
    if (move.status === 'planned' && (await this.d.store.abortRequested(incidentId))) {
      await this.finish(token, incident, move, 'aborted', 'aborted by an operator before the move started');
      // This may be the round's last move (a tier held it until the abort): end the round.
      await this.host.settle(incidentId);
      return DONE;
    }
    const scopes = this.scopes(incident);
    const holder = `${incidentId}/${instanceId}`;
    if (!(await this.d.slots.acquire(scopes, holder, this.d.clock.now(), this.leaseMs())))
      return { kind: 'later', afterMs: this.d.config.slotWaitMs, why: 'waiting for a concurrency slot' };
    const result = await this.drive(token, incident, move, scopes, holder, signal);
    if (result.kind === 'later') return result;
    await this.d.slots.release(scopes, holder);
    await this.host.settle(incidentId);
    return DONE;
  }

  /** The move's three scopes at the limits pacing allows now (never above the configured bounds). */
  private scopes(incident: IncidentRecord): SlotScope[] {
    return this.d.pacer.scopes(incident.id, incident.segmentId);
  }

  private leaseMs(): number {
    return this.d.config.jobLockMs * 2 + this.d.config.pollIntervalMs;
  }

  private async drive(
    token: number,
    incident: IncidentRecord,
    move: MoveRecord,
    scopes: SlotScope[],
    holder: string,
    signal: AbortSignal,
  ): Promise<Drive> {
    const maxFailures = this.d.config.evacuationAttempts;
    for (;;) {
      if (signal.aborted) return { kind: 'later', afterMs: 0, why: 'shutting down' };
      const marker =
        move.attempt > 0
          ? await this.d.store.evacuateMarker(incident.id, move.instanceId, move.attempt)
          : undefined;
      if (marker && marker.outcome === undefined) {
        // Issued but the answer was never recorded (crash or lost reply): ask Nova, never call again.
        const accepted = await this.acceptedByNova(incident.host, move.instanceId, marker);
        marker.outcome = accepted ? 'accepted' : 'rejected';
        await this.d.store.recordEvacuateOutcome(token, incident.id, move.instanceId, marker);
        await this.d.journal.note(
          incident.id,
          'evacuate',
          `attempt ${marker.attempt} outcome learned from Nova: ${marker.outcome}`,
          move.instanceId,
        );
      }
      if (marker?.outcome === 'accepted') {
        const confirmed = await this.confirmer.confirm(token, incident, move, signal, {
          keepSlot: () => this.d.slots.acquire(scopes, holder, this.d.clock.now(), this.leaseMs()),
          issuedAt: Date.parse(marker.at),
          sample: (sample) => this.paced.observe(scopes, incident.id, sample),
        });
        if (confirmed.kind === 'later') return confirmed;
        if (confirmed.kind === 'moved') return this.done(token, incident, move, confirmed.host);
        move.failures += 1;
        marker.outcome = 'failed';
        await this.d.store.recordEvacuateOutcome(token, incident.id, move.instanceId, marker);
        await this.d.journal.note(
          incident.id,
          'evacuate',
          `attempt ${move.attempt} failed: ${confirmed.reason}`,
          move.instanceId,
        );
        if (move.failures >= maxFailures || confirmed.final)
          return this.giveUp(token, incident, move, confirmed.reason, confirmed.timedOut);
        await this.d.store.putMove(token, incident.id, move);
      }
      if (move.attempt >= maxFailures * TRANSIENT_ATTEMPTS_PER_FAILURE)
        return this.giveUp(token, incident, move, `no evacuation accepted after ${move.attempt} attempts`);
      const issued = await this.issue(token, incident, move);
      if (issued.kind === 'settled' || issued.kind === 'later') return issued;
    }
  }

  private async acceptedByNova(
    failedHost: string,
    instanceId: string,
    marker: EvacuateMarker,
  ): Promise<boolean> {
    const [server, migrations] = await Promise.all([
      this.d.compute.getServer(instanceId),
      this.d.compute.evacuationMigrations(instanceId),
    ]);
    return evacuateWasAccepted(server, failedHost, marker.migrationsBefore, migrations.length);
  }

  /** Prepares and issues one evacuate call (a new attempt). */
  private async issue(
    token: number,
    incident: IncidentRecord,
    move: MoveRecord,
  ): Promise<Drive | { kind: 'issued' }> {
    const scopes = this.scopes(incident);
    const server = await this.paced.call(scopes, incident.id, 'GET server', () =>
      this.d.compute.getServer(move.instanceId),
    );
    if (!server) return this.giveUp(token, incident, move, 'instance no longer exists');
    const migrations = await this.d.compute.evacuationMigrations(move.instanceId);
    const elsewhere = server.host !== null && server.host !== incident.host;
    if (elsewhere || (server.taskState?.startsWith('rebuild') ?? false)) {
      // Already moving or moved (a lost reply, a restart, or someone else): confirm, do not call again.
      await this.adoptInFlight(token, incident, move, migrations.length);
      return { kind: 'issued' };
    }
    if (move.attempt === 0 && (await this.d.store.abortRequested(incident.id))) {
      await this.finish(token, incident, move, 'aborted', 'aborted by an operator before the move started');
      return { kind: 'settled' };
    }
    const disk = await this.disks.before(incident, move, server);
    if (disk.kind === 'later') return disk;
    if (disk.kind === 'skip') return this.giveUp(token, incident, move, disk.why);
    if (!move.locked && !server.locked) {
      // Recorded before the call: a crash right after it must still leave the unlock to us.
      move.locked = true;
      await this.d.store.putMove(token, incident.id, move);
      await this.d.compute.lock(move.instanceId, `${LOCK_REASON_PREFIX} ${incident.id}`);
    }
    if (needsResetBeforeEvacuate(server.vmState, server.taskState)) {
      // Nova refuses to evacuate from these states; Masakari's workaround, undone after the move.
      await this.d.compute.resetStateToError(move.instanceId);
      move.resetToError = true;
      await this.d.journal.note(
        incident.id,
        'evacuate',
        `reset from ${server.vmState} to error to evacuate`,
        move.instanceId,
      );
    }
    const target = this.targetFor(move);
    if (
      target.kind === 'host' &&
      target.host !== (move.target.kind === 'host' ? move.target.host : undefined)
    )
      await this.planning.prepareReservedHost(incident, target.host);
    const targetHost = target.kind === 'host' ? target.host : null;
    move.attempt += 1;
    move.status = 'moving';
    move.startedAt ??= this.d.journal.iso();
    move.triedTargets.push(targetHost ?? 'scheduler');
    move.confirmDeadline = null;
    // The move record names the attempt before the marker exists, so a restart finds the marker.
    await this.d.store.putMove(token, incident.id, move);
    const marker: EvacuateMarker = {
      attempt: move.attempt,
      target: targetHost,
      migrationsBefore: migrations.length,
      at: this.d.journal.iso(),
    };
    if (!(await this.d.store.markEvacuateIssued(token, incident.id, move.instanceId, marker)))
      return { kind: 'issued' };
    await this.d.journal.note(
      incident.id,
      'evacuate',
      `evacuate attempt ${move.attempt} to ${targetHost ?? 'scheduler'}`,
      move.instanceId,
    );
    try {
      await this.d.pacer.beforeEvacuate();
      await this.paced.call(scopes, incident.id, 'evacuate', () =>
        this.d.compute.evacuate(move.instanceId, targetHost ?? undefined),
      );
      marker.outcome = 'accepted';
    } catch (err) {
      // The reply is lost or negative; Nova may still have accepted it (timeouts, 5xx after the DB write).
      const accepted = await this.acceptedByNova(incident.host, move.instanceId, marker).catch(
        () => undefined,
      );
      if (accepted === undefined) throw err;
      marker.outcome = accepted ? 'accepted' : 'rejected';
      if (!accepted) {
        await this.d.store.recordEvacuateOutcome(token, incident.id, move.instanceId, marker);
        await this.d.journal.note(
          incident.id,
          'evacuate',
          `attempt ${move.attempt} rejected: ${errorMessage(err)}`,
          move.instanceId,
        );
        if (isRetryable(err))
          return { kind: 'later', afterMs: this.d.config.novaRetryDelayMs, why: 'Nova unavailable' };
        move.failures += 1;
        if (isVigilError(err) && err.code === ErrorCode.AUTH_FAILED) throw err;
        if (move.failures >= this.d.config.evacuationAttempts)
          return this.giveUp(token, incident, move, errorMessage(err));
        await this.d.store.putMove(token, incident.id, move);
        return { kind: 'issued' };
      }
    }
    await this.d.store.recordEvacuateOutcome(token, incident.id, move.instanceId, marker);
    return { kind: 'issued' };
  }

  /** Records an evacuation Vigil did not see accepted (already rebuilding or elsewhere) as this move's attempt. */
  private async adoptInFlight(
    token: number,
    incident: IncidentRecord,
    move: MoveRecord,
    migrations: number,
  ): Promise<void> {
    move.attempt += 1;
    move.status = 'moving';
    move.startedAt ??= this.d.journal.iso();
    await this.d.store.putMove(token, incident.id, move);
    const marker: EvacuateMarker = {
      attempt: move.attempt,
      target: null,
      migrationsBefore: Math.max(0, migrations - 1),
      at: this.d.journal.iso(),
      outcome: 'accepted',
    };
    await this.d.store.markEvacuateIssued(token, incident.id, move.instanceId, marker);
    await this.d.journal.note(
      incident.id,
      'evacuate',
      'already moving or moved: confirming without a new call',
      move.instanceId,
    );
  }

  /** First attempt: the plan's target; after a failure: the fallback, then the scheduler. */
  private targetFor(move: MoveRecord): MoveTarget {
    if (move.failures === 0) return move.target;
    if (
      move.fallback &&
      !move.triedTargets.includes(move.fallback.kind === 'host' ? move.fallback.host : 'scheduler')
    )
      return move.fallback;
    return { kind: 'scheduler' };
  }

  private async done(
    token: number,
    incident: IncidentRecord,
    move: MoveRecord,
    destHost: string,
  ): Promise<Drive> {
    move.destHost = destHost;
    if (stopAfterMove(move.resetToError ? 'error' : move.originalVmState)) {
      // Masakari: instances that were not running before the failure must not run after it.
      await this.d.compute.stop(move.instanceId);
      if (move.originalVmState === 'error') await this.d.compute.resetStateToError(move.instanceId);
    }
    await this.finish(token, incident, move, 'succeeded', `evacuated to ${destHost}`);
    return { kind: 'settled' };
  }

  private async giveUp(
    token: number,
    incident: IncidentRecord,
    move: MoveRecord,
    reason: string,
    timedOut = false,
  ): Promise<Drive> {
    const server = await this.d.compute.getServer(move.instanceId).catch(() => undefined);
    if (server?.host && server.host !== incident.host) move.destHost = server.host;
    await this.finish(token, incident, move, 'failed', reason, timedOut);
    return { kind: 'settled' };
  }

  async finish(
    token: number,
    incident: IncidentRecord,
    move: MoveRecord,
    status: 'succeeded' | 'failed' | 'aborted',
    message: string,
    timedOut = false,
  ): Promise<void> {
    if (move.locked) {
      await this.d.compute
        .unlock(move.instanceId)
        .catch((err: unknown) =>
          this.d.logger.warn(
            { instanceId: move.instanceId, err: errorMessage(err) },
            'unlock failed; reconciliation retries it',
          ),
        );
      move.locked = false;
    }
    move.status = status;
    move.message = message;
    move.endedAt = this.d.journal.iso();
    await this.d.store.putMove(token, incident.id, move);
    await this.d.journal.note(incident.id, 'evacuate', `${status}: ${message}`, move.instanceId);
    const startedAt = move.startedAt === null ? NaN : Date.parse(move.startedAt);
    this.d.observer.evacuationSettled(
      status === 'succeeded'
        ? 'success'
        : status === 'aborted'
          ? 'skipped'
          : timedOut
            ? 'timeout'
            : 'failure',
      Number.isFinite(startedAt) ? Math.max(0, this.d.clock.now() - startedAt) / 1000 : 0,
    );
  }
}
