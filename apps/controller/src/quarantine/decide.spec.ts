import { decideQuarantine, nextLiveMigrations, type QuarantineRecord } from './decide';

const limits = { windowMs: 60_000, maxFailedPercent: 33 };
const up = (host: string, segmentId = 's1') => ({ host, segmentId, state: 'up', reserved: false });
const record = (host: string, since: number, segmentId = 's1'): QuarantineRecord => ({
  host,
  segmentId,
  since,
  signals: ['PsuRedundancyLost'],
  mode: 'drain',
});

describe('decideQuarantine', () => {
  const base = { now: 100_000, mode: 'drain' as const, limits, segmentSize: 8, active: [] };

  it('quarantines an up host in the segment mode', () => {
    expect(decideQuarantine({ ...base, candidate: up('cmp-1') })).toEqual({
      kind: 'quarantine',
      mode: 'drain',
    });
    expect(decideQuarantine({ ...base, mode: 'flag', candidate: up('cmp-1') })).toEqual({
      kind: 'quarantine',
      mode: 'flag',
    });
  });

  it.each([
    [{ mode: 'off' as const }, /quarantine is off/],
    [{ candidate: { ...up('cmp-1'), reserved: true } }, /reserved host/],
    [{ candidate: { ...up('cmp-1'), state: 'failed' } }, /failed, not up: failure handling owns it/],
    [{ candidate: { ...up('cmp-1'), state: 'maintenance' } }, /maintenance, not up/],
  ])('skips %j', (change, why) => {
    const decision = decideQuarantine({ ...base, candidate: up('cmp-1'), ...change });
    expect(decision).toEqual({ kind: 'skip', why: expect.stringMatching(why) });
  });

  it('adds to a quarantine in force rather than starting another', () => {
    expect(decideQuarantine({ ...base, candidate: up('cmp-1'), active: [record('cmp-1', 0)] })).toEqual({
      kind: 'already',
    });
  });

  it('a lone host always passes, even in a tiny segment', () => {
    expect(decideQuarantine({ ...base, segmentSize: 1, candidate: up('cmp-1') }).kind).toBe('quarantine');
  });

  it.each([
    // 8 hosts, 33 %: the second (25 %) passes, the third (37.5 %) is a storm.
    [[record('cmp-1', 90_000)], 'quarantine'],
    [[record('cmp-1', 90_000), record('cmp-2', 95_000)], 'limited'],
    // Outside the window they no longer count.
    [[record('cmp-1', 10_000), record('cmp-2', 20_000)], 'quarantine'],
    // Other segments do not count.
    [[record('cmp-1', 90_000, 's2'), record('cmp-2', 95_000, 's2')], 'quarantine'],
  ])('storm limit by percent: %j → %s', (active, kind) => {
    expect(decideQuarantine({ ...base, candidate: up('cmp-3'), active }).kind).toBe(kind);
  });

  it('storm limit by host count, naming the hosts already quarantined', () => {
    const decision = decideQuarantine({
      ...base,
      segmentSize: 100,
      limits: { ...limits, maxFailedHosts: 2 },
      candidate: up('cmp-3'),
      active: [record('cmp-2', 95_000), record('cmp-1', 90_000)],
    });
    expect(decision).toEqual({
      kind: 'limited',
      why: 'storm limit: 2 hosts of the segment entered quarantine within 60000 ms (cmp-1, cmp-2); at most 2 hosts at once',
    });
  });
});

describe('nextLiveMigrations', () => {
  const s = (id: string, vmState: string, taskState: string | null = null) => ({ id, vmState, taskState });
  it('starts active idle servers up to the in-flight bound, and names those that cannot move', () => {
    const servers = [s('a', 'active', 'migrating'), s('b', 'active'), s('c', 'active'), s('d', 'stopped')];
    expect(nextLiveMigrations(servers, 2)).toEqual({ start: ['b'], inFlight: 1, stuck: ['d'] });
    expect(nextLiveMigrations(servers, 1).start).toEqual([]);
    expect(nextLiveMigrations([], 3)).toEqual({ start: [], inFlight: 0, stuck: [] });
  });
});
