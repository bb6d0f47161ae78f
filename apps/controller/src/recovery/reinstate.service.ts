import { ErrorCode, VigilError } from '@vigil/contracts';
import { DONE, type StepResult } from './queues/contracts';
import { disabledReason, errorMessage, type RecoveryDeps } from './recovery-deps';
import {
  describeRunningEvacuations,
  resumeGuestsWarning,
  runningEvacuations,
} from './returning/zombie-guard';
import { isSettled, isTerminalPhase } from './workflow/state-machine';

/**
 * Whether a host may return now: `refused` (with what is missing), `probation` (healthy, but not for
 * long enough yet: the job waits it out), or `ready`.
 */
export type ReinstateReadiness =
  { kind: 'refused'; why: string } | { kind: 'probation'; remainingMs: number } | { kind: 'ready' };

/** What the API answers to an accepted reinstate. */
export interface ReinstateAccepted {
  host: string;
  requestId: string;
  /** ms of probation still to run before force-down is unset (0: right away). */
  probationRemainingMs: number;
  /** What the operator should check before the host takes instances again (e.g. guests resumed on boot). */
  warnings: string[];
}

/**
 * Return to service: only a powered-on host, heartbeating with healthy components (on_maintenance or
 * not: Vigil leaves a recovered host on_maintenance), with no evacuation from it in flight (neither
 * Vigil's moves nor any evacuation migration Nova still runs from it: the zombie guard). The job then
 * waits out the probation period (restarting it if the host flaps), unsets force-down, waits for Nova
 * to report it up, enables it, clears on_maintenance and returns the reserved hosts it used to reserve.
 */
export class ReinstateService {
  constructor(private readonly d: RecoveryDeps) {}

  /** Read-only. */
  async readiness(host: string): Promise<ReinstateReadiness> {
    for (const incident of await this.d.store.incidentsOfHost(host)) {
      if (incident.type !== 'COMPUTE_HOST') continue;
      const moves = await this.d.store.moves(incident.id);
      const inFlight = moves.filter((m) => !isSettled(m.status)).length;
      if (inFlight > 0)
        return refused(`${inFlight} evacuations from ${host} are still in flight (incident ${incident.id})`);
      if (!isTerminalPhase(incident.phase) && incident.phase !== 'error')
        return refused(`incident ${incident.id} is still ${incident.phase}`);
    }
    // Nova's own view, which also holds evacuations Vigil did not issue or stopped waiting for.
    const running = runningEvacuations(await this.d.compute.evacuationsFromHost(host));
    if (running.length > 0) return refused(describeRunningEvacuations(host, running));
    if (await this.d.fencer.hasFencing(host)) {
      const power = await this.d.fencer
        .powerState(host, this.d.config.fenceTimeoutMs)
        .catch((err: unknown) => `unknown (${errorMessage(err)})`);
      if (power !== 'on') return refused(`the host is not confirmed powered on: power state ${power}`);
    }
    const health = await this.d.health.health(host);
    if (!health.healthy) return refused(`the host is not healthy yet: ${health.missing}`);
    const remainingMs = this.d.config.probationMs - (this.d.clock.now() - health.since);
    return remainingMs > 0 ? { kind: 'probation', remainingMs } : { kind: 'ready' };
  }

  /** What the operator stated about the host that makes its return risky (read-only, never throws). */
  async warnings(host: string): Promise<string[]> {
    const record = await this.d.directory.findHost(host).catch(() => undefined);
    const segment = record && (await this.d.directory.getSegment(record.segmentId).catch(() => undefined));
    const warning = resumeGuestsWarning(host, segment, this.d.config.resumeGuestsStateOnHostBoot);
    return warning === undefined ? [] : [warning];
  }

  /** Throws CONFLICT (409) saying what is missing; otherwise how much probation is left. */
  async accept(host: string): Promise<number> {
    const readiness = await this.readiness(host);
    if (readiness.kind === 'refused')
      throw new VigilError(ErrorCode.CONFLICT, `Host ${host} cannot return to service: ${readiness.why}.`);
    return readiness.kind === 'probation' ? readiness.remainingMs : 0;
  }

