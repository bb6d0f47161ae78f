import { ErrorCode, VigilError } from '@vigil/contracts';
import { FakeFencingDriver } from '@vigil/fencing';
import { createRedisClient, type Redis } from '@vigil/redis';
import { waitFor } from '@vigil/testing';
import { LEADERSHIP_LOST } from '../../apps/controller/src/recovery/ports';
import { RecoveryRuntime, type RecoveryPorts } from '../../apps/controller/src/recovery/recovery-runtime';
import {
  KEY_PREFIX,
  type RecoveryHarness,
  startHarness,
  testRecoveryConfig,
} from './recovery-support/harness';

/** A runtime over the harness's Redis; its connections are collected in `clients` for the test to close. */
function runtimeOn(
  h: RecoveryHarness,
  ports: RecoveryPorts,
  clients: Redis[],
  config = testRecoveryConfig(),
): RecoveryRuntime {
  return new RecoveryRuntime({
    config,
    keyPrefix: KEY_PREFIX,
    logger: h.logger,
    connect: (role) => {
      const c = createRedisClient({ url: h.redis.url, password: h.redis.password }, role);
      clients.push(c);
      return c;
    },
    ports,
  });
}

// Found by the chaos soak (round seed 3955380450: power-off + Redis restart): while Redis restarted the
// leader's lease lapsed, a step failed with "not the leader", BullMQ failed the job for good and the
// incident stayed `running` forever. A step that fails only because leadership lapsed is handed back.
describe('recovery: a step that fails because leadership lapsed is resumed, not lost', () => {
  let h: RecoveryHarness;
  const clients: Redis[] = [];
  let runtime: RecoveryRuntime | undefined;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await runtime?.close();
    for (const c of clients) c.disconnect();
    await h.stop();
  });

  it('finishes the incident once this replica leads again', async () => {
    await h.segment('auto', [{ name: 'ld-01' }, { name: 'ld-02' }]);
    h.fencers.set('ld-01', new FakeFencingDriver('on'));
    const server = h.os.nova.model.addServer({ host: 'ld-01', name: 'ld-vm' });
    h.os.nova.model.setAlive('ld-01', false);
    const { ports } = h.ports();
    // The lease lapses for the first few token reads (as during a Redis restart), then comes back.
    let lapsed = 3;
    ports.tokens = {
      current: () =>
        lapsed-- > 0
          ? Promise.reject(
              new VigilError(
                ErrorCode.CONFLICT,
                'not the leader: recovery state is read-only here',
                LEADERSHIP_LOST,
              ),
            )
          : Promise.resolve(1),
    };
    runtime = runtimeOn(h, ports, clients);
    await runtime.start();
    const id = await h.notify('ld-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await runtime.engine.submit(id);
    const status = await waitFor(
      async () => {
        const n = await h.inventory.getNotification(id);
        return n && ['finished', 'error', 'failed'].includes(n.status) ? n.status : undefined;
      },
      { timeoutMs: 30_000, what: `notification ${id} to settle` },
    );
    expect(lapsed).toBeLessThan(0);
    expect(status).toBe('finished');
    expect(h.os.nova.evacuateCalls(server.id)).toBe(1);
    expect(h.os.nova.model.server(server.id)?.host).toBe('ld-02');
  });
});

/** A lease the test moves by hand, as the real one moves when Redis goes away and comes back. */
class HandLease {
  private leading = true;
  private readonly listeners: Array<(leading: boolean) => void> = [];
  readonly source = {
    current: (): Promise<number> =>
      this.leading
        ? Promise.resolve(1)
        : Promise.reject(
            new VigilError(
              ErrorCode.CONFLICT,
              'not the leader: recovery state is read-only here',
              LEADERSHIP_LOST,
            ),
          ),
    onChange: (l: (leading: boolean) => void): void => void this.listeners.push(l),
    isLeader: (): boolean => this.leading,
  };
  set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    for (const l of this.listeners) l(leading);
  }
}

