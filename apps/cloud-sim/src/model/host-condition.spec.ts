import {
  applyFault,
  effectsOf,
  HEALTHY,
  type HostCondition,
  type HostFault,
  strongerScope,
} from './host-condition';

const run = (...faults: HostFault[]): HostCondition => faults.reduce(applyFault, HEALTHY);

describe('partition scopes', () => {
  it.each([
    [null, null, null],
    ['controller', null, 'controller'],
    ['controller', 'everything', 'everything'],
    ['controller-and-peers', 'controller', 'controller-and-peers'],
  ] as const)('stronger of %s and %s is %s', (a, b, expected) => {
    expect(strongerScope(a, b)).toBe(expected);
    expect(strongerScope(b, a)).toBe(expected);
  });
});

describe('host faults and what they look like from outside', () => {
  const cases: [string, HostFault[], Partial<ReturnType<typeof effectsOf>>][] = [
    [
      'healthy',
      [],
      { bmcPower: 'On', monitorRunning: true, heartbeatsDelivered: true, novaComputeReporting: true },
    ],
    [
      'power loss',
      [{ kind: 'power-off' }],
      { bmcPower: 'Off', monitorRunning: false, heartbeatsDelivered: false, novaComputeReporting: false },
    ],
    [
      'kernel hang: silent, BMC still On',
      [{ kind: 'kernel-hang' }],
      { bmcPower: 'On', monitorRunning: false, heartbeatsDelivered: false, novaComputeReporting: false },
    ],
    [
      'partition: running, but nobody hears it',
      [{ kind: 'partition' }],
      {
        bmcPower: 'On',
        monitorRunning: true,
        heartbeatsDelivered: false,
        peersReach: false,
        novaComputeReporting: false,
      },
    ],
    [
      'nova-compute crash: heartbeats go on, Nova sees it down',
      [{ kind: 'crash', component: 'nova-compute' }],
      { monitorRunning: true, heartbeatsDelivered: true, novaComputeReporting: false },
    ],
    [
      'OVS crash: only the component is failed',
      [{ kind: 'crash', component: 'ovs' }],
      { heartbeatsDelivered: true, novaComputeReporting: true },
    ],
    [
      'controller-only cut: peers and Nova still see it',
      [{ kind: 'partition', scope: 'controller' }],
      { heartbeatsDelivered: false, peersReach: true, novaComputeReporting: true },
    ],
    [
      'cut from controller and peers: Nova still sees it',
      [{ kind: 'partition', scope: 'controller-and-peers' }],
      { heartbeatsDelivered: false, peersReach: false, novaComputeReporting: true },
    ],
    [
      'cut from everything',
      [{ kind: 'partition', scope: 'everything' }],
      { heartbeatsDelivered: false, peersReach: false, novaComputeReporting: false },
    ],
    ['partition healed', [{ kind: 'partition' }, { kind: 'heal' }], { heartbeatsDelivered: true }],
    [
      'power-on after loss',
      [{ kind: 'power-off' }, { kind: 'power-on' }],
      { bmcPower: 'On', heartbeatsDelivered: true, novaComputeReporting: true },
    ],
    ['a powered-off host cannot hang', [{ kind: 'power-off' }, { kind: 'kernel-hang' }], { bmcPower: 'Off' }],
    [
      'recover clears everything',
      [
        { kind: 'kernel-hang' },
        { kind: 'partition' },
        { kind: 'crash', component: 'libvirtd' },
        { kind: 'recover' },
      ],
      { bmcPower: 'On', heartbeatsDelivered: true, novaComputeReporting: true },
    ],
  ];
  it.each(cases)('%s', (_name, faults, expected) => {
    expect(effectsOf(run(...faults))).toMatchObject(expected);
  });

  it('reports crashed components as failed and the others ok', () => {
    const c = run({ kind: 'crash', component: 'libvirtd' }, { kind: 'crash', component: 'libvirtd' });
    expect(c.crashed).toEqual(['libvirtd']);
    expect(effectsOf(c).components).toEqual({
      'nova-compute': { state: 'ok' },
      libvirtd: { state: 'failed', reason: 'libvirtd is not running' },
      ovs: { state: 'ok' },
    });
    expect(
      effectsOf(run({ kind: 'crash', component: 'libvirtd' }, { kind: 'restart', component: 'libvirtd' }))
        .components.libvirtd,
    ).toEqual({ state: 'ok' });
  });

  it('a controller-side cliff silences every heartbeat but leaves Nova and the BMC alone', () => {
    expect(effectsOf(HEALTHY, true)).toMatchObject({
      bmcPower: 'On',
      heartbeatsDelivered: false,
      novaComputeReporting: true,
      monitorRunning: true,
    });
  });

  it.each([
    ['power cycle', [{ kind: 'power-off' }, { kind: 'power-on' }] as HostFault[], 2],
    ['power-on of a running host', [{ kind: 'power-on' }] as HostFault[], 1],
    ['recover from hang reboots', [{ kind: 'kernel-hang' }, { kind: 'recover' }] as HostFault[], 2],
    ['recover from partition does not', [{ kind: 'partition' }, { kind: 'recover' }] as HostFault[], 1],
  ])('%s: boot count %d', (_name, faults, boots) => {
    expect(run(...faults).boots).toBe(boots);
  });
});
