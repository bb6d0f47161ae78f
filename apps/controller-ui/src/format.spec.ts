import { adviceFor, age, byDomain, NO_DOMAIN, sinceFailure } from './format';

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

  it('tells the operator what can be done about an incident: confirm-fenced only where the API takes it', () => {
    // The engine parks a run in phase error/failed with the phase it resumes at.
    expect(adviceFor({ status: 'error', phase: 'error', resumePhase: 'fencing' })?.actions).toEqual([
      'confirm-fenced',
      'retry',
      'abort',
    ]);
    expect(adviceFor({ status: 'failed', phase: 'failed', resumePhase: 'fencing' })?.actions).toEqual([
      'confirm-fenced',
      'retry',
    ]);
    expect(adviceFor({ status: 'error', phase: 'error', resumePhase: 'evacuating' })?.actions).toEqual([
      'retry',
      'abort',
    ]);
    expect(adviceFor({ status: 'failed', phase: 'failed', resumePhase: 'evacuating' })?.actions).toEqual([
      'retry',
    ]);
    // While fencing runs, the API refuses confirm-fenced (409): the page does not offer it.
    expect(adviceFor({ status: 'running', phase: 'fencing' })?.actions).toEqual(['abort']);
    expect(adviceFor({ status: 'finished', phase: 'finished' })).toBeUndefined();
  });

  it('groups a segment by failure domain, hosts without one last, or not at all when none has one', () => {
    const h = (name: string, failureDomain?: string) => ({
      name,
      ...(failureDomain ? { failureDomain } : {}),
    });
    expect(byDomain([h('a'), h('b')])).toEqual([[undefined, [h('a'), h('b')]]]);
    expect(byDomain([h('c', 'dc1/rack-2'), h('x'), h('a', 'dc1/rack-1'), h('b', 'dc1/rack-2')])).toEqual([
      ['dc1/rack-1', [h('a', 'dc1/rack-1')]],
      ['dc1/rack-2', [h('c', 'dc1/rack-2'), h('b', 'dc1/rack-2')]],
      [NO_DOMAIN, [h('x')]],
    ]);
  });
});
