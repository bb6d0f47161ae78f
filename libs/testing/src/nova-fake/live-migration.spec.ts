import { type Clock, NovaFault } from './model/types';
import { NovaModel } from './model/nova-model';
import { NovaFake } from './nova-fake';

class ManualClock implements Clock {
  ms = Date.UTC(2024, 4, 1, 10, 0, 0);
  now(): number {
    return this.ms;
  }
}

function cloud(): { model: NovaModel; clock: ManualClock } {
  const clock = new ManualClock();
  const model = new NovaModel({ clock, liveMigrationDurationMs: 4_000 });
  for (const host of ['a', 'b', 'c']) model.addHost({ host, memoryMb: 16_384 });
  return { model, clock };
}

const statusAfter = (model: NovaModel, clock: ManualClock, ms: number, id: string): string | undefined => {
  clock.ms += ms;
  return model.migrations({ instanceUuid: id })[0]?.status;
};

describe('Nova fake: live migration (os-migrateLive)', () => {
  it('walks accepted → queued/preparing → running → completed, the instance ACTIVE throughout', () => {
    const { model, clock } = cloud();
    const vm = model.addServer({ host: 'a' });
    const m = model.liveMigrate(vm.id, undefined);
    expect([m.migrationType, m.status, model.server(vm.id)?.taskState]).toEqual([
      'live-migration',
      'accepted',
      'migrating',
    ]);
    expect(statusAfter(model, clock, 1_000, vm.id)).toBe('preparing');
    expect(statusAfter(model, clock, 1_000, vm.id)).toBe('running');
    expect(model.server(vm.id)).toMatchObject({ host: 'a', vmState: 'active', taskState: 'migrating' });
    expect(statusAfter(model, clock, 2_000, vm.id)).toBe('completed');
    expect(model.server(vm.id)).toMatchObject({ vmState: 'active', taskState: null });
    expect(model.server(vm.id)?.host).not.toBe('a');
  });

  it('NoValidHost: migration error, the instance stays ACTIVE where it was', () => {
    const { model, clock } = cloud();
    for (const h of ['b', 'c']) model.updateService(h, { status: 'disabled', disabledReason: 'x' });
    const vm = model.addServer({ host: 'a' });
    model.liveMigrate(vm.id, undefined);
    expect(statusAfter(model, clock, 5_000, vm.id)).toBe('error');
    expect(model.server(vm.id)).toMatchObject({ host: 'a', vmState: 'active', taskState: null });
  });

  it('a failure while running rolls back to the source (failed)', () => {
    const { model, clock } = cloud();
    const vm = model.addServer({ host: 'a' });
    model.liveMigrations.failNext(vm.id);
    model.liveMigrate(vm.id, 'b');
    expect(statusAfter(model, clock, 5_000, vm.id)).toBe('failed');
    expect(model.server(vm.id)).toMatchObject({ host: 'a', vmState: 'active', taskState: null });
  });

  it.each([
    [{ vmState: 'stopped' as const }, undefined, 409],
    [{ taskState: 'migrating' }, undefined, 409],
    [{}, 'nope', 400],
    [{}, 'a', 400],
  ])('refuses %j to %s with %s', (spec, target, status) => {
    const { model } = cloud();
    const vm = model.addServer({ host: 'a', ...spec });
    let fault: NovaFault | undefined;
    try {
      model.liveMigrate(vm.id, target);
    } catch (err) {
      if (err instanceof NovaFault) fault = err;
    }
    expect(fault?.status).toBe(status);
  });

  it('refuses when the source compute is down (400)', () => {
    const { model } = cloud();
    const vm = model.addServer({ host: 'a' });
    model.updateService('a', { forcedDown: true });
    expect(() => model.liveMigrate(vm.id, undefined)).toThrow('Compute service of a is unavailable');
  });
});

describe('Nova fake: os-migrateLive bodies by microversion', () => {
  let nova: NovaFake;
  let serverId: string;
  beforeAll(async () => {
    nova = new NovaFake({ liveMigrationDurationMs: 60_000 });
    for (const host of ['a', 'b']) nova.model.addHost({ host });
    await nova.start();
  });
  afterAll(async () => {
    await nova.stop();
  });
  beforeEach(() => {
    serverId = nova.model.addServer({ host: 'a' }).id;
  });

  const post = async (version: string, body: unknown): Promise<number> =>
    (
      await fetch(`${nova.endpoint}/servers/${serverId}/action`, {
        method: 'POST',
        headers: {
          'X-Auth-Token': 't',
          'Content-Type': 'application/json',
          'OpenStack-API-Version': `compute ${version}`,
        },
        body: JSON.stringify({ 'os-migrateLive': body }),
      })
    ).status;

  it.each([
    ['2.25', { host: null, block_migration: 'auto' }, 202],
    ['2.93', { host: null, block_migration: 'auto' }, 202],
    ['2.25', { host: 'b', block_migration: false }, 202],
    ['2.24', { host: null, block_migration: 'auto', disk_over_commit: false }, 400],
    ['2.24', { host: null, block_migration: false, disk_over_commit: false }, 202],
    ['2.24', { host: null, block_migration: false }, 400],
    ['2.25', { host: null, block_migration: 'auto', disk_over_commit: false }, 400],
    ['2.25', { block_migration: 'auto' }, 400],
    ['2.25', { host: null }, 400],
    ['2.30', { host: 'b', block_migration: 'auto', force: true }, 202],
    ['2.30', { host: null, block_migration: 'auto', force: true }, 400],
    ['2.68', { host: 'b', block_migration: 'auto', force: true }, 400],
  ])('%s %j → %s', async (version, body, status) => {
    expect(await post(version, body)).toBe(status);
  });

  it('the migration is listed with migration_type live-migration', async () => {
    expect(await post('2.93', { host: null, block_migration: 'auto' })).toBe(202);
    const res = await fetch(`${nova.endpoint}/os-migrations?instance_uuid=${serverId}`, {
      headers: { 'X-Auth-Token': 't', 'OpenStack-API-Version': 'compute 2.93' },
    });
    const body = (await res.json()) as { migrations: Array<{ migration_type: string; status: string }> };
    expect(body.migrations).toEqual([
      expect.objectContaining({ migration_type: 'live-migration', status: 'accepted' }),
    ]);
  });
});
