import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from the base up to the cap and starts over after reset', () => {
    const backoff = new Backoff(1000, 5000);
    const delays = [backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()];
    backoff.reset();
    expect([...delays, backoff.next()]).toEqual([1000, 2000, 4000, 5000, 5000, 1000]);
  });

  it('never overflows after many failures', () => {
    const backoff = new Backoff(1, 30_000);
    for (let i = 0; i < 1000; i++) backoff.next();
    expect(backoff.next()).toBe(30_000);
  });
});
