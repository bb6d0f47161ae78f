import { correlatedSilences, type Silence } from './failure-domains';

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
