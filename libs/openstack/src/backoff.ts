/** Upper bound of one backoff step, whatever the attempt number. */
export const MAX_BACKOFF_MS = 30_000;

/**
 * Pure: delay before retry number `attempt` (1-based), exponential from `baseDelayMs` with "full
 * jitter" between half and the whole step, so several controllers retrying together spread out.
 * `random` is injected (0 ≤ r < 1) so tests are deterministic.
 */
export function backoffDelayMs(
  attempt: number,
  baseDelayMs: number,
  random: () => number = Math.random,
): number {
  const step = Math.min(MAX_BACKOFF_MS, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}
