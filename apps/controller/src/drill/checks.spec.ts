import { type GroundTruth, judgeDrill, type Preflight, preflightBlockers } from './checks';

const truth = (over: Partial<GroundTruth> = {}): GroundTruth => ({
  failedHost: 'cmp-1',
  canaries: [
    { id: 'a', name: 'c-1', status: 'ACTIVE', host: 'cmp-2', evacuations: 1 },
    { id: 'b', name: 'c-2', status: 'ACTIVE', host: 'cmp-3', evacuations: 1 },
  ],
  service: { forcedDown: true, status: 'disabled' },
  otherBmcs: [
    { host: 'cmp-2', before: 'on', after: 'on' },
    { host: 'cmp-3', before: 'on', after: 'on' },
  ],
  incident: { id: 'i-1', phase: 'finished' },
  ...over,
});

const failing = (t: GroundTruth): string[] =>
  judgeDrill(t)
    .filter((c) => !c.ok)
    .map((c) => c.name);

describe('judgeDrill', () => {
  it.each<[string, Partial<GroundTruth>, string[]]>([
    ['a clean recovery passes every check', {}, []],
    [
      'a canary still on the failed host',
      { canaries: [{ id: 'a', name: 'c-1', status: 'ACTIVE', host: 'cmp-1', evacuations: 0 }] },
      ['c-1 ACTIVE on another host', 'c-1 evacuated exactly once'],
    ],
    [
      'a canary evacuated twice',
      { canaries: [{ id: 'a', name: 'c-1', status: 'ACTIVE', host: 'cmp-2', evacuations: 2 }] },
      ['c-1 evacuated exactly once'],
    ],
    [
      'a canary in ERROR elsewhere',
      { canaries: [{ id: 'a', name: 'c-1', status: 'ERROR', host: 'cmp-2', evacuations: 1 }] },
      ['c-1 ACTIVE on another host'],
    ],
    [
      'another BMC powered off',
      { otherBmcs: [{ host: 'cmp-2', before: 'on', after: 'off' }] },
      ['no other BMC powered off'],
    ],
    [
      'a BMC that was already off before the drill is not blamed on it',
      { otherBmcs: [{ host: 'cmp-2', before: 'off', after: 'off' }] },
      [],
    ],
    [
      'the host left enabled',
      { service: { forcedDown: true, status: 'enabled' } },
      ['cmp-1 forced down and disabled in Nova'],
    ],
    ['no incident opened', { incident: undefined }, ['incident finished']],
    ['an incident that failed', { incident: { id: 'i', phase: 'failed' } }, ['incident finished']],
  ])('%s', (_name, over, expected) => {
    expect(failing(truth(over))).toEqual(expected);
  });

  it('says what it saw in each check', () => {
    const checks = judgeDrill(truth({ otherBmcs: [{ host: 'cmp-2', before: 'on', after: 'off' }] }));
    expect(checks.find((c) => c.name === 'no other BMC powered off')?.detail).toBe(
      'powered off: cmp-2 (off)',
    );
  });
});

const ready: Preflight = {
  host: 'cmp-1',
  confirm: 'cmp-1',
  power: 'on',
  compute: { state: 'up', status: 'enabled', forcedDown: false },
  detectionState: 'up',
  spareHosts: ['cmp-2'],
  otherInstances: [],
  allowOtherInstances: false,
  failure: { kind: 'power-off' },
};

describe('preflightBlockers', () => {
  it.each<[string, Partial<Preflight>, RegExp | undefined]>([
    ['a ready host has none', {}, undefined],
    ['the name not typed back', { confirm: 'cmp-11' }, /not typed back: got "cmp-11", expected "cmp-1"/],
    ['no fencing settings', { power: undefined }, /no fencing settings/],
    [
      'a BMC that does not answer',
      { power: 'unreachable: timeout' },
      /does not read on \(unreachable: timeout\)/,
    ],
    ['no nova-compute in Nova', { compute: undefined }, /Nova has no nova-compute service on cmp-1/],
    [
      'nova-compute down in Nova',
      { compute: { state: 'down', status: 'enabled', forcedDown: false } },
      /not show cmp-1's nova-compute up and enabled \(state down/,
    ],
    [
      'a monitor not heartbeating',
      { detectionState: 'suspect' },
      /not heartbeating healthy \(detection state suspect\)/,
    ],
    ['no spare host', { spareHosts: [] }, /no other host of the segment is up/],
    [
      'other instances',
      { otherInstances: ['web-1', 'db-1'] },
      /carries 2 instance\(s\) that are not the drill's \(web-1, db-1\)/,
    ],
    [
      'an unknown fail command',
      { failure: { kind: 'command', name: 'hang', known: false } },
      /no fail command named "hang"/,
    ],
  ])('%s', (_name, over, expected) => {
    const blockers = preflightBlockers({ ...ready, ...over });
    expect(blockers.length).toBe(expected ? 1 : 0);
    expect(blockers.every((b) => expected?.test(b))).toBe(true);
  });

  it('lets an operator fail a host with other instances when told', () => {
    expect(preflightBlockers({ ...ready, otherInstances: ['web-1'], allowOtherInstances: true })).toEqual([]);
  });
});
