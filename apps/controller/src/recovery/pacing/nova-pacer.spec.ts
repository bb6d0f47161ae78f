import { recoverySchema } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type Clock } from '../ports';
import { NovaPacer, outcomeOfError, type PacingEvent, worthNoting } from './nova-pacer';

class ManualClock implements Clock {
  t = 1_000_000;
  waited: number[] = [];
  now(): number {
    return this.t;
  }
  delay(ms: number): Promise<void> {
    this.waited.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

const config = (over: Record<string, unknown> = {}) =>
  recoverySchema.parse({
    globalConcurrency: 10,
    segmentConcurrency: 6,
    incidentConcurrency: 3,
    novaRateMax: 4,
    novaRateWindowMs: 1000,
    pollIntervalMs: 1000,
    ...over,
  });

describe('NovaPacer', () => {
  it('starts each scope at the start value clamped to its bound, grows on healthy answers, never past it', () => {
    const clock = new ManualClock();
    const pacer = new NovaPacer(config({ pacing: { startConcurrency: 4 } }), clock);
    const scopes = pacer.scopes('inc-1', 'seg-a');
    expect(scopes).toEqual([
      { key: 'global', limit: 4 },
      { key: 'segment:seg-a', limit: 4 },
      { key: 'incident:inc-1', limit: 3 },
    ]);
    for (let i = 0; i < 20; i++)
      pacer.observe(scopes, 'inc-1', {
        kind: 'call',
        at: clock.t + i,
        latencyMs: 5,
        outcome: 'ok',
        what: 'evacuate',
      });
    expect(pacer.scopes('inc-1', 'seg-a').map((s) => s.limit)).toEqual([10, 6, 3]);
  });

  it('backs every scope of the move off on a 5xx and reports each change once', () => {
    const clock = new ManualClock();
    const pacer = new NovaPacer(config(), clock);
    const seen: PacingEvent[] = [];
    pacer.onDecision((e) => seen.push(e));
    const scopes = pacer.scopes('inc-1', 'seg-a');
    for (let i = 0; i < 20; i++)
      pacer.observe(scopes, 'inc-1', {
        kind: 'call',
        at: clock.t + i,
        latencyMs: 5,
        outcome: 'ok',
        what: 'evacuate',
      });
    seen.length = 0;
    const events = pacer.observe(scopes, 'inc-1', {
      kind: 'call',
      at: clock.t + 100,
      latencyMs: 5,
      outcome: 'overload',
      what: 'evacuate',
    });
    expect(events.map((e) => [e.scope, e.decision.from, e.decision.to])).toEqual([
      ['global', 10, 5],
      ['segment:seg-a', 6, 3],
      ['incident:inc-1', 3, 1],
    ]);
    expect(seen).toEqual(events);
    expect(pacer.snapshot().recentDecisions.slice(-3)).toEqual(events);
    // Another incident of the same segment starts fresh in its own scope but shares the segment's.
    expect(pacer.scopes('inc-2', 'seg-a').map((s) => s.limit)).toEqual([5, 3, 3]);
  });

  it('disabled: every scope at its bound, no decisions', () => {
    const pacer = new NovaPacer(config({ pacing: { enabled: false } }), new ManualClock());
    const scopes = pacer.scopes('inc-1', 'seg-a');
    expect(scopes.map((s) => s.limit)).toEqual([10, 6, 3]);
    expect(
      pacer.observe(scopes, 'inc-1', { kind: 'call', at: 1, latencyMs: 1, outcome: 'overload', what: 'x' }),
    ).toEqual([]);
  });

  it('spaces evacuate calls at novaRateMax per window', async () => {
    const clock = new ManualClock();
    const pacer = new NovaPacer(config(), clock);
    for (let i = 0; i < 4; i++) await pacer.beforeEvacuate();
    // 4 per second: 0, 250, 250, 250 ms waits.
    expect(clock.waited).toEqual([250, 250, 250]);
  });

  it('aims the first poll at the learned rebuild time, within the poll bounds', () => {
    const clock = new ManualClock();
    const pacer = new NovaPacer(config({ pacing: { minPollIntervalMs: 100, pollsPerSecond: 1000 } }), clock);
    expect(pacer.pollDelayMs(0)).toBe(1000);
    pacer.observe([], 'inc-1', { kind: 'rebuild', at: clock.t, durationMs: 600, outcome: 'ok' });
    expect(pacer.snapshot().expectedRebuildMs).toBe(600);
    expect(pacer.pollDelayMs(50)).toBe(550);
    expect(pacer.pollDelayMs(Infinity)).toBe(1000);
  });

  it('counts 5xx/429 and timeouts as load signals, 4xx refusals not', () => {
    expect(outcomeOfError(new VigilError(ErrorCode.UNAVAILABLE, '503'))).toBe('overload');
    expect(outcomeOfError(new VigilError(ErrorCode.TIMEOUT, 'slow'))).toBe('timeout');
    expect(outcomeOfError(new VigilError(ErrorCode.CONFLICT, '409'))).toBeUndefined();
    expect(outcomeOfError(new Error('x'))).toBeUndefined();
  });

  it('notes every decrease, and increases only at powers of two and at the bound', () => {
    const event = (from: number, to: number, max = 20): PacingEvent => ({
      at: '',
      scope: 'global',
      kind: 'global',
      incidentId: 'i',
      max,
      decision: { from, to, direction: to > from ? 'up' : 'down', reason: '' },
    });
    expect([5, 6, 7, 8].map((to) => worthNoting(event(to - 1, to)))).toEqual([false, false, false, true]);
    expect(worthNoting(event(19, 20))).toBe(true);
    expect(worthNoting(event(12, 6))).toBe(true);
  });
});
