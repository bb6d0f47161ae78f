import {
  DEFAULT_TUNING,
  initialState,
  type NovaSample,
  observe,
  type PacingDecision,
  type ScopeBounds,
  type ScopeState,
  slotsOf,
} from './aimd';

const bounds: ScopeBounds = { min: 1, max: 20, start: 3 };
const ok = (at: number, latencyMs = 20): NovaSample => ({
  kind: 'call',
  at,
  latencyMs,
  outcome: 'ok',
  what: 'evacuate',
});
const overload = (at: number): NovaSample => ({
  kind: 'call',
  at,
  latencyMs: 30,
  outcome: 'overload',
  what: 'evacuate',
});

function run(
  samples: NovaSample[],
  start: ScopeState = initialState(bounds),
  b: ScopeBounds = bounds,
): { state: ScopeState; decisions: PacingDecision[] } {
  let state = start;
  const decisions: PacingDecision[] = [];
  for (const s of samples) {
    const r = observe(state, b, DEFAULT_TUNING, s);
    state = r.state;
    if (r.decision) decisions.push(r.decision);
  }
  return { state, decisions };
}

describe('AIMD pacing of one scope', () => {
  it('starts at the start value, clamped into the bounds', () => {
    expect(slotsOf(initialState(bounds), bounds)).toBe(3);
    expect(slotsOf(initialState({ min: 2, max: 4, start: 9 }), { min: 2, max: 4, start: 9 })).toBe(4);
    expect(slotsOf(initialState({ min: 0, max: 5, start: 0 }), { min: 0, max: 5, start: 0 })).toBe(1);
  });

  it('slow start: one more slot per healthy answer, up to the bound and never past it', () => {
    const { state, decisions } = run(Array.from({ length: 40 }, (_, i) => ok(i)));
    expect(slotsOf(state, bounds)).toBe(20);
    expect(decisions.map((d) => d.to)).toEqual(Array.from({ length: 17 }, (_, i) => i + 4));
    expect(decisions.every((d) => d.direction === 'up')).toBe(true);
  });

  it('halves on a 5xx/429 and names it', () => {
    const grown = run(Array.from({ length: 13 }, (_, i) => ok(i))).state;
    expect(slotsOf(grown, bounds)).toBe(16);
    const { state, decisions } = run([overload(100)], grown);
    expect(slotsOf(state, bounds)).toBe(8);
    expect(decisions).toEqual([
      { from: 16, to: 8, direction: 'down', reason: 'Nova refused evacuate (5xx/429)' },
    ]);
  });

  it('a burst of errors within the cooldown is one decrease', () => {
    const grown = run(Array.from({ length: 13 }, (_, i) => ok(i))).state;
    const { state } = run([overload(100), overload(200), overload(900), overload(1200)], grown);
    // 16 → 8 at 100 ms; 200 and 900 fall in the 1 s cooldown; 1200 → 4.
    expect(slotsOf(state, bounds)).toBe(4);
  });

  it('timeouts and failed rebuilds back off too', () => {
    const grown = run(Array.from({ length: 5 }, (_, i) => ok(i))).state;
    const timeout = run(
      [{ kind: 'call', at: 10, latencyMs: 0, outcome: 'timeout', what: 'GET server' }],
      grown,
    );
    expect(timeout.decisions[0]?.reason).toBe('GET server timed out');
    expect(slotsOf(timeout.state, bounds)).toBe(4);
    const failed = run([{ kind: 'rebuild', at: 10, durationMs: 900, outcome: 'failed' }], grown);
    expect(failed.decisions[0]).toMatchObject({ from: 8, to: 4, reason: 'a rebuild failed' });
  });

  it('never goes below the minimum', () => {
    const b: ScopeBounds = { min: 2, max: 10, start: 3 };
    const { state } = run(
      Array.from({ length: 10 }, (_, i) => overload(i * 2000)),
      initialState(b),
      b,
    );
    expect(slotsOf(state, b)).toBe(2);
  });

  it('after a decrease, grows by one slot per window of healthy answers (additive)', () => {
    const grown = run(Array.from({ length: 7 }, (_, i) => ok(i))).state; // 10
    const halved = run([overload(100)], grown).state; // 5
    expect(slotsOf(halved, bounds)).toBe(5);
    // Each healthy answer adds 1/limit: about one window (5, then 6 answers) per slot.
    const after5 = run(
      Array.from({ length: 5 }, (_, i) => ok(2000 + i)),
      halved,
    ).state;
    expect(slotsOf(after5, bounds)).toBe(5);
    const after6 = run([ok(2500)], after5).state;
    expect(slotsOf(after6, bounds)).toBe(6);
    const after12 = run(
      Array.from({ length: 6 }, (_, i) => ok(3000 + i)),
      after6,
    ).state;
    expect(slotsOf(after12, bounds)).toBe(7);
  });

  it('rising latency backs off; a steady slow Nova does not', () => {
    const warm = run(Array.from({ length: 10 }, (_, i) => ok(i, 20))).state;
    expect(slotsOf(warm, bounds)).toBe(13);
    // 20 ms → 2 s: the EWMA crosses 3 × baseline and baseline + 250 ms within a few samples.
    const slow = run(
      Array.from({ length: 5 }, (_, i) => ok(100 + i * 10, 2000)),
      warm,
    );
    expect(
      slow.decisions.some((d) => d.direction === 'down' && d.reason.startsWith('Nova latency rising')),
    ).toBe(true);
    // 200 ms from the start is Nova's normal: it grows as fast as a 0 ms Nova.
    const steady = run(Array.from({ length: 30 }, (_, i) => ok(i * 10, 200)));
    expect(slotsOf(steady.state, bounds)).toBe(20);
    expect(steady.decisions.every((d) => d.direction === 'up')).toBe(true);
  });

  it('slower rebuilds back off only well past their usual time', () => {
    const rebuild = (at: number, durationMs: number): NovaSample => ({
      kind: 'rebuild',
      at,
      durationMs,
      outcome: 'ok',
    });
    const warm = run([rebuild(0, 1500), rebuild(1, 1600), rebuild(2, 1400)]).state;
    expect(run([rebuild(10, 2500)], warm).decisions.every((d) => d.direction === 'up')).toBe(true);
    const slow = run(
      Array.from({ length: 8 }, (_, i) => rebuild(100 + i, 30_000)),
      warm,
    );
    expect(slow.decisions.some((d) => d.reason.startsWith('rebuilds slowing'))).toBe(true);
  });
});
