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
    // Only undo Vigil's own disable: once an operator re-enabled it, or disabled it for a reason of
    // their own, this job has nothing left to do and stops.
    const service = await this.d.compute.findComputeService(incident.host);
    if (service?.status !== 'disabled' || !service.disabledReason?.includes(incidentId)) return DONE;
    const health = await this.d.health.health(incident.host);
    const healthyFor = health.healthy ? this.d.clock.now() - health.since : -1;
    if (healthyFor < this.d.config.probationMs)
      return {
        kind: 'later',
        afterMs: Math.max(this.d.config.pollIntervalMs, 1000),
        why: health.healthy ? 'host not healthy long enough' : `host not healthy: ${health.missing}`,
      };
    await this.d.compute.enableService(incident.host);
    await this.d.directory.updateHost(incident.host, { onMaintenance: false });
    await this.d.journal.note(incidentId, 'reinstate', 'host healthy again: nova-compute re-enabled');
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
