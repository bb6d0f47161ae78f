import { FakeFencingDriver } from '@vigil/fencing';
import { waitFor } from '@vigil/testing';
import {
  type EngineHandle,
  type RecoveryHarness,
  startHarness,
  testRecoveryConfig,
} from './recovery-support/harness';

// Adaptive pacing over the real engine (real Redis, BullMQ, Nova fake over HTTP): the limits grow while
// Nova answers well, fall when it answers 5xx, never pass the operator's bounds, and every change that
// matters is in the incident's timeline; no instance is evacuated twice.
describe('recovery: adaptive pacing toward Nova', () => {
  let h: RecoveryHarness;
  let engine: EngineHandle;
  const BOUND = 12;

  beforeAll(async () => {
    h = await startHarness({ rebuildDurationMs: 300 });
    engine = await h.startEngine(
      testRecoveryConfig({
        incidentConcurrency: BOUND,
        segmentConcurrency: 40,
        globalConcurrency: 40,
        pacing: {
          enabled: true,
          startConcurrency: 2,
          minConcurrency: 1,
          decreaseFactor: 0.5,
          cooldownMs: 200,
          latencyFactor: 3,
          minPollIntervalMs: 20,
          pollsPerSecond: 500,
        },
      }),
    );
  });

  afterAll(async () => {
    await h.stop();
  });

  const finalStatus = (id: string): Promise<string> =>
    waitFor(
      async () => {
        const n = await h.inventory.getNotification(id);
        return n && ['finished', 'error', 'failed', 'ignored'].includes(n.status) ? n.status : undefined;
      },
      { timeoutMs: 60_000, what: `notification ${id} to settle` },
    );

  async function failHost(host: string, instances: number): Promise<{ id: string; serverIds: string[] }> {
    h.fencers.set(host, new FakeFencingDriver('on'));
    const model = h.os.nova.model;
    const serverIds = Array.from(
      { length: instances },
      (_, i) => model.addServer({ host, name: `${host}-vm-${String(i).padStart(2, '0')}` }).id,
    );
    model.setAlive(host, false);
    const id = await h.notify(host, { event: 'STOPPED' }, { origin: 'vigil-detection' });
    await engine.runtime.engine.submit(id);
    return { id, serverIds };
  }

  it('grows from the start value while Nova is healthy, never past the bound', async () => {
    await h.segment('auto', [{ name: 'pc-01' }, { name: 'pc-02' }, { name: 'pc-03' }, { name: 'pc-04' }]);
    let maxInFlight = 0;
    engine.compute.aroundEvacuate = async (_id, call) => {
      maxInFlight = Math.max(maxInFlight, h.os.nova.model.evacuations.inFlight() + 1);
      await call();
    };
    const { id, serverIds } = await failHost('pc-01', 40);
    expect(await finalStatus(id)).toBe('finished');
    engine.compute.aroundEvacuate = undefined;

    expect(maxInFlight).toBeLessThanOrEqual(BOUND);
    expect(maxInFlight).toBeGreaterThan(2);
    for (const s of serverIds) expect(h.os.nova.evacuateCalls(s)).toBe(1);
    const timeline = (await engine.runtime.engine.detail(id)).timeline.filter((t) => t.step === 'pacing');
    expect(
      timeline.some((t) => t.message.startsWith(`incident:${id} limit`) && t.message.includes('→ 4')),
    ).toBe(true);
    const snapshot = engine.runtime.pacer.snapshot();
    const incidentScope = snapshot.scopes.find((s) => s.scope === `incident:${id}`);
    expect(incidentScope).toMatchObject({ max: BOUND, min: 1 });
    expect(incidentScope?.limit).toBeGreaterThan(2);
    expect(snapshot.expectedRebuildMs).not.toBeNull();
  });

  it('backs off when Nova answers 5xx to evacuate, says why, and still moves every instance once', async () => {
    await h.segment('auto', [{ name: 'pd-01' }, { name: 'pd-02' }, { name: 'pd-03' }]);
    // Nova's API answers 503 to a burst of evacuate calls (nothing happens), then recovers.
    h.os.nova.failNextOn('POST /servers/{id}/action:evacuate', 6, 503);
    const { id, serverIds } = await failHost('pd-01', 24);
    expect(await finalStatus(id)).toBe('finished');
    const pacing = (await engine.runtime.engine.detail(id)).timeline.filter((t) => t.step === 'pacing');
    expect(pacing.some((t) => /limit \d+ → \d+ .*Nova refused evacuate \(5xx\/429\)/.test(t.message))).toBe(
      true,
    );
    const down = engine.runtime.pacer
      .snapshot()
      .recentDecisions.filter((d) => d.incidentId === id && d.decision.direction === 'down');
    expect(down.length).toBeGreaterThan(0);
    for (const d of down) expect(d.decision.to).toBeLessThan(d.decision.from);
    for (const s of serverIds) {
      expect(h.os.nova.evacuateCalls(s)).toBe(1);
      expect(h.os.nova.model.server(s)?.host).not.toBe('pd-01');
    }
  });

  it('an evacuate Nova carried out but answered 500 is adopted, never sent twice', async () => {
    await h.segment('auto', [{ name: 'pe-01' }, { name: 'pe-02' }]);
    h.os.nova.failNextOn('POST /servers/{id}/action:evacuate', 3, 500, 'act-then-fail');
    const { id, serverIds } = await failHost('pe-01', 6);
    expect(await finalStatus(id)).toBe('finished');
    for (const s of serverIds) {
      expect(h.os.nova.evacuateCalls(s)).toBe(1);
      expect(h.os.nova.model.server(s)?.host).not.toBe('pe-01');
    }
  });
});
