import { FakeFencingDriver } from '@vigil/fencing';
import { waitFor } from '@vigil/testing';
import {
  startHarness,
  testRecoveryConfig,
  type EngineHandle,
  type RecoveryHarness,
} from './recovery-support/harness';

// The zombie guard inside the reinstate job: an evacuation from the host that Nova starts after the
// reinstate was accepted (during probation) stops the job before force-down is unset.
describe('zombie guard: an evacuation that starts during probation', () => {
  let h: RecoveryHarness;
  let engine: EngineHandle;
  const operator = { who: 'alice', why: 'PSU replaced' };

  beforeAll(async () => {
    h = await startHarness();
    engine = await h.startEngine(testRecoveryConfig({ probationMs: 1_500 }));
  });

  afterAll(async () => {
    await h.stop();
  });

  it('abandons the reinstate (noted on the incident) and leaves the host forced down and disabled', async () => {
    await h.segment('auto', [{ name: 'zg-01' }, { name: 'zg-02' }]);
    const bmc = new FakeFencingDriver('on');
    h.fencers.set('zg-01', bmc);
    h.os.nova.model.addServer({ host: 'zg-01', name: 'zg-vm' });
    h.os.nova.model.setAlive('zg-01', false);
    const id = await h.notify('zg-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(id);
    await waitFor(async () => (await h.inventory.getNotification(id))?.status === 'finished', {
      timeoutMs: 30_000,
      what: 'incident finished',
    });
    // Repaired and powered on: nova-compute restarted (done → completed), healthy, but on probation.
    bmc.setPower('on');
    h.os.nova.model.setAlive('zg-01', true);
    const late = h.os.nova.model.addServer({ host: 'zg-01', name: 'zg-late' });
    h.health.since.set('zg-01', Date.now());
    const accepted = await engine.runtime.engine.reinstate('zg-01', operator);
    expect(accepted.probationRemainingMs).toBeGreaterThan(0);

    // Meanwhile someone evacuates an instance still recorded on zg-01, and it stalls on the destination.
    h.os.nova.model.updateService('zg-01', { forcedDown: true });
    h.os.nova.model.evacuations.hold(late.id);
    const migration = h.os.nova.model.evacuate(late.id);
    await waitFor(
      async () =>
        (await engine.runtime.engine.detail(id)).timeline.some((t) =>
          t.message.includes(
            `reinstate abandoned: 1 evacuation from zg-01 still running in Nova: migration ${migration.id}`,
          ),
        ),
      { timeoutMs: 30_000, what: 'the reinstate abandoned, naming the migration' },
    );
    expect(h.os.nova.model.host('zg-01')).toMatchObject({ forcedDown: true, status: 'disabled' });

    // Once it ends (and nova-compute cleaned up), a new reinstate returns the host.
    h.os.nova.model.evacuations.release(late.id);
    await waitFor(() => h.os.nova.model.server(late.id)?.host !== 'zg-01', { what: 'the evacuation done' });
    h.os.nova.model.setAlive('zg-01', false);
    h.os.nova.model.setAlive('zg-01', true);
    h.health.since.set('zg-01', Date.now() - 10_000);
    await engine.runtime.engine.reinstate('zg-01', operator);
    await waitFor(() => h.os.nova.model.host('zg-01')?.status === 'enabled', {
      timeoutMs: 15_000,
      what: 'zg-01 enabled',
    });
    expect(h.os.nova.model.host('zg-01')?.forcedDown).toBe(false);
  });
});
