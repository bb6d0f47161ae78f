import { type Logger } from '@vigil/config';
import { type IncidentRecord } from './model';
import { type NotificationStatus, type NotificationType } from './ports';
import { type IncidentPhase } from './workflow/state-machine';
import { type Clock, type IncidentLedger } from './ports';
import { type IncidentStore } from './store/incident-store';
import { toVmoves, workflowDetails } from './workflow/details';

/** A change of an incident's phase or status, for operators' tools (CloudEvents out). */
export interface IncidentStepEvent {
  incidentId: string;
  host: string;
  type: NotificationType;
  phase: IncidentPhase;
  status: NotificationStatus;
  /** Where a retry resumes (set on `error`/`failed`): `fencing` = the BMC never confirmed the host off. */
  resumePhase?: IncidentPhase;
  reason?: string;
}

/** Writes an incident's timeline and mirrors its state into the notification (status, details, vmoves). */
export class IncidentJournal {
  private readonly publishing = new Map<string, { again: boolean; done: Promise<void> }>();
  /** Last phase/status announced per incident; in memory: after a restart a step may be announced again. */
  private readonly announced = new Map<string, string>();

  constructor(
    private readonly store: IncidentStore,
    private readonly ledger: IncidentLedger,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onStep?: (event: IncidentStepEvent) => void,
  ) {}

  iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  async note(incidentId: string, step: string, message: string, instanceId?: string): Promise<void> {
    this.logger.info({ incidentId, step, instanceId }, message);
    await this.store.appendTimeline(incidentId, { at: this.iso(), step, message, instanceId });
  }

  /**
   * Publishes the whole current picture (read fresh from the store). Moves of one incident publish
   * concurrently; per incident one publish runs at a time and repeats while more were asked for, so a
   * stale snapshot never lands last. Only the leader runs workers, so in-process ordering suffices.
   */
  publish(incident: IncidentRecord): Promise<void> {
    const id = incident.id;
    const current = this.publishing.get(id);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: true, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        while (entry.again) {
          entry.again = false;
          await this.publishOnce(id);
        }
      } finally {
        this.publishing.delete(id);
      }
    })();
    this.publishing.set(id, entry);
    return entry.done;
  }

  private async publishOnce(incidentId: string): Promise<void> {
    const [incident, moves, timeline] = await Promise.all([
      this.store.require(incidentId),
      this.store.moves(incidentId),
      this.store.timeline(incidentId),
    ]);
    // Status last: clients wait on it, so the details and vmoves they read next are already there.
    await this.ledger.setWorkflowDetails(incidentId, workflowDetails(incident, moves, timeline));
    await this.ledger.setVmoves(incidentId, toVmoves(incidentId, moves));
    await this.ledger.setStatus(incidentId, incident.status);
    const step = `${incident.phase}/${incident.status}`;
    if (this.onStep && this.announced.get(incidentId) !== step) {
      this.announced.set(incidentId, step);
      this.onStep({
        incidentId,
        host: incident.host,
        type: incident.type,
        phase: incident.phase,
        status: incident.status,
        ...(incident.resumePhase ? { resumePhase: incident.resumePhase } : {}),
        ...(incident.reason ? { reason: incident.reason } : {}),
      });
    }
  }
}
