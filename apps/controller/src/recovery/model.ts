import { type PlannedMove, type PlanTiers, type SkippedInstance } from './planning/planner';
import { type NotificationOrigin, type NotificationStatus, type NotificationType } from './ports';
import { type FenceMode, type IncidentPhase, type MoveStatus } from './workflow/state-machine';

/** One incident = one notification. Stored as one JSON document, written only with a valid fencing token. */
export interface IncidentRecord {
  id: string;
  type: NotificationType;
  host: string;
  origin: NotificationOrigin;
  segmentId?: string;
  /** Automatic runs so far (Masakari: error → one more run → failed); operator retries add rounds. */
  round: number;
  phase: IncidentPhase;
  /** Where a retry resumes when the incident is in `error`. */
  resumePhase?: IncidentPhase;
  status: NotificationStatus;
  reason?: string;
  fence?: { mode: FenceMode | 'operator'; at: string; detail: string };
  plan?: {
    fits: boolean;
    warnings: string[];
    reservedHostsUsed: string[];
    skipped: SkippedInstance[];
    blocked: SkippedInstance[];
    tiers?: PlanTiers;
  };
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/** One instance move of an incident: the record behind a Masakari vmove. */
export interface MoveRecord {
  instanceId: string;
  instanceName: string;
  sourceHost: string;
  order: number;
  originalVmState: string;
  target: PlannedMove['target'];
  fallback?: PlannedMove['target'];
  status: MoveStatus;
  /** Evacuate calls Vigil may make for this move: one per attempt, never two. */
  attempt: number;
  triedTargets: string[];
  destHost: string | null;
  startedAt: string | null;
  endedAt: string | null;
  message: string | null;
  /** The instance was reset to error to make it evacuable (Masakari's workaround); stop it after. */
  resetToError: boolean;
  round: number;
  /** Failed evacuations (rejected, ended in ERROR, timed out); capped by `evacuationAttempts`. */
  failures: number;
  /** Vigil locked the instance for this move and must unlock it. */
  locked: boolean;
  /** Epoch ms by which the current attempt must be confirmed; survives restarts. */
  confirmDeadline: number | null;
  /** Restart tier (index in the plan's tiers): the move starts once the tiers before it are ready. */
  tier?: number;
}

/** Written atomically (SET NX) before the evacuate call: the proof that this attempt may have reached Nova. */
export interface EvacuateMarker {
  attempt: number;
  target: string | null;
  migrationsBefore: number;
  at: string;
  /** Set once Nova's answer is known; `failed` once an accepted evacuation ended badly. */
  outcome?: 'accepted' | 'rejected' | 'failed';
}

export interface TimelineEntry {
  at: string;
  step: string;
  message: string;
  instanceId?: string;
}

export interface AuditEntry {
  at: string;
  action: 'confirm-fenced' | 'retry' | 'abort' | 'reinstate';
  incidentId?: string;
  host?: string;
  who: string;
  why: string;
}

/** An incident round's place in its restart tiers; advanced by compare-and-set (one winner per tier). */
export interface TierProgress {
  /** Index of the tier whose moves run now; every tier before it is ready or timed out. */
  current: number;
  /** When `current` started (ISO). */
  since: string;
}
