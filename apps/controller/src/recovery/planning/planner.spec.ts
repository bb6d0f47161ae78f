import { recoveryPolicySchema } from '@vigil/config';
import { type ServerView } from '../ports';
import { needsResetBeforeEvacuate, planEvacuation, type PlanInput } from './planner';

const policy = recoveryPolicySchema.parse({ exclude: { metadata: { 'octavia:amphora': 'true' } } });

function vm(id: string, extra: Partial<ServerView> = {}): ServerView {
  return {
    id,
    name: id,
    tenantId: 'p1',
    host: 'cmp-01',
    vmState: 'active',
    taskState: null,
    status: 'ACTIVE',
    metadata: {},
    flavor: { vcpus: 2, ram: 2048, original_name: 'm1.small' },
    ...extra,
  };
}

function input(over: Partial<PlanInput>): PlanInput {
  return {
    failedHost: 'cmp-01',
    instances: [],
    policy,
    method: 'auto',
    reservedHosts: [],
    schedulerRoom: { vcpus: 100, memoryMb: 100_000 },
    ...over,
  };
}

describe('planEvacuation', () => {
  it.each([
    ['metadata rule', vm('a', { metadata: { 'octavia:amphora': 'true' } }), 'metadata octavia:amphora=true'],
    ['another host', vm('b', { host: 'cmp-02' }), 'not on cmp-01'],
    ['shelved offloaded', vm('c', { vmState: 'shelved_offloaded', host: 'cmp-01' }), 'shelved_offloaded'],
  ])('skips an instance excluded by %s', (_case, server, reason) => {
    const plan = planEvacuation(input({ instances: [server] }));
    expect(plan.moves).toEqual([]);
    expect(plan.skipped[0]?.reason).toContain(reason);
  });

  it.each([
    ['project', { projects: ['svc'] }, vm('a', { tenantId: 'svc' })],
    ['flavor', { flavors: ['amphora'] }, vm('a', { flavor: { vcpus: 1, ram: 1, original_name: 'amphora' } })],
  ])('skips an instance excluded by %s rule', (_case, exclude, server) => {
    const p = recoveryPolicySchema.parse({ exclude });
    expect(planEvacuation(input({ policy: p, instances: [server] })).skipped).toHaveLength(1);
  });

  it.each([
    [true, ['ha', 'plain']],
    [false, ['ha']],
  ])('evacuateAllInstances=%s moves %j, HA-enabled first', (all, expected) => {
    const p = recoveryPolicySchema.parse({ evacuateAllInstances: all });
    const plan = planEvacuation(
      input({ policy: p, instances: [vm('plain'), vm('ha', { metadata: { HA_Enabled: 'True' } })] }),
    );
    expect(plan.moves.map((m) => m.instanceId)).toEqual(expected);
  });

  it('orders by vigil:priority, then HA-enabled, then name', () => {
    const plan = planEvacuation(
      input({
        instances: [
          vm('z-low'),
          vm('b-ha', { metadata: { HA_Enabled: 'true' } }),
          vm('a-top', { metadata: { 'vigil:priority': '10' } }),
          vm('a-plain'),
        ],
      }),
    );
    expect(plan.moves.map((m) => m.instanceId)).toEqual(['a-top', 'b-ha', 'a-plain', 'z-low']);
  });

  it('picks reserved hosts by free capacity, not by list order', () => {
    const plan = planEvacuation(
      input({
        method: 'reserved_host',
        instances: [vm('a'), vm('b')],
        reservedHosts: [
          { host: 'spare-small', vcpus: 4, memoryMb: 3000 },
          { host: 'spare-big', vcpus: 8, memoryMb: 16000 },
        ],
      }),
    );
    expect(plan.moves.map((m) => m.target)).toEqual([
      { kind: 'host', host: 'spare-big' },
      { kind: 'host', host: 'spare-big' },
    ]);
    expect(plan.reservedHostsUsed).toEqual(['spare-big']);
    expect(plan.fits).toBe(true);
  });

  it('reserved_host blocks what no reserved host can take, keeping the highest priorities', () => {
    const plan = planEvacuation(
      input({
        method: 'reserved_host',
        instances: [vm('low'), vm('high', { metadata: { 'vigil:priority': '5' } })],
        reservedHosts: [{ host: 'spare', vcpus: 2, memoryMb: 2048 }],
      }),
    );
    expect(plan.moves.map((m) => m.instanceId)).toEqual(['high']);
    expect(plan.blocked.map((b) => b.instanceId)).toEqual(['low']);
    expect(plan.fits).toBe(false);
    expect(plan.warnings.join()).toContain('no reserved host');
  });

  it('auto over capacity still plans every move, over-capacity ones last, and says so', () => {
    const plan = planEvacuation(
      input({
        instances: [vm('a'), vm('b', { metadata: { 'vigil:priority': '1' } }), vm('c')],
        schedulerRoom: { vcpus: 4, memoryMb: 100_000 },
      }),
    );
    expect(plan.moves.map((m) => [m.instanceId, m.overCapacity])).toEqual([
      ['b', false],
      ['a', false],
      ['c', true],
    ]);
    expect(plan.fits).toBe(false);
    expect(plan.warnings[0]).toContain('does not fit 1 of 3');
  });

  it.each([
    ['rh_priority', { kind: 'host', host: 'spare' }, { kind: 'scheduler' }],
    ['auto_priority', { kind: 'scheduler' }, { kind: 'host', host: 'spare' }],
  ] as const)('%s targets %j and falls back to %j', (method, target, fallback) => {
    const plan = planEvacuation(
      input({ method, instances: [vm('a')], reservedHosts: [{ host: 'spare', vcpus: 8, memoryMb: 8192 }] }),
    );
    expect(plan.moves[0]?.target).toEqual(target);
    expect(plan.moves[0]?.fallback).toEqual(fallback);
  });

  it('rh_priority falls back to the scheduler when reserved room runs out', () => {
    const plan = planEvacuation(
      input({
        method: 'rh_priority',
        instances: [vm('a'), vm('b')],
        reservedHosts: [{ host: 'spare', vcpus: 2, memoryMb: 2048 }],
      }),
    );
    expect(plan.moves.map((m) => m.target.kind)).toEqual(['host', 'scheduler']);
  });

  it('auto_priority targets a reserved host directly when the scheduler has no room', () => {
    const plan = planEvacuation(
      input({
        method: 'auto_priority',
        instances: [vm('a')],
        schedulerRoom: { vcpus: 0, memoryMb: 0 },
        reservedHosts: [{ host: 'spare', vcpus: 8, memoryMb: 8192 }],
      }),
    );
    expect(plan.moves[0]?.target).toEqual({ kind: 'host', host: 'spare' });
    expect(plan.fits).toBe(true);
  });
});

describe('needsResetBeforeEvacuate', () => {
  it.each([
    ['active', null, false],
    ['stopped', null, false],
    ['error', null, false],
    ['active', 'powering-off', true],
    ['paused', null, true],
    ['resized', null, true],
  ])('%s / %s → %s', (vmState, taskState, expected) => {
    expect(needsResetBeforeEvacuate(vmState, taskState)).toBe(expected);
  });
});
