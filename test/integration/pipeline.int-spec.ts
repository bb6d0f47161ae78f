import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { HEARTBEAT_PATH, deriveHostSecret, signBody, type Heartbeat } from '@vigil/contracts';
import {
  LogCapture,
  RedfishFake,
  startOpenStack,
  startRedis,
  waitFor,
  type OpenStackFixture,
  type RedisFixture,
} from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';

/**
 * The whole controller, wired as in production, against real Redis, the Keystone and Nova fakes and a
 * Redfish BMC per host: heartbeats stop → detection confirms with Nova's view → a Vigil incident → the
 * host is powered off through its BMC and read back off → forced down, then disabled → each planned
 * instance evacuated exactly once and confirmed → notification finished.
 */
const MASTER_KEY = 'pipeline-test-master-key-0123456789abcdef';
const HOSTS = ['cmp-01', 'cmp-02', 'cmp-03', 'cmp-04'];
const FAILED = 'cmp-01';
const BMC_USER = 'root';
const BMC_PASSWORD = 'bmc-pipeline-secret';

interface Json {
  [key: string]: unknown;
}

describe('host failure, end to end through the production wiring', () => {
  let redis: RedisFixture;
  let openstack: OpenStackFixture;
  let bmc: RedfishFake;
  let controller: ControllerApp;
  const logs = new LogCapture();
  const silent = new Set<string>();
  const seq = new Map<string, number>();
  let beating: NodeJS.Timeout | undefined;
  // Operators' tool receiving Vigil's CloudEvents.
  const cloudEvents: Array<{ type: string; subject: string }> = [];
  let receiver: Server | undefined;
  const servers: Record<string, { id: string; wasStopped: boolean; excluded: boolean }> = {};

  const api = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${controller.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'instance-ha 1.3' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };

  const beat = async (host: string): Promise<void> => {
    const n = (seq.get(host) ?? 0) + 1;
    seq.set(host, n);
    const hb: Heartbeat = {
      v: 1,
      host,
      bootId: `boot-${host}`,
      runId: `run-${host}`,
      seq: n,
      monoMs: n * 150,
      intervalMs: 150,
      components: { 'nova-compute': { state: 'ok' }, libvirtd: { state: 'ok' }, ovs: { state: 'ok' } },
    };
    const body = JSON.stringify(hb);
    await fetch(`${controller.url}${HEARTBEAT_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-vigil-host': host,
        'x-vigil-signature': signBody(deriveHostSecret(MASTER_KEY, host), body, Date.now()),
      },
      body,
    }).catch(() => undefined);
  };

  beforeAll(async () => {
    redis = await startRedis();
    openstack = await startOpenStack({
      nova: { serviceDownTimeMs: 1_500, reportIntervalMs: 500, rebuildDurationMs: 150 },
    });
    const model = openstack.nova.model;
    for (const host of HOSTS) model.addHost({ host });
    // The failed host's instances: active and stopped ones, HA-enabled or not, one service VM excluded by rule.
    const specs: Array<{ name: string; metadata: Record<string, string>; vmState?: 'stopped' }> = [
      { name: 'web-1', metadata: { HA_Enabled: 'True' } },
      { name: 'web-2', metadata: { HA_Enabled: 'True', 'vigil:priority': '10' } },
      { name: 'db-1', metadata: {} },
      { name: 'batch-1', metadata: {}, vmState: 'stopped' },
      { name: 'amphora-1', metadata: { role: 'amphora' } },
    ];
    for (const spec of specs) {
      const server = model.addServer({
        host: FAILED,
        name: spec.name,
        metadata: spec.metadata,
        vmState: spec.vmState,
      });
      servers[spec.name] = {
        id: server.id,
        wasStopped: spec.vmState === 'stopped',
        excluded: spec.name === 'amphora-1',
      };
    }
    model.addServer({ host: 'cmp-02', name: 'bystander' });

    bmc = await RedfishFake.start({
      username: BMC_USER,
      password: BMC_PASSWORD,
      systemId: HOSTS[0],
      extraSystemIds: HOSTS.slice(1),
      power: 'On',
      // A host powered off stops its nova-compute reports, as in a real cloud.
      onPowerChange: (id, state) => model.setAlive(id, state === 'On'),
    });

    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        cloudEvents.push(JSON.parse(body) as { type: string; subject: string });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver?.listen(0, '127.0.0.1', r));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;

    const config = controllerConfigSchema.parse({
      events: { webhooks: [{ url: receiverUrl }] },
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'pipe:' },
      keystone: openstack.keystoneConfig,
      nova: { timeoutMs: 2_000, maxRetries: 2, retryBaseDelayMs: 20 },
      intake: { heartbeatMasterKey: MASTER_KEY, flushIntervalMs: 50 },
      detection: {
        heartbeatTimeoutMs: 700,
        suspectHoldMs: 100,
        sweepIntervalMs: 100,
        evidenceTimeoutMs: 1_500,
      },
      leadership: { leaseTtlMs: 1_000, renewIntervalMs: 200 },
      recovery: {
        pollIntervalMs: 100,
        fenceTimeoutMs: 10_000,
        fenceBackoffMs: 100,
        novaRetryDelayMs: 100,
        slotWaitMs: 50,
        confirmTimeoutMs: 20_000,
        policy: { exclude: { metadata: { role: 'amphora' } } },
      },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'pipeline', destination: logs }),
    });

    const segment = await api('POST', '/v1/segments', {
      segment: { name: 'rack-a', recovery_method: 'auto', service_type: 'COMPUTE' },
    });
    if (segment.status !== 201) throw new Error(`segment create: ${segment.status}`);
    const segmentUuid = (segment.body.segment as Json).uuid as string;
    for (const host of HOSTS) {
      const created = await api('POST', `/v1/segments/${segmentUuid}/hosts`, {
        host: { name: host, type: 'COMPUTE', control_attributes: 'redfish' },
      });
      if (created.status !== 201) throw new Error(`host create: ${created.status}`);
      const fencing = await api(
        'PUT',
        `/vigil/v1/hosts/${(created.body.host as Json).uuid as string}/fencing`,
        {
          driver: 'redfish',
          address: '127.0.0.1',
          port: bmc.port,
          username: BMC_USER,
          password: BMC_PASSWORD,
          options: { scheme: 'http', systemPath: `/redfish/v1/Systems/${host}`, pollIntervalMs: 50 },
        },
      );
      if (fencing.status !== 200) throw new Error(`fencing settings: ${fencing.status}`);
    }
    beating = setInterval(() => {
      for (const host of HOSTS) if (!silent.has(host)) void beat(host);
    }, 150);
    for (const host of HOSTS)
      await waitFor(
        async () => {
          const state = await api('GET', `/vigil/v1/hosts/${host}/state`);
          return JSON.stringify(state.body).includes('"state":"up"');
        },
        { what: `${host} up` },
      );
  });

  afterAll(async () => {
    if (process.env.VIGIL_TEST_DEBUG) process.stdout.write(logs.text() + '\n');
    if (beating) clearInterval(beating);
    receiver?.close();
    await controller?.close();
    await bmc?.stop();
    await openstack?.stop();
    await redis?.stop();
  });

  it('an outside STOPPED/NORMAL notification about a heartbeating host is evidence, not an order: ignored, nothing powered off', async () => {
    const HEALTHY = 'cmp-02';
    const posted = await api('POST', '/v1/notifications', {
      notification: {
        type: 'COMPUTE_HOST',
        hostname: HEALTHY,
        generated_time: new Date().toISOString().slice(0, 19),
        payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
      },
    });
    expect(posted.status).toBe(202);
    const uuid = (posted.body.notification as Json).notification_uuid as string;
    const ignored = await waitFor(
      async () => {
        const got = await api('GET', `/v1/notifications/${uuid}`);
        const n = got.body.notification as Json;
        return n.status === 'ignored' ? n : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the outside notification to end ignored' },
    );
    // Masakari shows `recovery_workflow_details: []` for an ignored notification, so the reason reaches
    // operators through Vigil's incident, an event (and the log), and a metric counts it.
    expect(ignored.recovery_workflow_details).toEqual([]);
    const incident = (await api('GET', `/vigil/v1/incidents/${uuid}`)).body.incident as Json;
    expect(incident.reason).toContain("alive by Vigil's own evidence");
    const event = await waitFor(
      () => cloudEvents.find((e) => e.type === 'io.vigil.notification.ignored' && e.subject === HEALTHY),
      { what: 'the notification.ignored CloudEvent' },
    );
    expect(JSON.stringify(event)).toContain(uuid);
    expect(JSON.stringify(event)).toContain("alive by Vigil's own evidence");
    const metrics = await (await fetch(`${controller.url}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_outside_notifications_ignored_total 1$/m);
    for (const host of HOSTS) expect(bmc.system(host)?.powerState).toBe('On');
    expect(openstack.nova.requests.filter((r) => r.route.startsWith('PUT /os-services'))).toEqual([]);
  });

  it('recovers a hung host (BMC still on, Nova sees it down): fence, isolate, evacuate once, finish', async () => {
    const model = openstack.nova.model;
    // Kernel hang: heartbeats and nova-compute reports stop, the BMC still says On.
    silent.add(FAILED);
    model.setAlive(FAILED, false);

    const notification = await waitFor(
      async () => {
        const list = await api('GET', '/v1/notifications');
        return (list.body.notifications as Json[]).find(
          (n) => n.type === 'COMPUTE_HOST' && n.status === 'finished',
        );
      },
      { timeoutMs: 45_000, intervalMs: 200, what: 'the incident to finish' },
    );

    // Fenced through its BMC, and only this host.
    expect(bmc.system(FAILED)?.powerState).toBe('Off');
    for (const other of HOSTS.slice(1)) expect(bmc.system(other)?.powerState).toBe('On');

    // Force-down before disable, both before the first evacuate.
    const routes = openstack.nova.requests.map((r) => ({
      route: r.route,
      body: JSON.stringify(r.body ?? {}),
    }));
    const forceDown = routes.findIndex(
      (r) => r.route.startsWith('PUT /os-services') && r.body.includes('"forced_down":true'),
    );
    const disable = routes.findIndex(
      (r) => r.route.startsWith('PUT /os-services') && r.body.includes('"disabled"'),
    );
    const firstEvacuate = routes.findIndex((r) => r.route.includes('evacuate'));
    expect(forceDown).toBeGreaterThanOrEqual(0);
    expect(disable).toBeGreaterThanOrEqual(forceDown);
    expect(firstEvacuate).toBeGreaterThan(disable);

    // Each planned instance evacuated exactly once and back in its original state elsewhere.
    const outcome = Object.entries(servers).map(([name, s]) => {
      const server = model.server(s.id);
      return {
        name,
        calls: openstack.nova.evacuateCalls(s.id),
        onFailedHost: server?.host === FAILED,
        vmState: server?.vmState,
      };
    });
    expect(outcome).toEqual(
      Object.entries(servers).map(([name, s]) => ({
        name,
        calls: s.excluded ? 0 : 1,
        onFailedHost: s.excluded,
        vmState: s.wasStopped ? 'stopped' : 'active',
      })),
    );

    // Masakari 1.3 vmoves tell the same story.
    const vmoves = await api('GET', `/v1/notifications/${notification.notification_uuid as string}/vmoves`);
    const moves = vmoves.body.vmoves as Json[];
    expect(moves.filter((m) => m.status === 'succeeded')).toHaveLength(4);
    expect(moves.every((m) => m.source_host === FAILED && m.dest_host !== FAILED)).toBe(true);

    // Nova keeps the host down and disabled with Vigil's reason; Masakari's host is on maintenance.
    const service = model.host(FAILED);
    expect(service?.forcedDown).toBe(true);
    expect(service?.status).toBe('disabled');

    // Operators' tools heard each step, in order, as CloudEvents about the failed host.
    await waitFor(() => cloudEvents.some((e) => e.type === 'io.vigil.incident.recovered'), {
      what: 'the recovered event',
    });
    const steps = cloudEvents
      .filter((e) => e.subject === FAILED)
      .map((e) => e.type.replace('io.vigil.incident.', ''));
    expect(steps).toEqual(
      ['opened', 'fencing', 'fenced', 'evacuating', 'recovered'].filter((t) => steps.includes(t)),
    );
    expect(steps).toEqual(expect.arrayContaining(['fenced', 'recovered']));

    // The BMC password never reached a log line.
    expect(logs.linesContaining(BMC_PASSWORD)).toEqual([]);
  });
});
