import { createServer, type Server } from 'node:http';
import { FakeFencingDriver } from '@vigil/fencing';
import { KeystoneSession, NeutronClient } from '@vigil/openstack';
import { NeutronFake, waitFor } from '@vigil/testing';
import { NeutronInstanceNetwork } from '../../apps/controller/src/recovery/adapters/neutron-instance-network';
import {
  finalStatus as settled,
  startHarness,
  testRecoveryConfig,
  type RecoveryHarness,
} from './recovery-support/harness';

const EVACUATE = 'POST /servers/{id}/action:evacuate';
/** A loopback port with nothing listening: a `tcp` gate on it never opens. */
const CLOSED = '127.0.0.1:1';

// Restart tiers inside the engine (Nova fake over HTTP, real Redis and BullMQ): an operator's abort
// while a tier waits, and an engine killed while a tier waits.
describe('recovery: restart tiers (abort, killed engine)', () => {
  let h: RecoveryHarness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h.stop();
  });

  const config = (dbTimeoutMs: number, dbGate: 'tcp' | 'http' | 'ports-active' = 'tcp') =>
    testRecoveryConfig({
      tiers: {
        order: [
          { name: 'db', gate: dbGate, delayMs: 0, timeoutMs: dbTimeoutMs },
          { name: 'app', gate: 'active', delayMs: 0, timeoutMs: 60_000 },
        ],
        defaultTier: '',
        metadataKey: 'vigil:tier',
        readyTcpKey: 'vigil:ready-tcp',
        readyHttpKey: 'vigil:ready-http',
        probeTimeoutMs: 100,
        probeIntervalMs: 50,
      },
    });
  const finalStatus = (id: string): Promise<string> => settled(h, id);
  const evacuations = (id: string): number =>
    h.os.nova.requests.filter((r) => r.route === EVACUATE && r.path.includes(id)).length;
  /** A failed host with a db instance whose gate never opens and an app instance held behind it. */
  const failedHost = async (
    name: string,
    dbMetadata: Record<string, string> = { 'vigil:ready-tcp': CLOSED },
  ) => {
    await h.segment('auto', [{ name }, { name: `${name}-b` }]);
    h.fencers.set(name, new FakeFencingDriver('on'));
    const model = h.os.nova.model;
    const db = model.addServer({ host: name, metadata: { 'vigil:tier': 'db', ...dbMetadata } });
    const app = model.addServer({ host: name, metadata: { 'vigil:tier': 'app' } });
    model.setAlive(name, false);
    const id = await h.notify(name, { event: 'STOPPED' }, { origin: 'vigil-detection' });
    return { db, app, id, model };
  };

  it('an abort while the db tier waits stops the held app tier (aborted, never evacuated); nothing hangs', async () => {
    const engine = await h.startEngine(config(120_000));
    try {
      const { db, app, id, model } = await failedHost('tier-a');
      await engine.runtime.engine.submit(id);
      await waitFor(
        () =>
          ![null, 'tier-a'].includes(model.server(db.id)?.host ?? null) &&
          model.server(db.id)?.vmState === 'active',
        {
          what: 'the db instance moved',
        },
      );
      await waitFor(
        async () =>
          (await engine.runtime.engine.detail(id)).moves.find((m) => m.instanceId === db.id)?.status ===
          'succeeded',
        { what: 'the db move settled (its gate now waits)' },
      );
      expect(evacuations(app.id)).toBe(0);

      await engine.runtime.engine.abort(id, { who: 'alice', why: 'db restored from backup elsewhere' });
      expect(await finalStatus(id)).toBe('failed');
      const detail = await engine.runtime.engine.detail(id);
      expect(detail.moves.find((m) => m.instanceId === app.id)).toMatchObject({ status: 'aborted', tier: 1 });
      expect(evacuations(app.id)).toBe(0);
      expect(model.server(app.id)?.host).toBe('tier-a');
    } finally {
      await engine.close();
    }
  });

  it('an engine killed while a tier waits: the next engine resumes there, decides the tier once, moves each once', async () => {
    const first = await h.startEngine(config(1_500));
    const { db, app, id, model } = await failedHost('tier-k');
    await first.runtime.engine.submit(id);
    await waitFor(
      async () =>
        (await first.runtime.engine.detail(id)).moves.find((m) => m.instanceId === db.id)?.status ===
        'succeeded',
      { what: 'the db move settled (its gate now waits)' },
    );
    await first.kill();
    expect(evacuations(app.id)).toBe(0);

    // The db gate never opens: the next engine lets the app tier start on the tier's timeout, once.
    const second = await h.startEngine(config(1_500));
    try {
      expect(await finalStatus(id)).toBe('finished');
      expect(evacuations(db.id)).toBe(1);
      expect(evacuations(app.id)).toBe(1);
      expect(model.server(app.id)?.host).not.toBe('tier-k');
      const notes = (await second.runtime.engine.detail(id)).timeline
        .map((t) => t.message)
        .filter((m) => m.startsWith('tier db '));
      expect(notes).toEqual([
        `tier db NOT ready after its timeout of 1.5 s (gate tcp): ${db.name} (${db.id}) not ready; starting tier app anyway`,
      ]);
    } finally {
      await second.close();
    }
  });

  it('an http gate: the app tier waits while the db answers 503, and starts once it answers 200', async () => {
    // A loopback "database health endpoint" that is not ready until the test says so.
    let status = 503;
    const gets: string[] = [];
    const server: Server = createServer((req, res) => {
      gets.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const engine = await h.startEngine(config(120_000, 'http'));
    try {
      const url = `http://127.0.0.1:${address.port}/healthz`;
      const { db, app, id, model } = await failedHost('tier-h', { 'vigil:ready-http': url });
      await engine.runtime.engine.submit(id);
      // The gate has asked a few times and got 503: the app tier is still held.
      await waitFor(() => gets.length >= 3, { what: 'the db gate GET its health URL three times' });
      expect(gets[0]).toBe('GET /healthz');
      expect(evacuations(app.id)).toBe(0);
      expect(model.server(app.id)?.host).toBe('tier-h');

      status = 200;
      expect(await finalStatus(id)).toBe('finished');
      expect(evacuations(db.id)).toBe(1);
      expect(evacuations(app.id)).toBe(1);
      const notes = (await engine.runtime.engine.detail(id)).timeline
        .map((t) => t.message)
        .filter((m) => m.startsWith('tier db '));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(
        /^tier db ready \(1 instance\(s\), gate http\) after [\d.]+ s: starting tier app$/,
      );
    } finally {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a ports-active gate: the app tier waits until Neutron shows every port of the db ACTIVE', async () => {
    const neutron = new NeutronFake({ keystone: h.os.keystone, activateDelayMs: 300 });
    const url = await neutron.start();
    h.os.keystone.catalog.push({ type: 'network', name: 'neutron', interface: 'internal', url });
    const session = new KeystoneSession({ config: h.os.keystoneConfig, logger: h.logger });
    const network = new NeutronInstanceNetwork(() => new NeutronClient({ session, timeoutMs: 1_000 }));
    const engine = await h.startEngine(config(120_000, 'ports-active'), { network });
    try {
      const { db, app, id, model } = await failedHost('tier-p', {});
      // The failed host took its agent with it: the db's two ports are DOWN until it is rebuilt and wired.
      neutron.addPort(db.id, 'DOWN');
      neutron.addPort(db.id, 'DOWN');
      await engine.runtime.engine.submit(id);
      const asked = (): number => neutron.http.receivedCount(/^GET \/v2\.0\/ports$/);
      await waitFor(() => asked() >= 3, { what: 'the db gate asked Neutron three times' });
      expect(evacuations(app.id)).toBe(0);
      expect(model.server(app.id)?.host).toBe('tier-p');

      // The new host's agent wires the ports: ACTIVE some time later.
      neutron.rebound(db.id);
      expect(await finalStatus(id)).toBe('finished');
      expect(evacuations(app.id)).toBe(1);
      const notes = (await engine.runtime.engine.detail(id)).timeline
        .map((t) => t.message)
        .filter((m) => m.startsWith('tier db '));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(
        /^tier db ready \(1 instance\(s\), gate ports-active\) after [\d.]+ s: starting tier app$/,
      );
    } finally {
      await engine.close();
      await neutron.stop();
    }
  });
});
