import { createServer, type Server } from 'node:net';
import { waitFor } from '@vigil/testing';
import { type DemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { controllerCall } from './cloud-sim-support/controller-call';
import { allHostsUp, type SimulatedCloud, startSimulatedCloud } from './cloud-sim-support/simulated-cloud';
import { ensureBuilt } from './support/ensure-built';

const STALL_MS = 60_000;
const APP_TIMEOUT_MS = 2_000;
const EVACUATE = 'POST /servers/{id}/action:evacuate';

/** A loopback port nothing listens on (yet): connects are refused until the test listens on it. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Incident {
  status: string;
  plan?: { tiers?: { order: { name: string; instances: { name: string }[] }[] } };
  timeline: { step: string; message: string }[];
}

/**
 * Restart tiers through the production wiring (built controller, cloud-sim's Nova, Redfish BMCs and
 * monitors): a host with a database, an application server and a web server fails. The database tier
 * moves first and holds the others until its TCP readiness target (a listener this test opens late)
 * answers; the app tier's target never answers, so after its timeout the web tier starts anyway and the
 * incident says which instance was not ready.
 */
describe('restart tiers: db → app → web, each gated on the one before', () => {
  let cloud: SimulatedCloud;
  let stack: DemoStack;
  let dbPort: number;
  let appPort: number;
  let db2Port: number;
  const listeners: Server[] = [];

  beforeAll(async () => {
    dbPort = await freePort();
    appPort = await freePort();
    db2Port = await freePort();
    cloud = await startSimulatedCloud({
      scenario: {
        hosts: 6,
        // Each host its own rack, and no storm limit: the second test's failure is not held as a storm.
        // The demo segment recovers with reserved_host, and the first failure spreads its three
        // instances over three reserved hosts: the fourth takes the second failure's.
        hostsPerRack: 1,
        segments: 1,
        reservedPerSegment: 4,
        instances: 0,
        timing: { heartbeatIntervalMs: 300, serviceDownTimeMs: 1_500, rebuildMs: 200 },
      },
      controllerMainJs: ensureBuilt('controller'),
      controllerConfig: {
        detection: { stormGuard: { maxFailedPercent: 100 } },
        recovery: {
          tiers: {
            order: [
              { name: 'db', gate: 'tcp', timeoutMs: 120_000 },
              { name: 'app', gate: 'tcp', timeoutMs: APP_TIMEOUT_MS },
              { name: 'web', gate: 'active' },
            ],
            probeIntervalMs: 200,
            probeTimeoutMs: 200,
          },
        },
      },
    });
    stack = cloud.stack;
    await allHostsUp(stack, STALL_MS);
  }, 300_000);

  afterAll(async () => {
    for (const l of listeners) l.close();
    await cloud?.stop();
  });

  const nova = () => stack.sim.openstack.nova;
  const call = controllerCall(() => stack.controllerUrl);
  /** Position of the first evacuate request of `id` in everything Nova received (-1: none). */
  const evacuatedAt = (id: string): number =>
    nova().requests.findIndex((r) => r.route === EVACUATE && r.path.includes(id));
  /** Waits until the controller has read `id` from Nova `times` more times (the gate checking it). */
  const checkedAgain = async (id: string, times: number, what: string): Promise<void> => {
    const reads = (): number => nova().requests.filter((r) => r.path.endsWith(`/servers/${id}`)).length;
    const before = reads();
    await waitFor(() => reads() >= before + times, { timeoutMs: STALL_MS, what });
  };
  /** Opens the readiness target on `port`: connections accepted (and closed) from now on. */
  const answerOn = async (port: number): Promise<void> => {
    const listener = createServer((socket) => socket.destroy());
    listeners.push(listener);
    await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
  };
  /** The host's only notification, once finished. */
  const finishedNotification = (host: string) => {
    const hostUuid = stack.hostUuids.get(host);
    return waitFor(
      async () => {
        const mine = (await stack.api.notifications()).filter((n) => n.source_host_uuid === hostUuid);
        return mine.length === 1 && mine[0]?.status === 'finished' ? mine[0] : undefined;
      },
      { timeoutMs: STALL_MS, what: `the incident of ${host} finished` },
    );
  };

  it('starts the tiers in order, waits for the db to answer, and moves on when the app tier times out', async () => {
    const host = stack.sim.plan.hosts.find((h) => !h.reserved)?.name ?? '';
    const model = nova().model;
    const db = model.addServer({
      host,
      name: 'pg-1',
      metadata: { 'vigil:tier': 'db', 'vigil:ready-tcp': `127.0.0.1:${dbPort}` },
    });
    const app = model.addServer({
      host,
      name: 'api-1',
      metadata: { 'vigil:tier': 'app', 'vigil:ready-tcp': `127.0.0.1:${appPort}` },
    });
    // No tier named: the default tier, the last one.
    const web = model.addServer({ host, name: 'nginx-1' });

    // The dry run shows the tiers before anything fails.
    const dry = await call<{ dry_run: Incident }>('POST', '/vigil/v1/recovery/dry-run', { host });
    expect(dry.body.dry_run.plan?.tiers?.order).toEqual([
      expect.objectContaining({ name: 'db', instances: [expect.objectContaining({ name: 'pg-1' })] }),
      expect.objectContaining({ name: 'app', instances: [expect.objectContaining({ name: 'api-1' })] }),
      expect.objectContaining({ name: 'web', instances: [expect.objectContaining({ name: 'nginx-1' })] }),
    ]);

    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });

    // The db tier moves and comes back ACTIVE; its readiness target refuses connections.
    await waitFor(() => model.server(db.id)?.host !== host && model.server(db.id)?.vmState === 'active', {
      timeoutMs: STALL_MS,
      what: 'pg-1 evacuated and ACTIVE',
    });
    // The gate keeps checking it (reads of pg-1 after the move) while the app and web tiers stay put.
    await checkedAgain(db.id, 5, 'the db gate checking pg-1 again');
    expect(nova().evacuateCalls(app.id)).toBe(0);
    expect(nova().evacuateCalls(web.id)).toBe(0);
    expect(model.server(app.id)?.host).toBe(host);

    // The database starts answering: the app tier starts, and only after that.
    const opened = nova().requests.length;
    await answerOn(dbPort);

    const notification = await finishedNotification(host);
    expect(evacuatedAt(db.id)).toBeGreaterThanOrEqual(0);
    expect(evacuatedAt(app.id)).toBeGreaterThan(opened);
    // The app's target never answered: the web tier started after the app tier, on its timeout.
    expect(evacuatedAt(web.id)).toBeGreaterThan(evacuatedAt(app.id));
    for (const id of [db.id, app.id, web.id]) {
      expect(model.server(id)?.host).not.toBe(host);
      expect(nova().evacuateCalls(id)).toBe(1);
    }

    const detail = await call<{ incident: Incident }>(
      'GET',
      `/vigil/v1/incidents/${notification.notification_uuid}`,
    );
    const notes = detail.body.incident.timeline.map((t) => t.message);
    expect(notes).toContainEqual(expect.stringMatching(/^restart tiers: db \(1; gate tcp.*→ app.*→ web/));
    expect(notes).toContainEqual(
      expect.stringMatching(/^tier db ready \(1 instance\(s\), gate tcp\).*starting tier app$/),
    );
    expect(notes).toContainEqual(
      `tier app NOT ready after its timeout of ${APP_TIMEOUT_MS / 1000} s (gate tcp): api-1 (${app.id}) not ready; starting tier web anyway`,
    );
    const order = ['tier db ready', 'tier app NOT ready'].map((p) => notes.findIndex((n) => n.startsWith(p)));
    expect(order[0]).toBeLessThan(order[1] ?? -1);
  }, 300_000);

  it('a controller stopped while a tier waits resumes at that tier: no tier skipped, no move twice', async () => {
    const host = stack.sim.plan.hosts.filter((h) => !h.reserved)[1]?.name ?? '';
    const model = nova().model;
    const db = model.addServer({
      host,
      name: 'pg-2',
      metadata: { 'vigil:tier': 'db', 'vigil:ready-tcp': `127.0.0.1:${db2Port}` },
    });
    const app = model.addServer({ host, name: 'api-2', metadata: { 'vigil:tier': 'app' } });
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });
    await waitFor(() => model.server(db.id)?.host !== host && model.server(db.id)?.vmState === 'active', {
      timeoutMs: STALL_MS,
      what: 'pg-2 evacuated and ACTIVE',
    });

    // The controller goes away while the db tier's gate waits, and comes back.
    await stack.controller.stop(0);
    await stack.controller.start(stack.controllerUrl);
    await checkedAgain(db.id, 5, 'the restarted controller checking pg-2 again');
    expect(nova().evacuateCalls(app.id)).toBe(0);

    const opened = nova().requests.length;
    await answerOn(db2Port);
    const notification = await finishedNotification(host);
    expect(evacuatedAt(app.id)).toBeGreaterThan(opened);
    expect(nova().evacuateCalls(db.id)).toBe(1);
    expect(nova().evacuateCalls(app.id)).toBe(1);
    const detail = await call<{ incident: Incident }>(
      'GET',
      `/vigil/v1/incidents/${notification.notification_uuid}`,
    );
    const advances = detail.body.incident.timeline.filter((t) => t.message.startsWith('tier db '));
    expect(advances.map((t) => t.message)).toEqual([
      expect.stringMatching(/^tier db ready \(1 instance\(s\), gate tcp\) after .*: starting tier app$/),
    ]);
  }, 300_000);
});
