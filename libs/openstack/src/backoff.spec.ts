import { MAX_BACKOFF_MS, backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it.each([
    // [attempt, base, random, expected]
    [1, 250, 0, 125],
    [1, 250, 0.999999, 250],
    [2, 250, 0, 250],
    [3, 250, 0.5, 750],
    [4, 250, 1, 2000],
    [30, 250, 1, MAX_BACKOFF_MS],
    [1, 0, 0.7, 0],
  ])('attempt %i base %i random %f → %i ms', (attempt, base, r, expected) => {
    expect(backoffDelayMs(attempt, base, () => r)).toBe(expected);
  });

  it('never goes below half the step nor above the step', () => {
    for (let attempt = 1; attempt < 12; attempt++)
      for (const r of [0, 0.25, 0.5, 0.99]) {
        const step = Math.min(MAX_BACKOFF_MS, 100 * 2 ** (attempt - 1));
        const d = backoffDelayMs(attempt, 100, () => r);
        expect(d).toBeGreaterThanOrEqual(step / 2);
        expect(d).toBeLessThanOrEqual(step);
      }
  });
});
