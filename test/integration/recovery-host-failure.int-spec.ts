import {
  finalStatus as settled,
  startHarness,
  type EngineHandle,
  type RecoveryHarness,
} from './recovery-support/harness';
import { FakeFencingDriver } from '@vigil/fencing';

// A host with 30 instances fails: fenced, isolated in order, every planned instance evacuated exactly once.
describe('recovery: host failure end to end (Nova fake over HTTP, real Redis and BullMQ)', () => {
  let h: RecoveryHarness;
  let engine: EngineHandle;

  beforeAll(async () => {
    h = await startHarness();
    engine = await h.startEngine();
  });

  afterAll(async () => {
    await h.stop();
  });

  const finalStatus = (id: string): Promise<string> => settled(h, id);

  it('fences, forces down then disables, evacuates 29 of 30 instances once each, and finishes', async () => {
    await h.segment('auto', [{ name: 'cmp-01' }, { name: 'cmp-02' }, { name: 'cmp-03' }]);
    const bmc = new FakeFencingDriver('on');
    h.fencers.set('cmp-01', bmc);
    const model = h.os.nova.model;
    const servers = Array.from({ length: 30 }, (_, i) =>
      model.addServer({
        host: 'cmp-01',
        name: `vm-${String(i).padStart(2, '0')}`,
        vmState: i % 3 === 0 ? 'stopped' : 'active',
        metadata: {
          ...(i % 2 === 0 ? { HA_Enabled: 'True' } : {}),
          ...(i === 7 ? { 'octavia:amphora': 'true' } : {}),
          ...(i === 29 ? { 'vigil:priority': '100' } : {}),
        },
      }),
    );
    const amphora = servers[7]!;
    model.setAlive('cmp-01', false);
    const requestsBefore = h.os.nova.requests.length;

    // Moves hold their incident slot until confirmed: Nova never sees more than 5 in flight from us.
    let maxInFlight = 0;
    engine.compute.aroundEvacuate = async (_id, call) => {
      maxInFlight = Math.max(maxInFlight, model.evacuations.inFlight() + 1);
      await call();
    };
    const id = await h.notify('cmp-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(id);
    expect(await finalStatus(id)).toBe('finished');
    engine.compute.aroundEvacuate = undefined;
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(maxInFlight).toBeGreaterThan(1);

    // Fenced through the BMC and read back off.
    expect(bmc.powerState).toBe('off');
    expect(bmc.commandsSent).toEqual(['off']);
    // Force-down strictly before disable, both before the first evacuate.
    const calls = h.os.nova.requests.slice(requestsBefore);
    const forceDown = calls.findIndex(
      (r) => r.route === 'PUT /os-services/{id}' && JSON.stringify(r.body).includes('"forced_down":true'),
    );
    const disable = calls.findIndex(
      (r) => r.route === 'PUT /os-services/{id}' && JSON.stringify(r.body).includes('"disabled"'),
    );
    const firstEvacuate = calls.findIndex((r) => r.route === 'POST /servers/{id}/action:evacuate');
    expect(forceDown).toBeGreaterThanOrEqual(0);
    expect(disable).toBeGreaterThan(forceDown);
    expect(firstEvacuate).toBeGreaterThan(disable);
    expect(model.host('cmp-01')).toMatchObject({ forcedDown: true, status: 'disabled' });
    expect(model.host('cmp-01')?.disabledReason).toContain(id);
    // The highest priority is in the first wave pacing admits (startConcurrency, 4 by default): moves
    // admitted together reach Nova in whatever order their Redis round trips finish.
    const firstWave = calls
      .filter((r) => r.route === 'POST /servers/{id}/action:evacuate')
      .slice(0, 4)
      .map((r) => r.path.split('/')[3]);
    expect(firstWave).toContain(servers[29]!.id);

    expect(h.os.nova.evacuateCalls(amphora.id)).toBe(0);
    expect(model.server(amphora.id)?.host).toBe('cmp-01');
    for (const s of servers.filter((x) => x.id !== amphora.id)) {
      const now = model.server(s.id)!;
      expect(h.os.nova.evacuateCalls(s.id)).toBe(1);
      expect(now.host).not.toBe('cmp-01');
      expect(now.taskState).toBeNull();
      expect(now.vmState).toBe(s.vmState === 'stopped' ? 'stopped' : 'active');
      expect(now.locked).toBe(false);
    }

    const vmoves = await h.inventory.vmoves(id);
    expect(vmoves).toHaveLength(30);
    const moved = vmoves.filter((v) => v.status === 'succeeded');
    expect(moved).toHaveLength(29);
    for (const v of moved) {
      expect(v.source_host).toBe('cmp-01');
      expect(v.dest_host).toBe(model.server(v.instance_uuid)?.host);
      expect(Date.parse(v.end_time ?? '')).toBeGreaterThanOrEqual(Date.parse(v.start_time ?? ''));
    }
    expect(vmoves.find((v) => v.instance_uuid === amphora.id)).toMatchObject({
      status: 'ignored',
      dest_host: null,
    });
    expect(await h.inventory.statusHistory(id)).toEqual(['running', 'finished']);
    const details = await h.inventory.details(id);
    expect(details.map((d) => [d.name, d.state])).toEqual([
      ['FenceHostTask', 'SUCCESS'],
      ['IsolateHostTask', 'SUCCESS'],
      ['PlanEvacuationTask', 'SUCCESS'],
      ['EvacuateInstancesTask', 'SUCCESS'],
    ]);
    expect((await h.inventory.findHost('cmp-01'))?.onMaintenance).toBe(true);
    // The service password never reaches the logs, and the run was logged.
    expect(h.logs.linesContaining(h.os.servicePassword)).toEqual([]);
    expect(h.logs.linesContaining(id).length).toBeGreaterThan(0);
  });
});
