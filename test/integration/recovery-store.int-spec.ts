import { ErrorCode, type VigilError } from '@vigil/contracts';
import { FakeFencingDriver } from '@vigil/fencing';
import { createRedisClient, type Redis } from '@vigil/redis';
import { waitFor } from '@vigil/testing';
import { type IncidentRecord } from '../../apps/controller/src/recovery/model';
import { RecoveryRuntime } from '../../apps/controller/src/recovery/recovery-runtime';
import { ConcurrencySlots } from '../../apps/controller/src/recovery/store/concurrency-slots';
import { IncidentStore } from '../../apps/controller/src/recovery/store/incident-store';
import {
  KEY_PREFIX,
  startHarness,
  testRecoveryConfig,
  type RecoveryHarness,
} from './recovery-support/harness';

// Recovery's Redis state on a real redis-server: fencing tokens, exactly-once markers, slots,
// startup reconciliation, and leadership-gated workers.
describe('recovery: incident store, slots, reconciliation and leadership', () => {
  let h: RecoveryHarness;
  let redis: Redis;
  let store: IncidentStore;

  beforeAll(async () => {
    h = await startHarness();
    redis = createRedisClient({ url: h.redis.url, password: h.redis.password }, 'blocking');
    store = new IncidentStore(redis, 'store-test:');
  });

  afterAll(async () => {
    redis.disconnect();
    await h.stop();
  });

  const incident = (id: string, over: Partial<IncidentRecord> = {}): IncidentRecord => ({
    id,
    type: 'COMPUTE_HOST',
    host: `host-${id}`,
    origin: 'vigil-detection',
    round: 1,
    phase: 'received',
    status: 'new',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    ...over,
  });

  it('refuses writes with a fencing token lower than one already seen (a deposed replica)', async () => {
    expect(await store.create(5, incident('t1'))).toBe(true);
    expect(await store.create(5, incident('t1'))).toBe(false);
    await store.put(6, { ...incident('t1'), phase: 'fencing' });
    const stale = await store.put(5, { ...incident('t1'), phase: 'finished' }).catch((e: VigilError) => e);
    expect((stale as VigilError).code).toBe(ErrorCode.CONFLICT);
    expect((await store.get('t1'))?.phase).toBe('fencing');
  });

  it('lets exactly one writer win a phase transition and one caller mark an evacuate attempt', async () => {
    await store.create(7, incident('t2', { phase: 'evacuating' }));
    const results = await Promise.all(
      ['finished', 'error', 'failed'].map((p) =>
        store.transition(7, 'evacuating', incident('t2', { phase: p as 'finished' })),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const marker = { attempt: 1, target: null, migrationsBefore: 0, at: '' };
    const marks = await Promise.all([1, 2, 3].map(() => store.markEvacuateIssued(7, 't2', 'vm', marker)));
    expect(marks.filter(Boolean)).toHaveLength(1);
  });

  it('slots are taken all-or-nothing across scopes and free themselves when a lease runs out', async () => {
    const slots = new ConcurrencySlots(redis, 'slots-test:');
    const scopes = (incidentId: string) => [
      { key: 'global', limit: 3 },
      { key: `incident:${incidentId}`, limit: 2 },
    ];
    const now = Date.now();
    expect(await slots.acquire(scopes('a'), 'a/1', now, 10_000)).toBe(true);
    expect(await slots.acquire(scopes('a'), 'a/2', now, 10_000)).toBe(true);
    expect(await slots.acquire(scopes('a'), 'a/3', now, 10_000)).toBe(false);
    expect(await slots.acquire(scopes('a'), 'a/1', now, 10_000)).toBe(true);
    expect(await slots.acquire(scopes('b'), 'b/1', now, 100)).toBe(true);
    expect(await slots.acquire(scopes('b'), 'b/2', now, 10_000)).toBe(false);
    expect(await slots.holders('incident:a', now)).toEqual(['a/1', 'a/2']);
    expect(await slots.acquire(scopes('b'), 'b/2', now + 200, 10_000)).toBe(true);
    await slots.release(scopes('a'), 'a/1');
    expect(await slots.holders('global', now + 200)).toEqual(['a/2', 'b/2']);
  });

  it('reconciles at startup: an incident whose job was lost is resumed to the end', async () => {
    await h.segment('auto', [{ name: 'rc-01' }, { name: 'rc-02' }]);
    h.fencers.set('rc-01', new FakeFencingDriver('on'));
    const vm = h.os.nova.model.addServer({ host: 'rc-01', name: 'rc-vm' });
    h.os.nova.model.setAlive('rc-01', false);
    const id = await h.notify('rc-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    // The incident exists in Redis but no BullMQ job does (e.g. the queue was flushed).
    const engineStore = new IncidentStore(h.commandClient, KEY_PREFIX);
    await engineStore.create(1, incident(id, { host: 'rc-01', phase: 'received' }));
    const engine = await h.startEngine();
    await waitFor(async () => (await h.inventory.getNotification(id))?.status === 'finished', {
      what: 'reconciled incident finished',
      timeoutMs: 20_000,
    });
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
    await engine.close();
  });

  it('reconciles at startup: a notification still new whose intake was lost is started', async () => {
    await h.segment('auto', [{ name: 'nw-01' }, { name: 'nw-02' }]);
    h.fencers.set('nw-01', new FakeFencingDriver('on'));
    const vm = h.os.nova.model.addServer({ host: 'nw-01', name: 'nw-vm' });
    h.os.nova.model.setAlive('nw-01', false);
    const id = await h.notify('nw-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    const engine = await h.startEngine();
    await waitFor(async () => (await h.inventory.getNotification(id))?.status === 'finished', {
      what: 'started by reconciliation',
      timeoutMs: 20_000,
    });
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
    await engine.close();
  });

  it('runs workers only while leading; a deposed leader cannot write', async () => {
    await h.segment('auto', [{ name: 'ld-01' }, { name: 'ld-02' }]);
    h.fencers.set('ld-01', new FakeFencingDriver('on'));
    const vm = h.os.nova.model.addServer({ host: 'ld-01', name: 'ld-vm' });
    h.os.nova.model.setAlive('ld-01', false);
    let leading = false;
    let token = 100;
    const listeners: ((l: boolean) => void)[] = [];
    const clients: Redis[] = [];
    const { ports } = h.ports();
    const runtime = new RecoveryRuntime({
      config: testRecoveryConfig(),
      keyPrefix: KEY_PREFIX,
      logger: h.logger,
      connect: (role) => {
        const c = createRedisClient({ url: h.redis.url, password: h.redis.password }, role);
        clients.push(c);
        return c;
      },
      ports: {
        ...ports,
        tokens: {
          current: () =>
            leading
              ? Promise.resolve(token)
              : Promise.reject(Object.assign(new Error('not leader'), { code: 'CONFLICT' })),
          onChange: (l) => listeners.push(l),
          isLeader: () => leading,
        },
      },
    });
    expect(await runtime.start()).toBeUndefined();
    // The command connection fails fast until it is up (the API answers 503 meanwhile).
    await waitFor(() => runtime.store.get('none').then(() => true), { what: 'command connection ready' });
    leading = true;
    const id = await h.notify('ld-01', { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await runtime.engine.submit(id);
    leading = false;
    // Not leading: the job waits in the queue, nothing reaches the BMC or Nova.
    expect((await runtime.queues.pendingJobs()).map((j) => j.name)).toEqual(['host.recover']);
    expect(h.fencers.get('ld-01')?.calls).toEqual([]);
    leading = true;
    token = 101;
    for (const l of listeners) l(true);
    await waitFor(async () => (await h.inventory.getNotification(id))?.status === 'finished', {
      what: 'finished once leading',
      timeoutMs: 20_000,
    });
    expect(h.os.nova.evacuateCalls(vm.id)).toBe(1);
    // A replica still holding an older token is refused.
    const deposed = new IncidentStore(h.commandClient, KEY_PREFIX);
    const refused = await deposed.put(100, incident(id, { phase: 'received' })).catch((e: VigilError) => e);
    expect((refused as VigilError).code).toBe(ErrorCode.CONFLICT);
    await runtime.close();
    for (const c of clients) c.disconnect();
  });
});
