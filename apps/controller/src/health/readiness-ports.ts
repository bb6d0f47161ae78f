/**
 * What readiness asks the rest of Vigil. Both ports are required: a controller without them does not
 * boot (the boot error names the missing one).
 */

/** Whether the replicas agree on a leader. Bound by default to the Redis leader lease (`LeaderLease`). */
export interface LeadershipStatusPort {
  /** True when some replica (this one or another) holds the lease, as Redis says. May throw when Redis is down. */
  leaderKnown(): Promise<boolean>;
  /** True while this replica leads (no I/O). */
  isLeader(): boolean;
}
export const LEADERSHIP_STATUS = Symbol('LEADERSHIP_STATUS');

export interface QueueHealthReport {
  ok: boolean;
  /** Why not, e.g. `recovery: oldest waiting job 412 s old`. */
  detail?: string;
}

/** Whether the work queues move: the recovery queues (RecoveryModule provides it). */
export interface QueueHealth {
  check(): Promise<QueueHealthReport>;
}
export const QUEUE_HEALTH = Symbol('QUEUE_HEALTH');
