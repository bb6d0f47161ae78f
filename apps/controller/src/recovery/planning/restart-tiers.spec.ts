import {
  assignTiers,
  httpStatusReady,
  parseHttpTarget,
  parseTcpTarget,
  portsReady,
  type TierPolicy,
  tierPolicyOf,
  tierStep,
  type TierSpec,
} from './restart-tiers';

const tiers: TierSpec[] = [
  { name: 'db', gate: { kind: 'tcp' }, timeoutMs: 60_000 },
  { name: 'app', gate: { kind: 'http' }, timeoutMs: 60_000 },
  { name: 'web', gate: { kind: 'active' }, timeoutMs: 30_000 },
];
const policy = (change: Partial<TierPolicy> = {}): TierPolicy => ({
  tiers,
  defaultTier: 'web',
  metadataKey: 'vigil:tier',
  serverGroups: {},
  dependsOn: {},
  ...change,
});
const names = (a: ReturnType<typeof assignTiers>): Record<string, string[]> =>
  Object.fromEntries(a.tiers.map((t) => [t.name, t.instanceIds]));

describe('assignTiers', () => {
  it('metadata beats the server group, which beats the default', () => {
    const result = assignTiers(
      [
        { id: 'pg', metadata: { 'vigil:tier': 'db' }, serverGroup: 'g-app' },
        { id: 'api', metadata: {}, serverGroup: 'g-app' },
        { id: 'lb', metadata: {} },
      ],
      policy({ serverGroups: { 'g-app': 'app' } }),
    );
    expect(names(result)).toEqual({ db: ['pg'], app: ['api'], web: ['lb'] });
    expect(result.warnings).toEqual([]);
  });

  it('a dependency pushes a group after what it depends on', () => {
    const result = assignTiers(
      [
        { id: 'api', metadata: {}, serverGroup: 'g-api' },
        { id: 'pg', metadata: {}, serverGroup: 'g-db' },
      ],
      policy({ serverGroups: { 'g-api': 'db', 'g-db': 'app' }, dependsOn: { 'g-api': ['g-db'] } }),
    );
    expect(names(result)).toEqual({ db: [], app: ['pg'], web: ['api'] });
  });

  it('reports unknown tiers, cycles and unsatisfiable dependencies, and still places everything', () => {
    const result = assignTiers(
      [
        { id: 'x', metadata: { 'vigil:tier': 'nope' } },
        { id: 'a', metadata: {}, serverGroup: 'g-a' },
        { id: 'b', metadata: {}, serverGroup: 'g-b' },
      ],
      policy({ dependsOn: { 'g-a': ['g-b'], 'g-b': ['g-a'] } }),
    );
    expect(result.tiers.flatMap((t) => t.instanceIds).sort()).toEqual(['a', 'b', 'x']);
    expect(result.warnings.join('\n')).toMatch(/instance x: unknown tier nope/);
    expect(result.warnings.join('\n')).toMatch(/cycle/);
    expect(result.warnings.join('\n')).toMatch(/starts in the last tier/);
  });
});

describe('tierStep', () => {
  const base = { instanceIds: ['a', 'b'], startedAt: 1_000, ready: new Set<string>() };
  it('waits while some instance is not ready, naming it', () => {
    expect(tierStep({ ...base, tier: tiers[0] as TierSpec, now: 2_000, ready: new Set(['a']) })).toEqual({
      kind: 'wait',
      remainingMs: 59_000,
      notReady: ['b'],
    });
  });
  it('starts the next tier when all are ready', () => {
    expect(tierStep({ ...base, tier: tiers[0] as TierSpec, now: 2_000, ready: new Set(['a', 'b']) })).toEqual(
      {
        kind: 'next',
        why: 'ready',
      },
    );
  });
  it('starts the next tier anyway at the timeout, saying which were not ready', () => {
    expect(tierStep({ ...base, tier: tiers[0] as TierSpec, now: 61_000 })).toEqual({
      kind: 'next',
      why: 'timeout',
      notReady: ['a', 'b'],
    });
  });
  it('a delay gate opens by time alone', () => {
    const tier: TierSpec = { name: 'd', gate: { kind: 'delay', ms: 5_000 }, timeoutMs: 60_000 };
    expect(tierStep({ ...base, tier, now: 5_999 }).kind).toBe('wait');
    expect(tierStep({ ...base, tier, now: 6_000 })).toEqual({ kind: 'next', why: 'ready' });
  });
  it('an empty tier never waits', () => {
    expect(tierStep({ ...base, instanceIds: [], tier: tiers[0] as TierSpec, now: 1_000 }).kind).toBe('next');
  });
});

describe('tierPolicyOf', () => {
  const config = {
    order: [
      { name: 'db', gate: 'tcp' as const, delayMs: 0, timeoutMs: 10 },
      { name: 'app', gate: 'delay' as const, delayMs: 5, timeoutMs: 20 },
    ],
    defaultTier: '',
    metadataKey: 'vigil:tier',
    readyTcpKey: 'vigil:ready-tcp',
    readyHttpKey: 'vigil:ready-http',
    probeTimeoutMs: 1000,
    probeIntervalMs: 1000,
  };
  it('is undefined without tiers, and defaults the default tier to the last one', () => {
    expect(tierPolicyOf({ ...config, order: [] })).toBeUndefined();
    expect(tierPolicyOf(config)).toMatchObject({
      defaultTier: 'app',
      tiers: [
        { name: 'db', gate: { kind: 'tcp' }, timeoutMs: 10 },
        { name: 'app', gate: { kind: 'delay', ms: 5 }, timeoutMs: 20 },
      ],
    });
  });
});

describe('parseTcpTarget', () => {
  it.each([
    ['10.0.0.5:5432', { address: '10.0.0.5', port: 5432 }],
    ['[fd00::5]:5432', { address: 'fd00::5', port: 5432 }],
    ['db.internal:80', { address: 'db.internal', port: 80 }],
    ['5432', undefined],
    ['10.0.0.5:0', undefined],
    ['10.0.0.5:70000', undefined],
    [undefined, undefined],
  ])('%s', (value, expected) => {
    expect(parseTcpTarget(value)).toEqual(expected);
  });
});

describe('parseHttpTarget', () => {
  it.each([
    ['http://10.0.0.21:8080/health', 'http://10.0.0.21:8080/health'],
    ['https://[fd00::5]/ready', 'https://[fd00::5]/ready'],
    [' http://api.internal/ ', 'http://api.internal/'],
    ['ftp://10.0.0.21/health', undefined],
    ['10.0.0.21:8080', undefined],
    ['not a url', undefined],
    [undefined, undefined],
  ])('%s', (value, expected) => {
    expect(parseHttpTarget(value)?.href).toEqual(expected);
  });
});

describe('httpStatusReady', () => {
  it.each([
    [200, true],
    [204, true],
    [302, true],
    [399, true],
    [199, false],
    [404, false],
    [500, false],
    [503, false],
  ])('%i → %s', (status, ready) => {
    expect(httpStatusReady(status)).toBe(ready);
  });
});

describe('portsReady', () => {
  it.each([
    [['ACTIVE'], true],
    [['ACTIVE', 'ACTIVE'], true],
    [[], true],
    [['ACTIVE', 'DOWN'], false],
    [['BUILD'], false],
    [['ERROR'], false],
    [['N/A'], false],
  ])('%j → %s', (statuses, ready) => {
    expect(portsReady(statuses)).toBe(ready);
  });
});