  /** The job: resumable, each step checks Nova's state first. */
  async run(host: string, requestId: string): Promise<StepResult> {
    const readiness = await this.readiness(host);
    if (readiness.kind === 'refused') {
      this.d.logger.warn({ host, requestId, why: readiness.why }, 'reinstate abandoned');
      await this.noteOnIncidents(host, `reinstate abandoned: ${readiness.why}`);
      return DONE;
    }
    if (readiness.kind === 'probation')
      return {
        kind: 'later',
        afterMs: Math.max(readiness.remainingMs, this.d.config.pollIntervalMs),
        why: `probation: ${readiness.remainingMs} ms to go`,
      };
    const service = await this.d.compute.findComputeService(host);
    if (!service) throw new VigilError(ErrorCode.NOT_FOUND, `no nova-compute service on ${host}`);
    if (service.forcedDown) {
      try {
        await this.d.compute.unsetForceDown(host);
      } catch (err) {
        // Nova refuses while `done` evacuation records remain (the returning compute cleans them up).
        if (err instanceof VigilError && err.code === ErrorCode.BAD_REQUEST)
          return this.waitForNova(host, requestId, 'Nova still cleaning up evacuations');
        throw err;
      }
    }
    const now = await this.d.compute.findComputeService(host);
    if (now?.state !== 'up')
      return this.waitForNova(host, requestId, 'waiting for nova-compute to report up');
    if (now.status === 'disabled') await this.d.compute.enableService(host);
    // Before on_maintenance is cleared: a failure reported from then on is a new one.
    await this.d.directory.forgetFailureReports(host);
    await this.d.directory.updateHost(host, { onMaintenance: false });
    // On the incident's timeline too: whoever reads the incident later sees the risk that was taken.
    for (const warning of await this.warnings(host)) await this.noteOnIncidents(host, `warning: ${warning}`);
    await this.returnReservedHosts(host);
    this.d.logger.info({ host, requestId }, 'host returned to service');
    this.d.observer.hostReinstated(host, requestId);
    return DONE;
  }

  /** Waits (job handed back) at most `serviceUpTimeoutMs` from the first wait of this request. */
  private async waitForNova(host: string, requestId: string, why: string): Promise<StepResult> {
    const since = await this.d.store.waitingSince(`reinstate-${requestId}`, this.d.clock.now());
    if (this.d.clock.now() - since <= this.d.config.serviceUpTimeoutMs)
      return { kind: 'later', afterMs: this.d.config.pollIntervalMs, why };
    // Left as it is (still disabled): safe; the operator sees why and can ask again.
    this.d.logger.error(
      { host, requestId, why },
      'reinstate gave up: nova-compute did not come back in time',
    );
    return DONE;
  }

  /** Reserved hosts used for this host's incidents go back to reserve once they hold no instance. */
  private async returnReservedHosts(host: string): Promise<void> {
    for (const incident of await this.d.store.incidentsOfHost(host)) {
      for (const spare of incident.plan?.reservedHostsUsed ?? []) {
        if ((await this.d.compute.listServersOnHost(spare)).length > 0) continue;
        await this.d.compute.disableService(
          spare,
          disabledReason(incident.id, 'reserved host returned to reserve'),
        );
        await this.d.directory.updateHost(spare, { reserved: true });
        await this.d.journal.note(incident.id, 'reinstate', `reserved host ${spare} returned to reserve`);
      }
      await this.d.journal.note(incident.id, 'reinstate', `${host} returned to service`);
    }
  }

  private async noteOnIncidents(host: string, what: string): Promise<void> {
    for (const incident of await this.d.store.incidentsOfHost(host))
      await this.d.journal.note(incident.id, 'reinstate', what);
  }
}

function refused(why: string): ReinstateReadiness {
  return { kind: 'refused', why };
}
