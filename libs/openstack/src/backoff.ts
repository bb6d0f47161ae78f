import { backoffMs } from '@vigil/contracts';

/** Upper bound of one backoff step, whatever the attempt number. */
export const MAX_BACKOFF_MS = 30_000;

/**
 * Delay before retry number `attempt` (1-based) of a Nova or Keystone call: doubling from
 * `baseDelayMs` with equal jitter (between half and the whole step), so several controllers retrying
 * together spread out. `random` is injected (0 ≤ r < 1) so tests are deterministic.
 */
export function backoffDelayMs(
  attempt: number,
  baseDelayMs: number,
  random: () => number = Math.random,
): number {
  return backoffMs(attempt, { baseMs: baseDelayMs, maxMs: MAX_BACKOFF_MS, jitter: 'equal' }, random);
}
