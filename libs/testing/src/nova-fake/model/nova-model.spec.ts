import { pickHost } from './evacuation';
import { NovaModel } from './nova-model';
import { type Clock, NovaFault, displayStatus } from './types';

class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2024, 4, 1, 10, 0, 0)) {}
  now(): number {
    return this.ms;
  }
}

function cloud(): { model: NovaModel; clock: ManualClock } {
  const clock = new ManualClock();
  const model = new NovaModel({
    clock,
    serviceDownTimeMs: 60_000,
    rebuildDurationMs: 4_000,
    hostSwitchDelayMs: 100,
  });
  for (const host of ['a', 'b', 'c']) model.addHost({ host, memoryMb: 16_384 });
  return { model, clock };
}

const faultOf = (fn: () => unknown): { status: number; message: string } | undefined => {
  try {
    fn();
  } catch (err) {
    if (err instanceof NovaFault) return { status: err.status, message: err.message };
    throw err;
  }
  return undefined;
};

describe('NovaModel service liveness', () => {
  it.each([
    // [alive, forcedDown, ms since the heartbeat stopped, up]
    [true, false, 1_000_000, true],
    [false, false, 60_000, true],
    [false, false, 60_001, false],
    [true, true, 0, false],
  ])('alive=%s forcedDown=%s after %i ms → up=%s', (alive, forcedDown, elapsed, up) => {
    const { model, clock } = cloud();
    model.setAlive('a', alive);
    model.updateService('a', { forcedDown });
    clock.ms += elapsed;
    const host = model.host('a');
    if (!host) throw new Error('host a missing');
    expect(model.isUp(host)).toBe(up);
  });
});

