import { judgeRecovery, type RecoveryFacts } from './verdict';

const good: RecoveryFacts = {
  failedHost: 'cmp-0001',
  planned: [
    { id: 'a', name: 'vm-a', status: 'ACTIVE' },
    { id: 'b', name: 'vm-b', status: 'SHUTOFF' },
  ],
  now: new Map([
    ['a', { host: 'cmp-0004', status: 'ACTIVE' }],
    ['b', { host: 'cmp-0004', status: 'SHUTOFF' }],
  ]),
  evacuateCalls: new Map([
    ['a', 1],
    ['b', 1],
  ]),
  resets: [{ host: 'cmp-0001', resetType: 'ForceOff' }],
  failedHostPower: 'Off',
  firstBmcAccessMs: 1000,
  firstEvacuateMs: 2000,
  notificationStatus: 'finished',
};

describe('judgeRecovery', () => {
  it('accepts a correct recovery', () => {
    expect(judgeRecovery(good)).toEqual([]);
  });

  it.each<[string, Partial<RecoveryFacts>, string]>([
    ['unfinished', { notificationStatus: 'running' }, 'notification status is running'],
    [
      'evacuated twice',
      {
        evacuateCalls: new Map([
          ['a', 2],
          ['b', 1],
        ]),
      },
      'vm-a: 2 evacuate calls',
    ],
    ['never evacuated', { evacuateCalls: new Map([['a', 1]]) }, 'vm-b: 0 evacuate calls'],
    [
      'left behind',
      {
        now: new Map([
          ['a', { host: 'cmp-0001', status: 'ACTIVE' }],
          ['b', { host: 'cmp-0004', status: 'SHUTOFF' }],
        ]),
      },
      'vm-a: still on cmp-0001',
    ],
    [
      'started a stopped instance',
      {
        now: new Map([
          ['a', { host: 'cmp-0004', status: 'ACTIVE' }],
          ['b', { host: 'cmp-0004', status: 'ACTIVE' }],
        ]),
      },
      'vm-b: ACTIVE, was SHUTOFF',
    ],
    ['BMC still on', { failedHostPower: 'On' }, 'BMC reads On'],
    ['never fenced', { firstBmcAccessMs: undefined }, 'never checked'],
    ['evacuated before fencing', { firstBmcAccessMs: 3000 }, 'before cmp-0001 was fenced'],
    [
      'fenced a bystander',
      { resets: [{ host: 'cmp-0002', resetType: 'ForceOff' }] },
      'cmp-0002 was fenced too',
    ],
    ['empty host', { planned: [] }, 'nothing was tested'],
  ])('flags %s', (_name, change, problem) => {
    expect(judgeRecovery({ ...good, ...change }).join('\n')).toContain(problem);
  });
});
