import { ErrorCode } from '@vigil/contracts';
import { formatMicroversion, negotiateMicroversion, parseMicroversion } from './microversion';

describe('negotiateMicroversion', () => {
  it.each([
    // [cloud max, cloud min, pinned]
    ['2.93', '2.1', '2.73'],
    ['2.73', '2.1', '2.73'],
    ['2.60', '2.1', '2.60'],
    ['2.53', '2.1', '2.53'],
    ['2.52', '2.1', '2.52'],
    ['2.10', '2.1', '2.10'],
    ['', '', '2.1'],
    ['2.95', '2.80', '2.80'],
  ])('cloud max %j min %j pins %j', (max, min, pinned) => {
    expect(formatMicroversion(negotiateMicroversion({ version: max, min_version: min }).pinned)).toBe(pinned);
  });

  it('compares minors numerically (2.9 < 2.10)', () => {
    expect(formatMicroversion(negotiateMicroversion({ version: '2.9', min_version: '2.1' }).pinned)).toBe(
      '2.9',
    );
  });

  it.each([['x.y'], ['2']])('rejects an unparseable version %j as BAD_RESPONSE', (version) => {
    expect(() => negotiateMicroversion({ version, min_version: '2.1' })).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_RESPONSE }),
    );
  });

  it('parses and formats versions', () => {
    expect(parseMicroversion(' 2.53 ')).toEqual({ major: 2, minor: 53 });
    expect(parseMicroversion('latest')).toBeUndefined();
  });
});
