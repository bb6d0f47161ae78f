import { FakeFencingDriver } from '@vigil/fencing';
import { FakeRbd, waitFor } from '@vigil/testing';
import {
  finalStatus,
  startHarness,
  testRecoveryConfig,
  type RecoveryHarness,
} from './recovery-support/harness';

const EVACUATE = 'POST /servers/{id}/action:evacuate';
const WATCHER = { address: '10.0.0.7:0/3142592', client: 4157, cookie: 94205296412288 };
const LOCK = { id: 'auto 94205296412288', locker: 'client.4157', address: '10.0.0.7:0/3142592' };

// The shared-disk zombie guard inside the engine (Nova fake over HTTP, real Redis and BullMQ), with the
// real `rbd` adapter running a fake `rbd` executable.
describe('zombie guard: RBD image still held by the failed host', () => {
  let h: RecoveryHarness;
  let rbd: FakeRbd;

  beforeAll(async () => {
    h = await startHarness();
    rbd = new FakeRbd();
  });

  afterAll(async () => {
    rbd.remove();
    await h.stop();
  });

  const config = (waitMs: number) =>
    testRecoveryConfig({
      sharedDiskGuard: {
        enabled: true,
        segments: [],
        pool: 'vms',
        imageKey: 'vigil:rbd-image',
        // Jest gives the test a copy of process.env: the adapter's child would not see a PATH change.
        rbdPath: rbd.path,
        cephUser: 'vigil-ha',
        commandTimeoutMs: 5_000,
        waitMs,
        pollIntervalMs: 50,
        onTimeout: 'skip',
      },
    });
  const evacuations = (id: string): number =>
    h.os.nova.requests.filter((r) => r.route === EVACUATE && r.path.includes(id)).length;
  const failedHost = async (name: string) => {
    await h.segment('auto', [{ name }, { name: `${name}-b` }]);
    h.fencers.set(name, new FakeFencingDriver('on'));
    const model = h.os.nova.model;
    const vm = model.addServer({ host: name, metadata: {} });
    model.setAlive(name, false);
    const id = await h.notify(name, { event: 'STOPPED' }, { origin: 'vigil-detection' });
    return { vm, id, model };
  };

  it('waits while the image has a watcher and a lock, and evacuates once they are gone', async () => {
    const engine = await h.startEngine(config(60_000));
    try {
      const { vm, id, model } = await failedHost('rbd-w');
      const image = `vms/${vm.id}_disk`;
      rbd.set(image, { watchers: [WATCHER], locks: [LOCK] });
      await engine.runtime.engine.submit(id);
      const timeline = async (): Promise<string[]> =>
        (await engine.runtime.engine.detail(id)).timeline.map((t) => t.message);
      await waitFor(
        async () => (await timeline()).some((m) => m.startsWith(`RBD image ${image} still held`)),
        {
          what: 'the incident says the image is held',
        },
      );
      const before = rbd.calls().length;
      await waitFor(() => rbd.calls().length >= before + 4, { what: 'two more checks of the image' });
      expect(evacuations(vm.id)).toBe(0);
      expect(model.server(vm.id)?.host).toBe('rbd-w');

      rbd.release(image);
      expect(await finalStatus(h, id)).toBe('finished');
      expect(evacuations(vm.id)).toBe(1);
      const notes = await timeline();
      expect(notes).toContain(
        `RBD image ${image} still held (watcher client.4157 at 10.0.0.7:0/3142592, lock auto 94205296412288 by client.4157 at 10.0.0.7:0/3142592): the failed host may still write to it; evacuate waits (at most 60 s)`,
      );
      expect(notes.some((m) => m.startsWith(`RBD image ${image} released after `))).toBe(true);
      // argv only, documented subcommands, the client id and never a key.
      expect(rbd.calls()).toContainEqual(['status', image, '--format', 'json', '--id', 'vigil-ha']);
      expect(rbd.calls()).toContainEqual(['lock', 'ls', image, '--format', 'json', '--id', 'vigil-ha']);
      expect(
        rbd
          .calls()
          .flat()
          .some((a) => /key|secret/i.test(a)),
      ).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('an image held past waitMs: the instance is not evacuated and the incident says why', async () => {
    const engine = await h.startEngine(config(400));
    try {
      const { vm, id } = await failedHost('rbd-t');
      const image = `vms/${vm.id}_disk`;
      rbd.set(image, { locks: [LOCK] });
      await engine.runtime.engine.submit(id);
      const move = await waitFor(
        async () => {
          const m = (await engine.runtime.engine.detail(id)).moves.find((x) => x.instanceId === vm.id);
          return m?.status === 'failed' ? m : undefined;
        },
        { what: 'the move given up' },
      );
      expect(move.message).toMatch(
        new RegExp(
          `^RBD image ${image} still held \\(lock .*\\) after [\\d.]+ s: not evacuated, a second writer could corrupt it`,
        ),
      );
      expect(evacuations(vm.id)).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
