import { waitFor } from '@vigil/testing';
import { startHarness, type EngineHandle, type RecoveryHarness } from './recovery-support/harness';

// Instance (VM) and process (PROCESS) failures, through the Nova fake over HTTP.
describe('recovery: instance and process failures', () => {
  let h: RecoveryHarness;
  let engine: EngineHandle;

  beforeAll(async () => {
    h = await startHarness();
    engine = await h.startEngine();
    await h.segment('auto', [{ name: 'vf-01' }, { name: 'pf-01' }]);
  });

  afterAll(async () => {
    await h.stop();
  });

  const settle = (id: string): Promise<string> =>
    waitFor(
      async () => {
        const s = (await h.inventory.getNotification(id))?.status;
        return s === 'finished' || s === 'ignored' || s === 'failed' ? s : undefined;
      },
      { timeoutMs: 20_000, what: `notification ${id} settled` },
    );
  const actions = (serverId: string): string[] =>
    h.os.nova.requests
      .filter((r) => r.route.startsWith('POST /servers/{id}/action') && r.path.includes(serverId))
      .map((r) => r.route.split(':')[1] ?? '');
  const vmNotification = (instance: string, domainEvent = 'STOPPED_FAILED'): Promise<string> =>
    h.notify(
      'vf-01',
      { instance_uuid: instance, vir_domain_event: domainEvent, event: 'LIFECYCLE' },
      { type: 'VM' },
    );

  it('an HA-enabled instance that crashed is stopped, started and confirmed ACTIVE, locked meanwhile', async () => {
    const vm = h.os.nova.model.addServer({ host: 'vf-01', name: 'ha', metadata: { HA_Enabled: 'True' } });
    const id = await vmNotification(vm.id);
    await engine.runtime.engine.submit(id);
    expect(await settle(id)).toBe('finished');
    expect(actions(vm.id)).toEqual(['lock', 'os-stop', 'os-start', 'unlock']);
    expect(h.os.nova.model.server(vm.id)).toMatchObject({ vmState: 'active', locked: false });
  });

  it.each([
    ['not HA-enabled', {}, 'STOPPED_FAILED'],
    ['stopped on purpose', { HA_Enabled: 'True' }, 'STOPPED_SHUTDOWN'],
  ])('%s: ignored, nothing sent to Nova', async (_case, metadata, domainEvent) => {
    const vm = h.os.nova.model.addServer({ host: 'vf-01', name: 'plain', vmState: 'stopped', metadata });
    const id = await vmNotification(vm.id, domainEvent);
    await engine.runtime.engine.submit(id);
    expect(await settle(id)).toBe('ignored');
    expect(actions(vm.id)).toEqual([]);
    expect(h.os.nova.model.server(vm.id)?.vmState).toBe('stopped');
  });

  it('an unknown instance is failed (Masakari)', async () => {
    const id = await vmNotification('8d3f5a7e-0000-4000-8000-000000000000');
    await engine.runtime.engine.submit(id);
    expect(await settle(id)).toBe('failed');
  });

  it('process failure disables nova-compute with a reason (no fencing); re-enabled once healthy', async () => {
    const id = await h.notify(
      'pf-01',
      { process_name: 'nova-compute', event: 'STOPPED' },
      { type: 'PROCESS' },
    );
    await engine.runtime.engine.submit(id);
    expect(await settle(id)).toBe('finished');
    const host = h.os.nova.model.host('pf-01');
    expect(host).toMatchObject({ status: 'disabled', forcedDown: false });
    expect(host?.disabledReason).toContain(id);
    expect((await h.inventory.findHost('pf-01'))?.onMaintenance).toBe(true);
    h.health.since.set('pf-01', Date.now());
    await waitFor(() => h.os.nova.model.host('pf-01')?.status === 'enabled', {
      what: 'pf-01 re-enabled',
      timeoutMs: 15_000,
    });
    await waitFor(async () => (await h.inventory.findHost('pf-01'))?.onMaintenance === false, {
      what: 'pf-01 maintenance cleared',
    });
  });
});
