import { FAILURE_KINDS, planRound, roundSeedOf } from './round-plan';
import { checkSoakInvariants, type SoakFacts } from './soak-invariants';

// The soak's oracle must flag each violation it claims to catch, and its rounds must replay from a seed.
// Pure logic, kept beside the soak runner.
const T0 = 1_000_000_000_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const epoch = { host: 'cmp-1', kind: 'kernel-hang', round: 1, atMs: T0 };
const incident = {
  id: 'inc-1',
  type: 'COMPUTE_HOST',
  host: 'cmp-1',
  status: 'finished',
  createdAt: iso(T0 + 2_000),
  fence: { mode: 'bmc', at: iso(T0 + 3_000), detail: 'off' },
};
const evacuation = { instanceUuid: 'vm-1', sourceCompute: 'cmp-1', status: 'done', createdMs: T0 + 5_000 };
const fenced = {
  atMs: T0 + 3_000,
  host: 'cmp-1',
  from: 'On' as const,
  to: 'Off' as const,
  cause: 'bmc ForceOff',
  by: 'bmc client vigil-fencing from 127.0.0.1',
};
const clean: SoakFacts = {
  epochs: [epoch],
  dueEpochs: [epoch],
  powerLog: [fenced],
  evacuations: [evacuation],
  incidents: [incident],
  bmcAccessSince: (host, sinceMs) => (host === 'cmp-1' && sinceMs <= T0 + 3_000 ? T0 + 3_000 : undefined),
};

describe('chaos soak invariants (ground truth: power log, migrations, BMC accesses)', () => {
  it('finds nothing wrong with a clean recovery', () => {
    expect(checkSoakInvariants(clean)).toEqual([]);
  });

  it.each<[string, Partial<SoakFacts>, string]>([
    ['an evacuation while the host was still On', { powerLog: [] }, '(fence)'],
    ['an evacuation with no incident', { incidents: [] }, '(fence)'],
    ['an evacuation with no recorded fence', { incidents: [{ ...incident, fence: undefined }] }, '(fence)'],
    ['an evacuation before the BMC was read', { bmcAccessSince: () => T0 + 9_000 }, '(fence)'],
    ['an evacuation of a host that never failed', { epochs: [], dueEpochs: [] }, '(fence)'],
    [
      'an instance evacuated twice for one failure',
      { evacuations: [evacuation, { ...evacuation, createdMs: T0 + 7_000 }] },
      '(twice)',
    ],
    [
      'a healthy host powered off',
      { powerLog: [fenced, { ...fenced, host: 'cmp-2', atMs: T0 + 4_000 }] },
      '(healthy-off)',
    ],
    [
      'a host powered off again after its repair',
      {
        epochs: [{ ...epoch, repairedAtMs: T0 + 10_000 }],
        powerLog: [fenced, { ...fenced, atMs: T0 + 20_000 }],
      },
      '(healthy-off)',
    ],
    ['a failure with no notification', { incidents: [], evacuations: [] }, '(notification)'],
    [
      'a failure with two notifications',
      { incidents: [incident, { ...incident, id: 'inc-2' }] },
      '(notification)',
    ],
    ['a failure still running a round later', { incidents: [{ ...incident, status: 'running' }] }, '(stuck)'],
    [
      'a failure blocked without a reason',
      { incidents: [{ ...incident, status: 'failed', reason: ' ' }], evacuations: [] },
      '(reason)',
    ],
    [
      'an incident for a host that did not fail',
      { incidents: [incident, { ...incident, id: 'inc-3', host: 'cmp-3' }] },
      '(healthy-incident)',
    ],
  ])('flags %s', (_, change, tag) => {
    const found = checkSoakInvariants({ ...clean, ...change });
    // One fault may break several invariants at once (no incident: no fence and no notification).
    expect(found.filter((v) => v.startsWith(tag))).not.toEqual([]);
  });

  it('accepts a failure blocked with a stated reason (hung BMC: nothing moved)', () => {
    const blocked = { ...incident, status: 'failed', reason: 'BMC did not answer', fence: undefined };
    expect(checkSoakInvariants({ ...clean, incidents: [blocked], evacuations: [], powerLog: [] })).toEqual(
      [],
    );
  });
});

describe('chaos round plans', () => {
  it('replay from the round seed alone', () => {
    const seed = roundSeedOf(20261206, 17);
    expect(planRound(seed)).toEqual(planRound(seed));
    expect(roundSeedOf(20261206, 17)).toBe(seed);
    expect(roundSeedOf(20261206, 18)).not.toBe(seed);
  });

  it('cover every failure kind and disruption over a few hundred rounds', () => {
    const plans = Array.from({ length: 400 }, (_, i) => planRound(roundSeedOf(1, i + 1)));
    const events = new Set(plans.map((p) => p.event));
    for (const kind of FAILURE_KINDS) expect(events.has(kind)).toBe(true);
    expect(events.has('blip-controller')).toBe(true);
    expect(new Set(plans.map((p) => p.disruption)).size).toBe(7);
  });
});
