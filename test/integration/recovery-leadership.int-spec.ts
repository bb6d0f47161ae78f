import { ErrorCode, VigilError } from '@vigil/contracts';
import { FakeFencingDriver } from '@vigil/fencing';
import { createRedisClient, type Redis } from '@vigil/redis';
import { waitFor } from '@vigil/testing';
import { LEADERSHIP_LOST } from '../../apps/controller/src/recovery/ports';
import { RecoveryRuntime } from '../../apps/controller/src/recovery/recovery-runtime';
import {
  KEY_PREFIX,
  type RecoveryHarness,
  startHarness,
  testRecoveryConfig,
} from './recovery-support/harness';

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
    runtime = new RecoveryRuntime({
      config: testRecoveryConfig(),
      keyPrefix: KEY_PREFIX,
      logger: h.logger,
      connect: (role) => {
        const c = createRedisClient({ url: h.redis.url, password: h.redis.password }, role);
        clients.push(c);
        return c;
      },
      ports,
    });
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
