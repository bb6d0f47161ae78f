import { FakeFencingDriver } from '@vigil/fencing';
import { waitFor } from '@vigil/testing';
import {
  startHarness,
  testRecoveryConfig,
  type EngineHandle,
  type RecoveryHarness,
} from './recovery-support/harness';

// Every recovery method and the failure paths of a single move, through the Nova fake over HTTP.
describe('recovery: methods, targets and failed moves', () => {
  let h: RecoveryHarness;
  let engine: EngineHandle;

  beforeAll(async () => {
    h = await startHarness();
    engine = await h.startEngine(testRecoveryConfig({ errorRetryDelayMs: 50 }));
  });

  afterAll(async () => {
    await h.stop();
  });

  const settle = (id: string): Promise<string> =>
    waitFor(
      async () => {
        const n = await h.inventory.getNotification(id);
        return n && ['finished', 'failed', 'ignored'].includes(n.status) ? n.status : undefined;
      },
      { timeoutMs: 30_000, what: `notification ${id} to settle` },
    );

  const evacuateBodies = (serverId: string): unknown[] =>
    h.os.nova.requests
      .filter((r) => r.route === 'POST /servers/{id}/action:evacuate' && r.path.includes(serverId))
      .map((r) => (r.body as { evacuate: unknown }).evacuate);

  async function failHost(host: string): Promise<string> {
    h.fencers.set(host, new FakeFencingDriver('on'));
    h.os.nova.model.setAlive(host, false);
    const id = await h.notify(host, { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(id);
    return id;
  }

  it('reserved_host: picks the spare with most room, enables it and joins the aggregates first', async () => {
    await h.segment('reserved_host', [
      { name: 'rh-01' },
      { name: 'rh-02' },
      { name: 'spare-a', reserved: true, memoryMb: 16_384 },
      { name: 'spare-b', reserved: true, memoryMb: 131_072 },
    ]);
    const aggregate = h.os.nova.model.aggregates.create('rack-r', ['rh-01', 'rh-02']);
    const vms = [0, 1, 2].map((i) => h.os.nova.model.addServer({ host: 'rh-01', name: `r-${i}` }));
    const id = await failHost('rh-01');
    expect(await settle(id)).toBe('finished');
    for (const vm of vms) {
      expect(h.os.nova.model.server(vm.id)?.host).toBe('spare-b');
      expect(evacuateBodies(vm.id)).toEqual([{ host: 'spare-b' }]);
    }
    expect(h.os.nova.model.host('spare-b')?.status).toBe('enabled');
    expect(h.os.nova.model.aggregates.list().find((a) => a.id === aggregate.id)?.hosts).toContain('spare-b');
    expect(await h.inventory.findHost('spare-b')).toMatchObject({ reserved: false });
    expect(h.os.nova.model.host('spare-a')?.status).toBe('disabled');
    expect(await h.inventory.findHost('spare-a')).toMatchObject({ reserved: true });
  });

  it('rh_priority: a failed move to the reserved host falls back to the scheduler', async () => {
    await h.segment('rh_priority', [
      { name: 'rp-01' },
      { name: 'rp-02' },
      { name: 'spare-c', reserved: true },
    ]);
    const vm = h.os.nova.model.addServer({ host: 'rp-01', name: 'rp-vm' });
    h.os.nova.failEvacuations(vm.id, 1);
    const id = await failHost('rp-01');
    expect(await settle(id)).toBe('finished');
    expect(evacuateBodies(vm.id)).toEqual([{ host: 'spare-c' }, {}]);
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(2);
    expect(h.os.nova.model.server(vm.id)).toMatchObject({ vmState: 'active', taskState: null });
    expect(h.os.nova.model.server(vm.id)?.host).not.toBe('rp-01');
    const timeline = (await engine.runtime.engine.detail(id)).timeline.map((t) => t.message).join('\n');
    expect(timeline).toContain('attempt 1 failed');
  });

  it('auto_priority: a failed scheduler move falls back to a reserved host, enabled on demand', async () => {
    await h.segment('auto_priority', [{ name: 'ap-01' }, { name: 'spare-d', reserved: true }]);
    const vm = h.os.nova.model.addServer({ host: 'ap-01', name: 'ap-vm' });
    h.os.nova.failEvacuations(vm.id, 1);
    const id = await failHost('ap-01');
    expect(await settle(id)).toBe('finished');
    expect(evacuateBodies(vm.id)).toEqual([{}, { host: 'spare-d' }]);
    expect(h.os.nova.model.server(vm.id)?.host).toBe('spare-d');
    expect(h.os.nova.model.host('spare-d')?.status).toBe('enabled');
  });

  it('a move that keeps ending in ERROR is retried on other targets, then reported: error, one more round, failed', async () => {
    await h.segment('auto', [{ name: 'er-01' }, { name: 'er-02' }]);
    const bad = h.os.nova.model.addServer({ host: 'er-01', name: 'bad' });
    const good = h.os.nova.model.addServer({ host: 'er-01', name: 'good' });
    h.os.nova.failEvacuations(bad.id, 100);
    const id = await failHost('er-01');
    expect(await settle(id)).toBe('failed');
    expect(await h.inventory.statusHistory(id)).toEqual(['running', 'error', 'running', 'failed']);
    // Three attempts per round, two rounds; never two calls for one attempt.
    expect(h.os.nova.evacuateCalls(bad.id)).toBe(6);
    expect(h.os.nova.evacuateCalls(good.id)).toBe(1);
    const vmoves = await h.inventory.vmoves(id);
    expect(vmoves.find((v) => v.instance_uuid === bad.id)).toMatchObject({ status: 'failed' });
    expect(vmoves.find((v) => v.instance_uuid === bad.id)?.message).toBeTruthy();
    expect(vmoves.find((v) => v.instance_uuid === good.id)).toMatchObject({ status: 'succeeded' });
    expect(h.os.nova.model.server(bad.id)?.locked).toBe(false);
  });

  it('a paused instance is reset to error to be evacuable, then stopped once moved (Masakari)', async () => {
    await h.segment('auto', [{ name: 'pz-01' }, { name: 'pz-02' }]);
    const vm = h.os.nova.model.addServer({ host: 'pz-01', name: 'paused', vmState: 'paused' });
    const id = await failHost('pz-01');
    expect(await settle(id)).toBe('finished');
    const resets = h.os.nova.requests.filter(
      (r) => r.route === 'POST /servers/{id}/action:os-resetState' && r.path.includes(vm.id),
    );
    expect(resets).toHaveLength(1);
    await waitFor(() => h.os.nova.model.server(vm.id)?.vmState === 'stopped', {
      what: 'stopped after the move',
    });
    expect(h.os.nova.model.server(vm.id)?.host).not.toBe('pz-01');
  });
});