// Found by the chaos soak (round seeds 367834535, 4206661411: power-off + Redis restart): leadership
// lapsed during a Redis restart while moves were in flight; the paused evacuation worker's loop ended
// once those jobs settled, and on regaining leadership run() on a worker still marked paused did
// nothing: incidents stayed new/running until a leader change. A real redis-server restart here.
describe('recovery after a Redis restart: incidents submitted around it finish', () => {
  let h: RecoveryHarness;
  const clients: Redis[] = [];
  let runtime: RecoveryRuntime | undefined;

  beforeEach(async () => {
    // Rebuilds long enough that moves are still being confirmed when Redis goes away.
    h = await startHarness({ rebuildDurationMs: 2_500 });
  });

  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    for (const c of clients.splice(0)) c.disconnect();
    await h.stop();
  });

  /** `reconcileIntervalMs`: long by default, so a case does not lean on the periodic pass unless it says so. */
  async function start(lease: HandLease, reconcileIntervalMs = 600_000): Promise<RecoveryRuntime> {
    const { ports } = h.ports();
    ports.tokens = lease.source;
    runtime = runtimeOn(h, ports, clients, testRecoveryConfig({ reconcileIntervalMs }));
    await runtime.start();
    return runtime;
  }

  async function settled(id: string): Promise<string> {
    return waitFor(
      async () => {
        const n = await h.inventory.getNotification(id).catch(() => undefined);
        return n && ['finished', 'error', 'failed'].includes(n.status) ? n.status : undefined;
      },
      { timeoutMs: 40_000, what: `notification ${id} to settle` },
    );
  }

  it('moves in flight when the lease lapsed during the restart are finished once it comes back', async () => {
    const lease = new HandLease();
    await h.segment('auto', [{ name: 'rr-01' }, { name: 'rr-02' }, { name: 'rr-03' }]);
    for (const host of ['rr-01', 'rr-02']) h.fencers.set(host, new FakeFencingDriver('on'));
    const servers = [1, 2, 3].map((i) => h.os.nova.model.addServer({ host: 'rr-01', name: `rr-vm${i}` }));
    const later = h.os.nova.model.addServer({ host: 'rr-02', name: 'rr-vm4' });
    const engine = await start(lease);
    h.os.nova.model.setAlive('rr-01', false);
    const before = await h.notify('rr-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.engine.submit(before);
    await waitFor(() => servers.every((s) => h.os.nova.evacuateCalls(s.id) === 1), {
      timeoutMs: 20_000,
      what: 'every evacuate call sent (moves now being confirmed)',
    });
    await h.redis.server.stop();
    lease.set(false);
    // Long enough for the jobs in flight to fail on Redis and settle while their worker is paused.
    await new Promise((r) => setTimeout(r, 2_000));
    await h.redis.server.start();
    // The jobs that were in flight settle and the blocked fetch returns (BullMQ blocks up to its 5 s
    // drainDelay) while the workers are paused: their loops end, as in the soak.
    await waitFor(() => !engine.queues.fetching && engine.queues.idle, {
      timeoutMs: 15_000,
      what: 'the paused workers to stop looping',
    });
    lease.set(true);
    expect(await settled(before)).toBe('finished');
    expect(engine.queues.fetching).toBe(true);
    for (const s of servers) expect(h.os.nova.evacuateCalls(s.id)).toBe(1);

    h.os.nova.model.setAlive('rr-02', false);
    const after = await h.notify('rr-02', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.engine.submit(after);
    expect(await settled(after)).toBe('finished');
    expect(h.os.nova.evacuateCalls(later.id)).toBe(1);
  });

  it("the leader's periodic pass starts a notification whose submit was lost to the outage", async () => {
    const lease = new HandLease();
    await h.segment('auto', [{ name: 'rp-01' }, { name: 'rp-02' }]);
    h.fencers.set('rp-01', new FakeFencingDriver('on'));
    const server = h.os.nova.model.addServer({ host: 'rp-01', name: 'rp-vm' });
    await start(lease, 1_000);
    await h.redis.server.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    await h.redis.server.start();
    h.os.nova.model.setAlive('rp-01', false);
    // Stored, but its submit never happened (it failed while Redis was away): nothing else starts it.
    const id = await h.notify('rp-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    expect(await settled(id)).toBe('finished');
    expect(h.os.nova.evacuateCalls(server.id)).toBe(1);
  });
});
