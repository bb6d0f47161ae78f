import { parseArgs } from './args';
import { injectRequest } from './inject-command';

const req = (...argv: string[]) => injectRequest(parseArgs(['inject', ...argv]));

describe('inject command', () => {
  it.each([
    [['power-off', 'cmp-0001'], { method: 'POST', path: '/sim/hosts/cmp-0001/power-off' }],
    [['kernel-hang', 'cmp-0002'], { method: 'POST', path: '/sim/hosts/cmp-0002/kernel-hang' }],
    [['crash', 'cmp-0001', 'ovs'], { method: 'POST', path: '/sim/hosts/cmp-0001/components/ovs/crash' }],
    [['rack-partition', 'rack-01'], { method: 'POST', path: '/sim/racks/rack-01/partition' }],
    [['cliff', 'on'], { method: 'POST', path: '/sim/cliff', body: { active: true } }],
    [['cliff', 'off'], { method: 'DELETE', path: '/sim/cliff' }],
    [
      ['nova-faults', '--latency-ms', '800', '--fail-rate', '0.5'],
      { method: 'POST', path: '/sim/nova/faults', body: { latencyMs: 800, failRate: 0.5 } },
    ],
    [
      ['bmc', 'cmp-0003', 'lie'],
      { method: 'POST', path: '/sim/bmc/cmp-0003/behaviour', body: { behaviour: 'lie' } },
    ],
    [
      ['bmc', 'cmp-0003', 'slow', '--delay-ms', '3000'],
      { method: 'POST', path: '/sim/bmc/cmp-0003/behaviour', body: { behaviour: 'slow', delayMs: 3000 } },
    ],
    [
      ['cut', 'controller', 'cmp-0001,rack:rack-02', '--duration-ms', '25000'],
      {
        method: 'POST',
        path: '/sim/partitions',
        body: { scope: 'controller', hosts: ['cmp-0001'], racks: ['rack-02'], durationMs: 25000 },
      },
    ],
    [['heal-cut', 'p-1'], { method: 'DELETE', path: '/sim/partitions/p-1' }],
    [
      ['rack-power-off', 'rack-01', '--bmcs', 'unreachable'],
      { method: 'POST', path: '/sim/racks/rack-01/power-off', body: { bmcs: 'unreachable' } },
    ],
    [['power-log', 'cmp-0001'], { method: 'GET', path: '/sim/power-log?host=cmp-0001' }],
    [['instance-crash', 'abc'], { method: 'POST', path: '/sim/instances/abc/crash' }],
    [['state', 'cmp-0001'], { method: 'GET', path: '/sim/state?host=cmp-0001' }],
  ])('%j', (argv, expected) => {
    expect(req(...argv)).toEqual(expected);
  });

  it.each([[[]], [['power-off']], [['crash', 'cmp-0001']], [['cliff', 'maybe']], [['melt', 'cmp-0001']]])(
    'rejects %j with the usage',
    (argv) => {
      expect(() => req(...argv)).toThrow('inject <kind> <target>');
    },
  );
});
