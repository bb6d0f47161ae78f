/**
 * How long to wait between attempts: `baseMs`, doubling with each retry, never above `maxMs`.
 * - `none`: exactly the step (a heartbeat already runs at its own phase; tests assert exact delays);
 * - `equal`: uniform in [step/2, step] (callers retrying together spread out, yet never retry much sooner);
 * - `full`: uniform in [0, step] (the widest spread, for many clients hammering one server).
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  jitter: 'none' | 'equal' | 'full';
}

/**
 * Pure: delay before retry number `attempt` (1-based: the first retry waits about `baseMs`).
 * `random` (0 ≤ r < 1) is injected so tests are deterministic.
 */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  // Past 2^30 the step is above any sane cap; the bound keeps the power finite.
  const doublings = Math.min(Math.max(0, attempt - 1), 30);
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** doublings);
  switch (policy.jitter) {
    case 'none':
      return step;
    case 'equal':
      return Math.round(step / 2 + (step / 2) * random());
    case 'full':
      return Math.round(step * random());
  }
}
