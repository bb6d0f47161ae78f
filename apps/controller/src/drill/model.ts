/** A failover drill: what an operator asks for, and what the controller reports back. */

export type DrillFailure = { kind: 'power-off' } | { kind: 'command'; name: string };

export interface DrillRequest {
  host: string;
  /** The host name typed back by the operator (or `--yes HOST`): must equal `host`. */
  confirm: string;
  canaries: number;
  flavor: string;
  image: string;
  /** Omitted: canaries get no network (`networks: "none"`). */
  network?: string;
  failure: DrillFailure;
  /** Run although the host carries instances other than the drill's own. */
  allowOtherInstances: boolean;
  /** Stop after the checks: the host stays failed, the canaries stay where Vigil moved them. */
  leaveFailed: boolean;
}

export type DrillPhase =
  | 'preflight'
  | 'booting'
  | 'failing'
  | 'following'
  | 'checking'
  | 'repairing'
  | 'reinstating'
  | 'deleting'
  | 'cleaning-up'
  | 'done';

export type DrillOutcome = 'running' | 'passed' | 'failed' | 'refused' | 'aborted' | 'error';

export interface DrillEvent {
  /** Epoch ms. */
  at: number;
  /** Seconds since the failure was injected (absent before it). */
  sinceFailureS?: number;
  what: string;
}

export interface DrillCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DrillCanary {
  id: string;
  name: string;
  /** Host Nova showed when the drill last looked. */
  host?: string;
  status?: string;
  /** Seconds from the failure until Nova showed it ACTIVE on another host. */
  activeElsewhereAfterS?: number;
  evacuations?: number;
  deleted: boolean;
}

export interface DrillReport {
  id: string;
  host: string;
  request: Omit<DrillRequest, 'confirm'>;
  phase: DrillPhase;
  outcome: DrillOutcome;
  /** Why it was refused, failed or stopped. */
  reason?: string;
  startedAt: number;
  failedAt?: number;
  finishedAt?: number;
  incidentId?: string;
  canaries: DrillCanary[];
  timeline: DrillEvent[];
  checks: DrillCheck[];
  /** Key figures in seconds from the failure: verdict, fenced, first/all canaries ACTIVE elsewhere. */
  figures: Record<string, number>;
  /** What the drill created or changed and did not undo; empty when it left nothing behind. */
  leftBehind: string[];
  abortRequested?: boolean;
}