describe('NovaModel evacuation state machine', () => {
  it('walks accepted → pre-migrating → vm settled → host switched + done', () => {
    const { model, clock } = cloud();
    const vm = model.addServer({ host: 'a' });
    model.updateService('a', { forcedDown: true });
    const migration = model.evacuate(vm.id);
    const steps: Array<[number, string, string | null, string | null, string]> = [
      // [ms after the call, migration status, task_state, host, vm_state]
      [0, 'accepted', 'rebuilding', 'a', 'active'],
      [1_000, 'pre-migrating', 'rebuild_spawning', 'a', 'active'],
      [4_000, 'pre-migrating', null, 'a', 'active'],
      [4_100, 'done', null, 'b', 'active'],
    ];
    const start = clock.ms;
    for (const [at, status, task, host, vmState] of steps) {
      clock.ms = start + at;
      const s = model.server(vm.id);
      expect([migration.status, s?.taskState, s?.host, s?.vmState]).toEqual([status, task, host, vmState]);
    }
    expect(displayStatus({ vmState: 'active', taskState: 'rebuilding' })).toBe('REBUILD');
  });

  it('claims capacity on the destination at scheduling and releases the source when done', () => {
    const { model, clock } = cloud();
    const vm = model.addServer({ host: 'a', flavor: { vcpus: 4, ramMb: 8_192, diskGb: 10 } });
    model.updateService('a', { forcedDown: true });
    model.evacuate(vm.id, 'c');
    clock.ms += 1_000;
    model.advance();
    expect(model.usage('c').memoryMbUsed).toBe(8_192);
    expect(model.usage('a').memoryMbUsed).toBe(8_192);
    clock.ms += 3_100;
    model.advance();
    expect([model.usage('a').memoryMbUsed, model.usage('c').memoryMbUsed]).toEqual([0, 8_192]);
  });

  it.each([
    ['the source is up', (m: NovaModel, id: string) => m.evacuate(id), 400, 'still in use'],
    [
      'the target is unknown',
      (m: NovaModel, id: string) => m.evacuate(id, 'zz'),
      404,
      'Compute host zz not found',
    ],
  ])('refuses when %s', (_why, act, status, text) => {
    const { model } = cloud();
    const vm = model.addServer({ host: 'a' });
    expect(faultOf(() => act(model, vm.id))).toEqual({ status, message: expect.stringContaining(text) });
  });

  it.each([
    ['paused', null, 409],
    ['active', 'migrating', 409],
    ['error', null, undefined],
    ['stopped', null, undefined],
  ] as const)('vm_state %s task_state %s → %s', (vmState, taskState, status) => {
    const { model } = cloud();
    const vm = model.addServer({ host: 'a', vmState, taskState });
    model.updateService('a', { forcedDown: true });
    expect(faultOf(() => model.evacuate(vm.id))?.status).toBe(status);
  });

  it('sends the server to ERROR (NoValidHost) when no host fits and on injected failures', () => {
    const { model, clock } = cloud();
    const big = model.addServer({ host: 'a', flavor: { vcpus: 1, ramMb: 20_000, diskGb: 1 } });
    const small = model.addServer({ host: 'a' });
    model.updateService('a', { forcedDown: true });
    model.evacuations.failNext(small.id);
    const m1 = model.evacuate(big.id);
    const m2 = model.evacuate(small.id);
    clock.ms += 5_000;
    model.advance();
    expect([m1.status, model.server(big.id)?.vmState, model.server(big.id)?.host]).toEqual([
      'error',
      'error',
      'a',
    ]);
    expect([m2.status, model.server(small.id)?.vmState, model.server(small.id)?.fault?.message]).toEqual([
      'failed',
      'error',
      expect.stringContaining('injected'),
    ]);
  });

  it('refuses forced_down=false until the restarted compute completed its done records', () => {
    const { model, clock } = cloud();
    const vm = model.addServer({ host: 'a' });
    model.setAlive('a', false);
    model.updateService('a', { forcedDown: true });
    model.evacuate(vm.id);
    clock.ms += 5_000;
    expect(faultOf(() => model.updateService('a', { forcedDown: false }))?.status).toBe(400);
    model.setAlive('a', true);
    expect(model.migrations({ instanceUuid: vm.id })[0]?.status).toBe('completed');
    expect(model.updateService('a', { forcedDown: false }).forcedDown).toBe(false);
  });
  it('a held evacuation stays pre-migrating until released, then ends done; source_compute filters', () => {
    const { model, clock } = cloud();
    const vm = model.addServer({ host: 'a' });
    const other = model.addServer({ host: 'b' });
    model.setAlive('a', false);
    model.updateService('a', { forcedDown: true });
    model.evacuations.hold(vm.id);
    model.evacuate(vm.id);
    expect(model.migrations({ sourceCompute: 'a' }).map((m) => m.status)).toEqual(['accepted']);
    clock.ms += 60_000;
    expect(model.migrations({ sourceCompute: 'a' }).map((m) => m.status)).toEqual(['pre-migrating']);
    expect(model.server(vm.id)).toMatchObject({ host: 'a', taskState: 'rebuild_spawning' });
    model.evacuations.release(vm.id);
    clock.ms += 5_000;
    expect(model.migrations({ sourceCompute: 'a' }).map((m) => m.status)).toEqual(['done']);
    expect(model.server(vm.id)?.host).not.toBe('a');
    // `host` matches either end; `sourceCompute` only the source.
    const dest = model.server(vm.id)?.host ?? '';
    expect(model.migrations({ sourceCompute: dest })).toEqual([]);
    expect(model.migrations({ host: dest })).toHaveLength(1);
    expect(other.host).toBe('b');
  });
});

describe('pickHost', () => {
  const free = (ramMb: number) => ({ vcpus: 8, ramMb, diskGb: 100 });
  const flavor = { vcpus: 2, ramMb: 4_096, diskGb: 40 };
  it.each([
    [
      [
        { host: 'b', enabled: true, up: true, free: free(8_000) },
        { host: 'c', enabled: true, up: true, free: free(9_000) },
      ],
      'c',
    ],
    [[{ host: 'b', enabled: false, up: true, free: free(8_000) }], undefined],
    [[{ host: 'b', enabled: true, up: false, free: free(8_000) }], undefined],
    [[{ host: 'b', enabled: true, up: true, free: free(4_000) }], undefined],
    [[{ host: 'a', enabled: true, up: true, free: free(99_000) }], undefined],
    [
      [
        { host: 'c', enabled: true, up: true, free: free(8_000) },
        { host: 'b', enabled: true, up: true, free: free(8_000) },
      ],
      'b',
    ],
  ])('%j → %s', (candidates, expected) => {
    expect(pickHost(candidates, flavor, 'a')).toBe(expected);
  });
});
