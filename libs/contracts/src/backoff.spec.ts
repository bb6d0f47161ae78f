import { backoffMs, type BackoffPolicy } from './backoff';

const policy = (jitter: BackoffPolicy['jitter'], baseMs = 250, maxMs = 30_000): BackoffPolicy => ({
  baseMs,
  maxMs,
  jitter,
});

describe('backoffMs', () => {
  it.each([
    // [jitter, attempt, random, expected]
    ['none', 1, 0.3, 250],
    ['none', 2, 0.3, 500],
    ['none', 4, 0.3, 2000],
    ['none', 30, 0.3, 30_000],
    ['none', 1_000, 0.3, 30_000],
    ['none', 0, 0.3, 250],
    ['equal', 1, 0, 125],
    ['equal', 1, 0.999999, 250],
    ['equal', 3, 0.5, 750],
    ['equal', 40, 1, 30_000],
    ['full', 1, 0, 0],
    ['full', 3, 0.5, 500],
    ['full', 3, 0.999999, 1000],
  ] as const)('%s jitter, attempt %i, random %f → %i ms', (jitter, attempt, r, expected) => {
    expect(backoffMs(attempt, policy(jitter), () => r)).toBe(expected);
  });

  it('stays within its jitter band at every attempt', () => {
    for (let attempt = 1; attempt < 40; attempt++)
      for (const r of [0, 0.25, 0.5, 0.99]) {
        const step = Math.min(30_000, 100 * 2 ** Math.min(attempt - 1, 30));
        const equal = backoffMs(attempt, policy('equal', 100), () => r);
        const full = backoffMs(attempt, policy('full', 100), () => r);
        expect(equal).toBeGreaterThanOrEqual(step / 2);
        expect(equal).toBeLessThanOrEqual(step);
        expect(full).toBeGreaterThanOrEqual(0);
        expect(full).toBeLessThanOrEqual(step);
      }
  });

  it('a zero base never waits', () => {
    expect(backoffMs(5, policy('equal', 0), () => 0.7)).toBe(0);
  });
});
