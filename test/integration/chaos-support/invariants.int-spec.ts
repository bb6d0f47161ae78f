import { type ChaosFacts, checkInvariants } from './invariants';

// The chaos test is only as good as its oracle: each invariant must flag its own violation. Pure
// logic, kept under test/integration because it is the chaos runner's support code.
const T0 = 1_000_000;
const clean: ChaosFacts = {
  failedHosts: new Map([['cmp-1', T0]]),
  powerEvents: [{ atMs: T0, kind: 'power-off', target: 'cmp-1', source: 'injection' }],
  evacuations: [{ instanceUuid: 'vm-1', sourceCompute: 'cmp-1', status: 'done', createdMs: T0 + 5_000 }],
  incidents: [
    {
      id: 'inc-1',
      type: 'COMPUTE_HOST',
      host: 'cmp-1',
      status: 'finished',
      createdAt: new Date(T0 + 2_000).toISOString(),
      fence: { mode: 'bmc', at: new Date(T0 + 3_000).toISOString(), detail: 'off' },
    },
  ],
  bmcAccessSince: (host, sinceMs) => (host === 'cmp-1' && sinceMs <= T0 + 3_000 ? T0 + 3_000 : undefined),
  resetHosts: ['cmp-1'],
};
const incident = clean.incidents[0]!;
const evacuation = clean.evacuations[0]!;

describe('chaos invariants', () => {
  it('finds nothing wrong with a clean recovery', () => {
    expect(checkInvariants(clean)).toEqual([]);
  });

  it.each<[string, Partial<ChaosFacts>, string]>([
    [
      'an instance evacuated twice',
      { evacuations: [evacuation, { ...evacuation, createdMs: T0 + 6_000 }] },
      '(a)',
    ],
    ['an evacuation of a host still On', { powerEvents: [] }, '(b)'],
    ['an evacuation without an incident', { incidents: [] }, '(b)'],
    ['an evacuation without a recorded fence', { incidents: [{ ...incident, fence: undefined }] }, '(b)'],
    ['an evacuation before the BMC was read', { bmcAccessSince: () => T0 + 9_000 }, '(b)'],
    ['a healthy host powered off', { resetHosts: ['cmp-1', 'cmp-2'] }, '(c)'],
    [
      'a healthy host losing power',
      {
        powerEvents: [...clean.powerEvents, { atMs: T0, kind: 'power-off', target: 'cmp-2', source: 'bmc' }],
      },
      '(c)',
    ],
    [
      'a lost notification',
      {
        failedHosts: new Map([
          ['cmp-1', T0],
          ['cmp-3', T0],
        ]),
      },
      '(e)',
    ],
    ['a duplicate incident', { incidents: [incident, { ...incident, id: 'inc-2' }] }, '(e)'],
    [
      'an incident for a healthy host',
      { incidents: [incident, { ...incident, id: 'inc-3', host: 'cmp-2' }] },
      '(e)',
    ],
  ])('flags %s', (_what, change, invariant) => {
    const violations = checkInvariants({ ...clean, ...change });
    expect(violations.some((v) => v.startsWith(invariant))).toBe(true);
  });

  it('ignores evacuations Nova itself failed', () => {
    const failed = { ...evacuation, status: 'error' };
    expect(checkInvariants({ ...clean, evacuations: [failed, evacuation] })).toEqual([]);
  });
});
