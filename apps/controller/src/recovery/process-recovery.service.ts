import { type IncidentRecord } from './model';
import { DONE, type StepResult } from './queues/contracts';
import { disabledReason, type RecoveryDeps } from './recovery-deps';
import { isTerminalPhase } from './workflow/state-machine';

/**
 * PROCESS notification (or detection's triage: nova-compute dead, host alive): disable nova-compute so
 * nothing new lands there, never fence. Re-enabled automatically once the host reports healthy again.
 */
export class ProcessRecoveryService {
  constructor(private readonly d: RecoveryDeps) {}

  async run(incidentId: string, round: number): Promise<StepResult> {
    const incident = await this.d.store.require(incidentId);
    if (isTerminalPhase(incident.phase) || round < incident.round) return DONE;
    const token = await this.d.tokens.current();
    const notification = await this.d.ledger.getNotification(incidentId);
    const event = notification?.payload['event'];
    const processName = notification?.payload['process_name'] ?? 'unknown';
    if (event !== 'STOPPED')
      return this.end(token, incident, 'finished', `process ${processName} ${String(event)}: nothing to do`);
    await this.d.compute.disableService(
      incident.host,
      disabledReason(incidentId, `process ${processName} failed`),
    );
    await this.d.directory.updateHost(incident.host, { onMaintenance: true });
    await this.d.journal.note(incidentId, 'isolate', `nova-compute disabled: process ${processName} failed`);
    await this.d.scheduler.enqueue(
      'process.reenable',
      { incidentId },
      { delayMs: this.d.config.pollIntervalMs },
    );
    return this.end(token, incident, 'finished', 'host isolated; re-enabled automatically once healthy');
  }

  /** Re-enables nova-compute once the host has been healthy for the probation period; otherwise checks later. */
  async reenableWhenHealthy(incidentId: string): Promise<StepResult> {
    const incident = await this.d.store.require(incidentId);
    const since = await this.d.health.healthySince(incident.host);
    const healthyFor = since === undefined ? -1 : this.d.clock.now() - since;
    if (healthyFor < this.d.config.probationMs)
      return {
        kind: 'later',
        afterMs: Math.max(this.d.config.pollIntervalMs, 1000),
        why: 'host not healthy long enough',
      };
    const service = await this.d.compute.findComputeService(incident.host);
    // Only undo Vigil's own disable: an operator's reason is never cleared.
    if (service?.status === 'disabled' && service.disabledReason?.includes(incidentId)) {
      await this.d.compute.enableService(incident.host);
      await this.d.directory.updateHost(incident.host, { onMaintenance: false });
      await this.d.journal.note(incidentId, 'reinstate', 'host healthy again: nova-compute re-enabled');
    }
    return DONE;
  }

  private async end(
    token: number,
    incident: IncidentRecord,
    status: 'finished',
    reason: string,
  ): Promise<StepResult> {
    const next: IncidentRecord = {
      ...incident,
      phase: status,
      status,
      reason,
      finishedAt: this.d.journal.iso(),
      updatedAt: this.d.journal.iso(),
    };
    await this.d.store.put(token, next);
    await this.d.journal.note(incident.id, 'finish', reason);
    await this.d.journal.publish(next);
    return DONE;
  }
}
