import {
  type MigrationView,
  type NotificationView,
  type OutsideReportContext,
  type SegmentView,
  type ServerView,
} from '../ports';

/**
 * The host-failure workflow, as data. Each phase is a checkpoint stored in Redis: a restarted engine
 * resumes at the stored phase and never repeats one that completed.
 *
 *   received → fencing → isolating → planning → evacuating → finished
 *                  ↘ error (fence failed: nothing moved)        ↘ error → (retry round) → failed
 *   received → ignored (host not confirmed off / segment disabled) | finished (STARTED: nothing to do)
 */
export type IncidentPhase =
  | 'received'
  | 'fencing'
  | 'isolating'
  | 'planning'
  | 'evacuating'
  | 'finished'
  | 'ignored'
  | 'error'
  | 'failed';

export const WORK_PHASES: readonly IncidentPhase[] = ['fencing', 'isolating', 'planning', 'evacuating'];

export function isTerminalPhase(phase: IncidentPhase): boolean {
  return phase === 'finished' || phase === 'ignored' || phase === 'failed';
}

/** How the host is known to be off before anything moves. */
export type FenceMode =
  /** Power off through the BMC and read back off. */
  | 'power-off'
  /** The sender says it is off (host_status NORMAL); read the BMC back, power off if it is not. */
  | 'verify-off'
  /** External sender says off and no BMC is configured: Masakari's trust model. */
  | 'trust-notification';

export type HostIntakeDecision =
  | { kind: 'ignore'; reason: string }
  | { kind: 'finish'; reason: string }
  | { kind: 'recover'; fence: FenceMode }
  | { kind: 'error'; reason: string };

/** What a COMPUTE_HOST notification asks for, with Masakari's safety rules and Vigil's fencing. */
export function decideHostIntake(
  n: Pick<NotificationView, 'payload' | 'origin'>,
  segment: Pick<SegmentView, 'enabled'> | undefined,
  hasBmc: boolean,
  outside?: OutsideReportContext,
): HostIntakeDecision {
  if (!segment) return { kind: 'error', reason: 'host is not in any failover segment' };
  if (!segment.enabled) return { kind: 'ignore', reason: 'failover segment is disabled' };
  const event = n.payload['event'];
  if (event === 'STARTED') return { kind: 'finish', reason: 'host started: nothing to recover' };
  if (event !== 'STOPPED') return { kind: 'ignore', reason: `unknown event ${String(event)}` };
  if (n.origin === 'vigil-detection')
    return hasBmc
      ? { kind: 'recover', fence: 'power-off' }
      : { kind: 'error', reason: 'no fencing configured for the host; confirm it is off to proceed' };
  // A sender's "stopped" about a host Vigil sees alive is weighed, not obeyed: powering off a live
  // host on a stale or mistaken report is the one harm fencing must never do.
  if (outside?.outsideNotifications === 'evidence' && outside.liveness.kind === 'alive')
    return {
      kind: 'ignore',
      reason: `host is alive by Vigil's own evidence (${outside.liveness.why}): the notification is recorded as evidence, not acted on`,
    };
  if (n.payload['host_status'] !== 'NORMAL')
    return { kind: 'ignore', reason: 'host_status is not NORMAL: the host is not confirmed powered off' };
  return { kind: 'recover', fence: hasBmc ? 'verify-off' : 'trust-notification' };
}

export type MoveStatus = 'planned' | 'moving' | 'succeeded' | 'failed' | 'aborted' | 'blocked' | 'skipped';

export function isSettled(status: MoveStatus): boolean {
  return status !== 'planned' && status !== 'moving';
}

export type RoundOutcome =
  { status: 'finished' } | { status: 'error'; retryRound: number } | { status: 'failed'; reason: string };

/** Masakari's retry semantics: a failed round is `error` and runs once more; failing again is `failed`. */
export function roundOutcome(
  statuses: readonly MoveStatus[],
  round: number,
  maxRounds: number,
  aborted: boolean,
): RoundOutcome {
  const bad = statuses.filter((s) => s === 'failed' || s === 'blocked' || s === 'aborted').length;
  if (bad === 0 && !aborted) return { status: 'finished' };
  if (aborted) return { status: 'failed', reason: 'aborted by an operator' };
  if (round < maxRounds) return { status: 'error', retryRound: round + 1 };
  return {
    status: 'failed',
    reason: `${bad} of ${statuses.length} instances not recovered after ${round} rounds`,
  };
}

