import { type IncidentRecord } from './model';
import { isHaEnabled } from './planning/planner';
import { DONE, type StepResult } from './queues/contracts';
import { errorMessage, LOCK_REASON_PREFIX, type RecoveryDeps } from './recovery-deps';
import { decideVmIntake, isTerminalPhase } from './workflow/state-machine';

/** VM notification: restart an HA-enabled instance that failed (stop if needed, start, confirm ACTIVE). */
export class InstanceRecoveryService {
  constructor(private readonly d: RecoveryDeps) {}

  async run(incidentId: string, round: number, signal: AbortSignal): Promise<StepResult> {
    const incident = await this.d.store.require(incidentId);
    if (isTerminalPhase(incident.phase) || round < incident.round) return DONE;
    if (incident.phase === 'error' && round <= incident.round) return DONE;
    const token = await this.d.tokens.current();
    const notification = await this.d.ledger.getNotification(incidentId);
    const instanceId = notification?.payload['instance_uuid'] ?? '';
    const server = instanceId ? await this.d.compute.getServer(instanceId) : undefined;
    const decision = decideVmIntake(
      notification?.payload ?? {},
      server,
      server ? isHaEnabled(server, this.d.config.policy) : false,
    );
    const base: IncidentRecord = {
      ...incident,
      round,
      phase: 'evacuating',
      status: 'running',
      updatedAt: this.d.journal.iso(),
    };
    if (decision.kind === 'ignore') return this.end(token, base, 'ignored', decision.reason);
    if (decision.kind === 'fail') return this.end(token, base, 'failed', decision.reason);
    if (!server) return this.end(token, base, 'failed', 'instance not found');
    await this.d.store.put(token, base);
    await this.d.journal.publish(base);
    try {
      if (!server.locked) await this.d.compute.lock(server.id, `${LOCK_REASON_PREFIX} ${incidentId}`);
      await this.d.journal.note(incidentId, 'restart', `restarting ${server.name} (${server.vmState})`);
      const current = await this.d.compute.getServer(server.id);
      if (current && current.vmState !== 'stopped') {
        if (current.vmState === 'error' || current.taskState !== null)
          await this.d.compute.resetStateToError(server.id);
        await this.d.compute.stop(server.id);
        if (!(await this.waitFor(server.id, 'stopped', signal)))
          throw new Error('instance did not stop in time');
      }
      await this.d.compute.start(server.id);
      if (!(await this.waitFor(server.id, 'active', signal)))
        throw new Error('instance did not become ACTIVE in time');
      if (!server.locked) await this.d.compute.unlock(server.id);
      return this.end(token, base, 'finished', 'instance restarted and ACTIVE');
    } catch (err) {
      if (!server.locked) await this.d.compute.unlock(server.id).catch(() => undefined);
      const last = round >= this.d.config.maxRounds;
      const result = await this.end(token, base, last ? 'failed' : 'error', errorMessage(err));
      if (!last)
        await this.d.scheduler.enqueue(
          'instance.recover',
          { incidentId, round: round + 1 },
          { delayMs: this.d.config.errorRetryDelayMs },
        );
      return result;
    }
  }

  private async waitFor(id: string, vmState: string, signal: AbortSignal): Promise<boolean> {
    const deadline = this.d.clock.now() + this.d.config.confirmTimeoutMs;
    while (this.d.clock.now() <= deadline && !signal.aborted) {
      const s = await this.d.compute.getServer(id);
      if (s?.vmState === vmState && s.taskState === null) return true;
      await this.d.clock.delay(this.d.config.pollIntervalMs);
    }
    return false;
  }

  private async end(
    token: number,
    incident: IncidentRecord,
    status: 'finished' | 'ignored' | 'failed' | 'error',
    reason: string,
  ): Promise<StepResult> {
    const next: IncidentRecord = {
      ...incident,
      phase: status,
      status,
      reason,
      resumePhase: status === 'error' ? 'evacuating' : undefined,
      finishedAt: status === 'error' ? undefined : this.d.journal.iso(),
    };
    await this.d.store.put(token, next);
    await this.d.journal.note(incident.id, 'restart', `${status}: ${reason}`);
    await this.d.journal.publish(next);
    return DONE;
  }
}
