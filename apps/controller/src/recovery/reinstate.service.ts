import { ErrorCode, VigilError } from '@vigil/contracts';
import { DONE, type StepResult } from './queues/contracts';
import { disabledReason, errorMessage, type RecoveryDeps } from './recovery-deps';
import { isSettled, isTerminalPhase } from './workflow/state-machine';

/**
 * Return to service: only a powered-on host, healthy for the probation period, with no evacuation from
 * it in flight. Then: unset force-down → wait for Nova to report it up → enable → clear maintenance.
 */
export class ReinstateService {
  constructor(private readonly d: RecoveryDeps) {}

  /** Why the host may not return now, or undefined when it may. Read-only. */
  async refusal(host: string): Promise<string | undefined> {
    for (const incident of await this.d.store.incidentsOfHost(host)) {
      if (incident.type !== 'COMPUTE_HOST') continue;
      const moves = await this.d.store.moves(incident.id);
      const inFlight = moves.filter((m) => !isSettled(m.status)).length;
      if (inFlight > 0)
        return `${inFlight} evacuations from ${host} are still in flight (incident ${incident.id})`;
      if (!isTerminalPhase(incident.phase) && incident.phase !== 'error')
        return `incident ${incident.id} is still ${incident.phase}`;
    }
    if (await this.d.fencer.hasFencing(host)) {
      const power = await this.d.fencer
        .powerState(host, this.d.config.fenceTimeoutMs)
        .catch((err: unknown) => `unknown (${errorMessage(err)})`);
      if (power !== 'on') return `the host is not confirmed powered on: power state ${power}`;
    }
    const since = await this.d.health.healthySince(host);
    if (since === undefined) return 'the host monitor does not report the host healthy';
    const healthyMs = this.d.clock.now() - since;
    if (healthyMs < this.d.config.probationMs)
      return `healthy for ${healthyMs} ms only; probation is ${this.d.config.probationMs} ms`;
    return undefined;
  }

  async assertAllowed(host: string): Promise<void> {
    const why = await this.refusal(host);
    if (why) throw new VigilError(ErrorCode.CONFLICT, `Host ${host} cannot return to service: ${why}.`);
  }

  /** The job: resumable, each step checks Nova's state first. */
  async run(host: string, requestId: string): Promise<StepResult> {
    const why = await this.refusal(host);
    if (why) {
      this.d.logger.warn({ host, requestId, why }, 'reinstate abandoned');
      return DONE;
    }
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
    await this.d.directory.updateHost(host, { onMaintenance: false });
    await this.returnReservedHosts(host);
    this.d.logger.info({ host, requestId }, 'host returned to service');
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
}