/** The vm_state an instance must come back in: stopped ones stay stopped; error (and reset) ones come back active. */
export function expectedVmState(originalVmState: string): 'active' | 'stopped' {
  return originalVmState === 'stopped' ? 'stopped' : 'active';
}

/** Masakari stops instances that were not running before the move (error, or reset to error) once moved. */
export function stopAfterMove(originalVmState: string): boolean {
  return originalVmState !== 'active' && originalVmState !== 'stopped';
}

export type MoveVerdict =
  { kind: 'moved'; host: string } | { kind: 'pending' } | { kind: 'failed'; reason: string };

const FAILED_MIGRATION = new Set(['error', 'failed']);

/**
 * Is the evacuation done? Success needs all of: a new host, no task, and the expected vm_state — Nova sets
 * vm_state active slightly before it switches `host`, so status alone lies.
 */
export function judgeMove(
  server: ServerView | undefined,
  failedHost: string,
  originalVmState: string,
  latestMigration: MigrationView | undefined,
): MoveVerdict {
  if (!server) return { kind: 'failed', reason: 'instance no longer exists' };
  const moved = server.host !== null && server.host !== failedHost;
  if (moved && server.taskState === null && server.vmState === expectedVmState(originalVmState))
    return { kind: 'moved', host: server.host ?? '' };
  if (server.taskState !== null) return { kind: 'pending' };
  if (latestMigration && FAILED_MIGRATION.has(latestMigration.status))
    return { kind: 'failed', reason: server.fault ?? `evacuation migration ${latestMigration.status}` };
  if (server.vmState === 'error' && (originalVmState !== 'error' || moved))
    return { kind: 'failed', reason: server.fault ?? 'instance went to ERROR' };
  return { kind: 'pending' };
}

/**
 * After a crash between "evacuate issued" and its recorded outcome: did Nova accept that call?
 * Nova creates the evacuation migration record synchronously in the API call, so one more migration
 * than before the call (or an instance already rebuilding / elsewhere) means it did.
 */
export function evacuateWasAccepted(
  server: ServerView | undefined,
  failedHost: string,
  migrationsBefore: number,
  migrationsNow: number,
): boolean {
  if (migrationsNow > migrationsBefore) return true;
  if (!server) return false;
  return (
    (server.taskState?.startsWith('rebuild') ?? false) || (server.host !== null && server.host !== failedHost)
  );
}

export type VmIntakeDecision = { kind: 'ignore'; reason: string } | { kind: 'restart' };

const VM_EVENTS_ACTED_ON: ReadonlyArray<readonly [string, string]> = [
  ['LIFECYCLE', 'STOPPED_FAILED'],
  ['IO_ERROR', 'IO_ERROR_REPORT'],
  ['QEMU_GUEST_AGENT_ERROR', 'STOPPED_FAILED'],
];

/** Instance failure: only HA-enabled instances and only Masakari's failure events (a deliberate stop is not one). */
export function decideVmIntake(
  payload: Readonly<Record<string, string>>,
  server: ServerView | undefined,
  haEnabled: boolean,
): VmIntakeDecision | { kind: 'fail'; reason: string } {
  const event = payload['event'] ?? '';
  const domainEvent = payload['vir_domain_event'] ?? '';
  if (!VM_EVENTS_ACTED_ON.some(([e, d]) => e === event && d === domainEvent))
    return { kind: 'ignore', reason: `event ${event}/${domainEvent} is not a failure` };
  if (!server) return { kind: 'fail', reason: 'instance not found' };
  if (!haEnabled) return { kind: 'ignore', reason: 'instance is not HA-enabled' };
  // Nova may still show a crashed guest ACTIVE until its power-state sync: restart it anyway (Masakari).
  return { kind: 'restart' };
}
