import { correlatedSilences, domainsFromNova, type NovaPlacement, type Silence } from './failure-domains';

const s = (
  host: string,
  domain: string | undefined,
  startedAt: number,
  bmc: Silence['bmc'] = 'on',
): Silence => ({
  host,
  domain,
  startedAt,
  bmc,
  windowMs: 10_000,
});

describe('correlated silence', () => {
  it.each([
    [
      'two hosts of one rack, BMCs On, 2 s apart',
      [s('a', 'r1', 0), s('b', 'r1', 2_000)],
      { a: ['b'], b: ['a'] },
    ],
    ['one host alone', [s('a', 'r1', 0)], {}],
    ['two racks: independent failures', [s('a', 'r1', 0), s('b', 'r2', 0)], {}],
    ['too far apart', [s('a', 'r1', 0), s('b', 'r1', 10_001)], {}],
    ['no domain: never correlated', [s('a', undefined, 0), s('b', undefined, 0)], {}],
    [
      'a BMC reading Off is direct evidence of death: that host is not held, nor counted',
      [s('a', 'r1', 0, 'off'), s('b', 'r1', 0), s('c', 'r1', 0)],
      { b: ['c'], c: ['b'] },
    ],
    [
      'a BMC that did not answer proves nothing: held as On',
      [s('a', 'r1', 0, 'unknown'), s('b', 'r1', 0)],
      { a: ['b'], b: ['a'] },
    ],
    [
      'three of one rack',
      [s('a', 'r1', 0), s('b', 'r1', 1), s('c', 'r1', 2)],
      { a: ['b', 'c'], b: ['a', 'c'], c: ['a', 'b'] },
    ],
  ] as const)('%s', (_name, silences, expected) => {
    const got = correlatedSilences(silences);
    expect(Object.fromEntries([...got].map(([h, c]) => [h, c.with]))).toEqual(expected);
  });
});

describe('failure domains from Nova', () => {
  const nova: NovaPlacement = {
    aggregates: [
      { name: 'rack-02', hosts: ['c', 'd'], metadata: { rack: 'dc1/rack-02' } },
      { name: 'rack-01', hosts: ['a', 'b'], metadata: { rack: 'dc1/rack-01', availability_zone: 'az1' } },
      { name: 'gpu', hosts: ['b'], metadata: { rack: 'dc1/rack-09' } },
      { name: 'ssd', hosts: ['a', 'c'], metadata: { disk: 'ssd' } },
      { name: 'bad', hosts: ['e'], metadata: { rack: 'rack 5' } },
    ],
    services: [
      { host: 'a', zone: 'az1' },
      { host: 'b', zone: 'az1' },
      { host: 'c', zone: 'nova' },
      { host: 'd' },
    ],
  };

  it('aggregate metadata: the value of the key per member host; aggregates without the key are ignored', () => {
    const { domains, problems } = domainsFromNova({ source: 'aggregate-metadata', key: 'rack' }, nova);
    expect(Object.fromEntries(domains)).toEqual({
      a: 'dc1/rack-01',
      b: 'dc1/rack-09',
      c: 'dc1/rack-02',
      d: 'dc1/rack-02',
    });
    // b is in gpu and rack-01: by aggregate name, gpu first; reported. A value that is no path, skipped.
    expect(problems).toEqual([
      'aggregate bad: rack="rack 5" is not a /-separated path',
      'b: aggregates disagree on rack (dc1/rack-09, dc1/rack-01); using dc1/rack-09',
    ]);
  });

  it('availability zone: the zone of the nova-compute service; the default zone nova is no domain', () => {
    const { domains } = domainsFromNova({ source: 'availability-zone' }, nova);
    expect(Object.fromEntries(domains)).toEqual({ a: 'az1', b: 'az1' });
  });

  it('a key nobody sets: no domains', () => {
    expect(domainsFromNova({ source: 'aggregate-metadata', key: 'pdu' }, nova).domains.size).toBe(0);
  });
});
