import { ErrorCode, VigilError } from '@vigil/contracts';
import { FakeFencingDriver } from '@vigil/fencing';
import { waitFor } from '@vigil/testing';
import {
  startHarness,
  testRecoveryConfig,
  type EngineHandle,
  type RecoveryHarness,
} from './recovery-support/harness';

// Fencing gates, Masakari intake rules, Nova faults during evacuation, and return to service.
describe('recovery: fencing, intake, Nova faults and reinstate', () => {
  let h: RecoveryHarness;
  let engine: EngineHandle;
  const operator = { who: 'alice', why: 'checked the PDU: outlet off' };

  beforeAll(async () => {
    h = await startHarness();
    engine = await h.startEngine(testRecoveryConfig({ errorRetryDelayMs: 60_000, probationMs: 500 }));
  });

  afterAll(async () => {
    await h.stop();
  });

  const statusOf = async (id: string): Promise<string | undefined> =>
    (await h.inventory.getNotification(id))?.status;
  const waitStatus = (id: string, ...wanted: string[]): Promise<string> =>
    waitFor(
      async () => {
        const s = await statusOf(id);
        return s && wanted.includes(s) ? s : undefined;
      },
      { timeoutMs: 30_000, what: `notification ${id} in ${wanted.join('/')}` },
    );
  const serviceUpdates = (host: string): string[] => {
    const uuid = h.os.nova.model.host(host)?.serviceUuid ?? '?';
    return h.os.nova.requests
      .filter((r) => r.route === 'PUT /os-services/{id}' && r.path.includes(uuid))
      .map((r) => JSON.stringify(r.body));
  };

  it('a BMC that cannot power off: nothing forced down or evacuated, error with the reason; operator confirm-fenced resumes (audited)', async () => {
    await h.segment('auto', [{ name: 'ff-01' }, { name: 'ff-02' }]);
    const bmc = new FakeFencingDriver('on');
    bmc.behave({ failWith: { code: ErrorCode.BMC_UNREACHABLE } });
    h.fencers.set('ff-01', bmc);
    const vm = h.os.nova.model.addServer({ host: 'ff-01', name: 'ff-vm' });
    h.os.nova.model.setAlive('ff-01', false);
    const id = await h.notify('ff-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(id);

    expect(await waitStatus(id, 'error')).toBe('error');
    expect(bmc.calls.filter((c) => c.operation === 'powerOff')).toHaveLength(3);
    expect(serviceUpdates('ff-01')).toEqual([]);
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(0);
    const detail = await engine.runtime.engine.detail(id);
    expect(detail.incident.reason).toContain('fencing failed');
    expect(detail.workflowDetails[0]).toMatchObject({ name: 'FenceHostTask', state: 'FAILURE' });

    await engine.runtime.engine.confirmFenced(id, operator);
    expect(await waitStatus(id, 'finished')).toBe('finished');
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
    const audit = await engine.runtime.engine.auditLog();
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'confirm-fenced',
          incidentId: id,
          who: 'alice',
          why: operator.why,
        }),
      ]),
    );
    expect((await engine.runtime.engine.detail(id)).incident.fence).toMatchObject({ mode: 'operator' });
  });

  it.each([
    ['UNKNOWN', { event: 'STOPPED', host_status: 'UNKNOWN' }],
    ['missing host_status', { event: 'STOPPED' }],
  ])('external notification with %s is ignored and touches nothing', async (_case, payload) => {
    const host = `ig-${Math.random().toString(36).slice(2, 8)}`;
    await h.segment('auto', [{ name: host }]);
    const bmc = new FakeFencingDriver('on');
    h.fencers.set(host, bmc);
    const vm = h.os.nova.model.addServer({ host, name: 'ig-vm' });
    const id = await h.notify(host, payload);
    await engine.runtime.engine.submit(id);
    expect(await waitStatus(id, 'ignored')).toBe('ignored');
    expect(bmc.calls).toEqual([]);
    expect(serviceUpdates(host)).toEqual([]);
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(0);
  });

  it.each([
    ['BMC says on: powered off first', 'on', ['off']],
    ['BMC confirms off: no command', 'off', []],
  ] as const)(
    'external host_status NORMAL is re-checked through the BMC (%s)',
    async (_case, power, commands) => {
      const host = `nm-${power}`;
      await h.segment('auto', [{ name: host }, { name: `${host}-b` }]);
      const bmc = new FakeFencingDriver(power);
      h.fencers.set(host, bmc);
      h.os.nova.model.addServer({ host, name: 'nm-vm' });
      h.os.nova.model.setAlive(host, false);
      const id = await h.notify(host, { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' });
      await engine.runtime.engine.submit(id);
      expect(await waitStatus(id, 'finished')).toBe('finished');
      expect(bmc.commandsSent).toEqual(commands);
      expect(bmc.powerState).toBe('off');
    },
  );

  it('a second notification for a host already under recovery is ignored (one workflow per host)', async () => {
    await h.segment('auto', [{ name: 'dup-01' }, { name: 'dup-02' }]);
    h.fencers.set('dup-01', new FakeFencingDriver('on'));
    const vm = h.os.nova.model.addServer({ host: 'dup-01', name: 'dup-vm' });
    h.os.nova.model.setAlive('dup-01', false);
    const first = await h.notify('dup-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    const second = await h.notify('dup-01', { event: 'STOPPED', host_status: 'NORMAL' });
    await engine.runtime.engine.submit(first);
    await engine.runtime.engine.submit(second);
    const statuses = [
      await waitStatus(first, 'finished', 'ignored'),
      await waitStatus(second, 'finished', 'ignored'),
    ];
    expect(statuses.sort()).toEqual(['finished', 'ignored']);
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
  });

  // Chaos seed 3172460278: an incident stopped in error at fencing (hung BMC, never isolated), the
  // host came back heartbeating, then failed again. Detection's new failure (a new generation) must
  // be recovered by a new incident, not absorbed by the stale one waiting for its periodic retry.
  it("detection's next failure of a host supersedes its incident left in error (the host came back in between)", async () => {
    await h.segment('auto', [{ name: 'sp-01' }, { name: 'sp-02' }]);
    const bmc = new FakeFencingDriver('on');
    bmc.behave({ failWith: { code: ErrorCode.BMC_UNREACHABLE } });
    h.fencers.set('sp-01', bmc);
    const vm = h.os.nova.model.addServer({ host: 'sp-01', name: 'sp-vm' });
    h.os.nova.model.setAlive('sp-01', false);
    const stale = await h.notify('sp-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(stale);
    expect(await waitStatus(stale, 'error')).toBe('error');

    bmc.behave({});
    const again = await h.notify('sp-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(again);
    expect(await waitStatus(again, 'finished', 'ignored', 'error', 'failed')).toBe('finished');
    expect(await statusOf(stale)).toBe('failed');
    const old = await engine.runtime.engine.detail(stale);
    expect(old.incident.reason).toContain(`superseded by incident ${again}`);
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
  });

  it('Nova 503, a hung evacuate and a lost reply are recovered without a second evacuate', async () => {
    await h.segment('auto', [{ name: 'nf-01' }, { name: 'nf-02' }]);
    h.fencers.set('nf-01', new FakeFencingDriver('on'));
    const [failing, hanging, lost] = ['503', 'hang', 'lost'].map((n) =>
      h.os.nova.model.addServer({ host: 'nf-01', name: n }),
    );
    const seen = new Set<string>();
    engine.compute.aroundEvacuate = async (id, call) => {
      const first = !seen.has(id);
      seen.add(id);
      if (first && id === failing!.id) h.os.nova.http.failNext(1, 503, new RegExp(id));
      if (first && id === hanging!.id) h.os.nova.http.hangNext(1, new RegExp(id));
      await call();
      if (first && id === lost!.id) throw new VigilError(ErrorCode.TIMEOUT, 'reply lost after Nova accepted');
    };
    h.os.nova.model.setAlive('nf-01', false);
    const id = await h.notify('nf-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(id);
    expect(await waitStatus(id, 'finished', 'error', 'failed')).toBe('finished');
    engine.compute.aroundEvacuate = undefined;
    for (const vm of [failing!, hanging!, lost!]) {
      // Only accepted requests reach the model: exactly one per instance.
      expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
      expect(h.os.nova.model.server(vm.id)?.host).not.toBe('nf-01');
    }
    expect(h.os.nova.http.receivedCount(new RegExp(`POST .*${failing!.id}/action`))).toBeGreaterThanOrEqual(
      3,
    );
    const timeline = (await engine.runtime.engine.detail(id)).timeline.map((t) => t.message).join('\n');
    expect(timeline).toContain('rejected');
  });

  it('reinstate is refused while a move is in flight, while powered off and while unhealthy; waits out probation (abandoned if the host fails during it); then unsets force-down, waits for up, enables', async () => {
    await h.segment('auto', [{ name: 'rs-01' }, { name: 'rs-02' }]);
    const bmc = new FakeFencingDriver('on');
    h.fencers.set('rs-01', bmc);
    const vm = h.os.nova.model.addServer({ host: 'rs-01', name: 'rs-vm' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    engine.compute.aroundEvacuate = async (_id, call) => {
      await gate;
      await call();
    };
    h.os.nova.model.setAlive('rs-01', false);
    const id = await h.notify('rs-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(id);
    await waitFor(async () => (await engine.runtime.engine.detail(id)).moves[0]?.status === 'moving', {
      what: 'move in flight',
    });
    h.health.since.set('rs-01', Date.now() - 10_000);
    await expect(engine.runtime.engine.reinstate('rs-01', operator)).rejects.toThrow(/still in flight/);
    release();
    expect(await waitStatus(id, 'finished')).toBe('finished');
    engine.compute.aroundEvacuate = undefined;

    await expect(engine.runtime.engine.reinstate('rs-01', operator)).rejects.toThrow(
      /not confirmed powered on/,
    );
    bmc.setPower('on');
    h.health.since.delete('rs-01');
    await expect(engine.runtime.engine.reinstate('rs-01', operator)).rejects.toThrow(
      /not healthy yet: not healthy \(test\)/,
    );
    // Healthy, but not for the probation period: accepted; the job waits, and gives up when the host
    // turns unhealthy meanwhile, leaving it forced down.
    h.health.since.set('rs-01', Date.now());
    const accepted = await engine.runtime.engine.reinstate('rs-01', operator);
    expect(accepted.probationRemainingMs).toBeGreaterThan(0);
    h.health.since.delete('rs-01');
    await waitFor(
      async () =>
        (await engine.runtime.engine.detail(id)).timeline.some((t) =>
          t.message.includes('reinstate abandoned'),
        ),
      { what: 'reinstate abandoned during probation' },
    );
    expect(h.os.nova.model.host('rs-01')?.forcedDown).toBe(true);
    h.health.since.set('rs-01', Date.now() - 10_000);
    expect((await engine.runtime.engine.reinstate('rs-01', operator)).probationRemainingMs).toBe(0);
    // nova-compute restarts: its `done` evacuations become `completed`, then force-down can be unset.
    h.os.nova.model.setAlive('rs-01', true);
    await waitFor(() => h.os.nova.model.host('rs-01')?.status === 'enabled', {
      what: 'rs-01 enabled',
      timeoutMs: 15_000,
    });
    const updates = serviceUpdates('rs-01');
    const unset = updates.findIndex((b) => b.includes('"forced_down":false'));
    const enable = updates.findIndex((b) => b.includes('"enabled"'));
    expect(unset).toBeGreaterThan(-1);
    expect(enable).toBeGreaterThan(unset);
    expect(h.os.nova.model.host('rs-01')?.forcedDown).toBe(false);
    await waitFor(async () => (await h.inventory.findHost('rs-01'))?.onMaintenance === false, {
      what: 'maintenance cleared',
    });
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
  });
});
