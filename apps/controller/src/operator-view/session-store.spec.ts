import { cookieValue, sameSecret } from './session-store';

describe('operator view session helpers', () => {
  it('reads one cookie out of a Cookie header, and nothing from a missing or look-alike name', () => {
    expect(cookieValue('a=1; vigil_session=abc-_9; b=2', 'vigil_session')).toBe('abc-_9');
    expect(cookieValue('x_vigil_session=1', 'vigil_session')).toBeUndefined();
    expect(cookieValue(undefined, 'vigil_session')).toBeUndefined();
  });

  it('compares CSRF tokens exactly, whatever their lengths', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'a')).toBe(false);
  });
});
