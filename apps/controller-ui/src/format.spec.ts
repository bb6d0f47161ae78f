import { adviceFor, age, sinceFailure } from './format';

describe('operator view formatting', () => {
  it('writes ages in the largest useful units', () => {
    expect(age(4_200)).toBe('4s');
    expect(age(125_000)).toBe('2m 5s');
    expect(age(3_780_000)).toBe('1h 3m');
    expect(age(-5)).toBe('0s');
  });

  it('writes each step as its offset from the failure', () => {
    expect(sinceFailure(12_345, 1_000)).toBe('+11.3s');
    expect(sinceFailure(500, 1_000)).toBe('−0.5s');
  });

  it('tells the operator what can be done about an incident, by status and phase', () => {
    expect(adviceFor({ status: 'error', phase: 'fencing' })?.actions).toEqual([
      'confirm-fenced',
      'retry',
      'abort',
    ]);
    expect(adviceFor({ status: 'error', phase: 'evacuating' })?.actions).toEqual(['retry', 'abort']);
    expect(adviceFor({ status: 'failed', phase: 'failed' })?.actions).toEqual(['retry']);
    expect(adviceFor({ status: 'running', phase: 'fencing' })?.actions).toContain('confirm-fenced');
    expect(adviceFor({ status: 'finished', phase: 'finished' })).toBeUndefined();
  });
});
