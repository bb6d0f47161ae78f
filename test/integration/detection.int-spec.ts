import { controllerConfigSchema, createLogger } from '@vigil/config';
import { type Heartbeat, HOST_HEADER, SIGNATURE_HEADER, deriveHostSecret, signBody } from '@vigil/contracts';
import { LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { DetectionService } from '../../apps/controller/src/detection/detection.service';
import { InMemoryDetectionPorts } from './support/in-memory-detection-ports';
import { DetectionPorts } from '../../apps/controller/src/detection/ports';
import { LeaderLease } from '../../apps/controller/src/leadership/leader-lease';

const MASTER_KEY = 'detection-test-master-key-0123456789abcdef';
const TIMEOUT_MS = 400;
const INTERVAL_MS = 80;

/** Plays the host monitors: signed heartbeats over HTTP for every host that is "alive". */
class HeartbeatPump {
  readonly silent = new Set<string>();
  readonly components = new Map<string, Record<string, { state: 'ok' | 'failed'; reason?: string }>>();
  readonly peers = new Map<string, Array<{ host: string; reachable: boolean }>>();
  target: string;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly hosts: readonly string[],
    target: string,
  ) {
    this.target = target;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight = Promise.allSettled(
        this.hosts.filter((h) => !this.silent.has(h)).map((h) => this.send(h)),
      );
    }, INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  private async send(host: string): Promise<void> {
    const hb: Heartbeat = {
      v: 1,
      host,
      bootId: 'boot',
      runId: 'run',
      seq: ++this.seq,
      monoMs: this.seq,
      intervalMs: INTERVAL_MS,
      components: this.components.get(host) ?? { 'nova-compute': { state: 'ok' } },
      ...(this.peers.has(host) ? { peers: this.peers.get(host) } : {}),
    };
    const body = JSON.stringify(hb);
    await fetch(`${this.target}/vigil/v1/heartbeats`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [HOST_HEADER]: host,
        [SIGNATURE_HEADER]: signBody(deriveHostSecret(MASTER_KEY, host), body, Date.now()),
      },
      body,
    });
  }
}

interface Harness {
  redis: RedisFixture;
  controllers: ControllerApp[];
  ports: InMemoryDetectionPorts;
  pump: HeartbeatPump;
  logs: LogCapture;
}

async function startHarness(
  redis: RedisFixture,
  hosts: string[],
  opts: { replicas?: number; prefix: string; segmentOf?: (h: string) => string },
): Promise<Harness> {
  const logs = new LogCapture();
  const ports = new InMemoryDetectionPorts();
  for (const h of hosts) ports.addHosts(opts.segmentOf?.(h) ?? 'seg-1', [h]);
  const config = controllerConfigSchema.parse({
    api: { port: 0 },
    auth: { strategy: 'noauth' },
    redis: { url: redis.url, password: redis.password, keyPrefix: opts.prefix },
    intake: { heartbeatMasterKey: MASTER_KEY, flushIntervalMs: 50 },
    detection: {
      heartbeatTimeoutMs: TIMEOUT_MS,
      sweepIntervalMs: 50,
      suspectHoldMs: 200,
      evidenceTimeoutMs: 200,
    },
    leadership: { leaseTtlMs: 1000, renewIntervalMs: 200 },
  });
  const controllers: ControllerApp[] = [];
  for (let i = 0; i < (opts.replicas ?? 1); i++) {
    const c = await startController({
      config,
      logger: createLogger({ name: `ctl-${i}`, level: 'info', destination: logs }),
    });
    c.app.get(DetectionPorts).bind(ports.bindings());
    controllers.push(c);
    await waitFor(async () => (await fetch(`${c.url}/vigil/v1/cluster`)).status === 200, {
      what: 'controller ready (Redis connected)',
    });
  }
  const first = controllers[0];
  if (!first) throw new Error('no controller');
  const pump = new HeartbeatPump(hosts, first.url);
  pump.start();
  return { redis, controllers, ports, pump, logs };
}

async function stopHarness(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.pump.stop();
  for (const c of h.controllers) await c.close();
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

interface HostStateBody {
  host_state: {
    state: string;
    generation: number;
    incidentId?: string;
    note?: string;
    timeline: Array<{ from: string; to: string; reason: string }>;
  };
}

async function stateOf(c: ControllerApp, host: string): Promise<string | undefined> {
  const r = await getJson<HostStateBody>(`${c.url}/vigil/v1/hosts/${host}/state`);
  return r.status === 200 ? r.body.host_state.state : undefined;
}

/** Waits until the leader has run `n` more sweeps: "nothing happened" asserted over real sweeps, not a sleep. */
async function sweepsPass(c: ControllerApp, n: number): Promise<void> {
  const detection = c.app.get(DetectionService);
  const target = detection.counters.sweeps + n;
  await waitFor(() => detection.counters.sweeps >= target, { what: `${n} detection sweeps` });
}

function leaderOf(h: Harness): ControllerApp | undefined {
  return h.controllers.find((c) => c.app.get(LeaderLease).isLeader);
}

const hostNames = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `cmp-${String(i + 1).padStart(2, '0')}`);

describe('detection (real Redis, real controller, signed heartbeats over HTTP)', () => {
  let redis: RedisFixture;
  let h: Harness | undefined;
  let n = 0;
  const prefix = (): string => `det-test-${++n}:`;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await stopHarness(h);
    h = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a silent host turns suspect, and failed only once Nova agrees; exactly one incident', async () => {
    h = await startHarness(redis, hostNames(4), { prefix: prefix() });
    const ctl = h.controllers[0]!;
    await waitFor(async () => (await stateOf(ctl, 'cmp-01')) === 'up', { what: 'cmp-01 up' });
    h.pump.silent.add('cmp-01');
    await waitFor(async () => (await stateOf(ctl, 'cmp-01')) === 'suspect', { what: 'cmp-01 suspect' });
    await sweepsPass(ctl, 10);
    expect(await stateOf(ctl, 'cmp-01')).toBe('suspect');
    expect(h.ports.openCalls).toBe(0);

    h.ports.nova.set('cmp-01', 'down');
    await waitFor(async () => (await stateOf(ctl, 'cmp-01')) === 'failed', { what: 'cmp-01 failed' });
    await waitFor(() => h?.ports.incidents.length === 1, { what: 'incident opened' });
    await sweepsPass(ctl, 10);
    expect(h.ports.openCalls).toBe(1);
    expect(h.ports.incidents[0]).toMatchObject({ host: 'cmp-01', verdict: { generation: 1 } });
    const view = await getJson<HostStateBody>(`${ctl.url}/vigil/v1/hosts/cmp-01/state`);
    expect(view.body.host_state.incidentId).toBe(h.ports.incidents[0]?.id);
    expect(view.body.host_state.timeline.map((t) => `${t.from}->${t.to}`).reverse()).toEqual([
      'unknown->up',
      'up->suspect',
      'suspect->failed',
    ]);
    expect(view.body.host_state.timeline[0]?.reason).toMatch(/nova-report-missed/);
    // The others were never touched.
    expect(await stateOf(ctl, 'cmp-02')).toBe('up');
  });

  it('a silent host that peers still reach is isolated-from-controller, never failed', async () => {
    h = await startHarness(redis, hostNames(4), { prefix: prefix() });
    const ctl = h.controllers[0]!;
    h.pump.peers.set('cmp-02', [{ host: 'cmp-01', reachable: true }]);
    await waitFor(async () => (await stateOf(ctl, 'cmp-01')) === 'up', { what: 'cmp-01 up' });
    h.ports.nova.set('cmp-01', 'down');
    h.pump.silent.add('cmp-01');
    await waitFor(async () => (await stateOf(ctl, 'cmp-01')) === 'isolated-from-controller', {
      what: 'isolated',
    });
    await sweepsPass(ctl, 10);
    expect(await stateOf(ctl, 'cmp-01')).toBe('isolated-from-controller');
    expect(h.ports.openCalls).toBe(0);
    // Once the peer loses it too, the evidence agrees: failed.
    h.pump.peers.set('cmp-02', [{ host: 'cmp-01', reachable: false }]);
    await waitFor(() => h?.ports.incidents.length === 1, { what: 'incident after peers lost it' });
    expect(await stateOf(ctl, 'cmp-01')).toBe('failed');
  });

  it('nova-compute dead on a heartbeating host: disable-compute, degraded, no incident', async () => {
    h = await startHarness(redis, hostNames(3), { prefix: prefix() });
    const ctl = h.controllers[0]!;
    await waitFor(async () => (await stateOf(ctl, 'cmp-02')) === 'up', { what: 'cmp-02 up' });
    h.pump.components.set('cmp-02', { 'nova-compute': { state: 'failed', reason: 'service inactive' } });
    await waitFor(() => h?.ports.disabled.length === 1, { what: 'disable-compute' });
    expect(h.ports.disabled[0]).toMatchObject({
      host: 'cmp-02',
      reason: expect.stringMatching(/nova-compute failed/) as unknown,
    });
    expect(await stateOf(ctl, 'cmp-02')).toBe('degraded');
    await sweepsPass(ctl, 10);
    expect(h.ports.disabled).toHaveLength(1);
    expect(h.ports.openCalls).toBe(0);
  });

  it('a host on maintenance that goes silent with its power off starts no recovery', async () => {
    h = await startHarness(redis, hostNames(4), { prefix: prefix() });
    const ctl = h.controllers[0]!;
    await waitFor(async () => (await stateOf(ctl, 'cmp-03')) === 'up', { what: 'cmp-03 up' });
    const entry = h.ports.hosts.get('cmp-03')!;
    entry.onMaintenance = true;
    h.ports.bmc.set('cmp-03', 'off');
    h.pump.silent.add('cmp-03');
    await waitFor(async () => (await stateOf(ctl, 'cmp-03')) === 'maintenance', { what: 'maintenance' });
    await sweepsPass(ctl, 15);
    expect(await stateOf(ctl, 'cmp-03')).toBe('maintenance');
    expect(h.ports.openCalls).toBe(0);
  });

  it('10 of 20 hosts silent at once: the storm guard holds, then an audited release lets recovery proceed', async () => {
    const hosts = hostNames(20);
    h = await startHarness(redis, hosts, { prefix: prefix() });
    const ctl = h.controllers[0]!;
    await waitFor(async () => (await stateOf(ctl, 'cmp-20')) === 'up', { what: 'all up' });
    const dead = hosts.slice(0, 10);
    // Hung, not powered off: BMCs still read On (a BMC reading Off is unambiguous and not held).
    for (const d of dead) {
      h.ports.nova.set(d, 'down');
      h.pump.silent.add(d);
    }
    interface GuardBody {
      storm_guard: {
        guards: Array<{ scope: string; engaged: boolean; hosts?: string[] }>;
        audit: Array<{ by: string; reason: string }>;
      };
    }
    const guard = await waitFor(
      async () => {
        const r = await getJson<GuardBody>(`${ctl.url}/vigil/v1/storm-guard`);
        // The segment guard (> 33 %) can engage a sweep before the cliff (>= 50 % of all hosts) does.
        return r.body.storm_guard.guards.some((g) => g.engaged && g.scope === 'global')
          ? r.body.storm_guard
          : undefined;
      },
      { what: 'global storm guard (cliff) engaged' },
    );
    expect(guard.guards.filter((g) => g.engaged).map((g) => g.scope)).toContain('global');
    await sweepsPass(ctl, 15);
    expect(h.ports.openCalls).toBe(0);
    for (const d of dead) expect(await stateOf(ctl, d)).toBe('suspect');
    const cluster = await getJson<{ cluster: { hostsByState: Record<string, string[]> } }>(
      `${ctl.url}/vigil/v1/cluster`,
    );
    expect(cluster.body.cluster.hostsByState.suspect).toEqual(dead);
    expect(h.logs.lines.some((l) => l.includes('"level":50') && l.includes('storm guard engaged'))).toBe(
      true,
    );

    const noReason = await fetch(`${ctl.url}/vigil/v1/storm-guard/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noReason.status).toBe(400);
    // An operator pins the cliff guard (it would never release itself), audited; an unengaged scope is 409.
    const pin = async (body: unknown): Promise<Response> =>
      fetch(`${ctl.url}/vigil/v1/storm-guard/pin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const pinned = await pin({ scope: 'global', pinned: true, reason: 'hold while we check the rack' });
    expect(pinned.status).toBe(200);
    expect(await pinned.json()).toMatchObject({
      storm_guard: { scope: 'global', engaged: true, pinned: true },
    });
    expect((await pin({ scope: 'segment:nope', pinned: true, reason: 'nothing there' })).status).toBe(409);
    expect((await pin({ scope: 'global', pinned: 'yes', reason: 'bad body' })).status).toBe(400);
    const audit = await getJson<GuardBody>(`${ctl.url}/vigil/v1/storm-guard`);
    expect(audit.body.storm_guard.audit[0]).toMatchObject({
      by: 'noauth',
      action: 'pin',
      reason: 'hold while we check the rack',
    });
    const release = await fetch(`${ctl.url}/vigil/v1/storm-guard/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'rack A lost power; verified on site' }),
    });
    expect(release.status).toBe(200);
    await waitFor(() => h?.ports.incidents.length === 10, { what: '10 incidents after release' });
    expect(h.ports.incidents.map((i) => i.host).sort()).toEqual(dead);
    await sweepsPass(ctl, 10);
    expect(h.ports.openCalls).toBe(10);
    const after = await getJson<GuardBody>(`${ctl.url}/vigil/v1/storm-guard`);
    expect(after.body.storm_guard.guards.every((g) => !g.engaged)).toBe(true);
    expect(after.body.storm_guard.audit[0]).toMatchObject({
      by: 'noauth',
      reason: 'rack A lost power; verified on site',
    });
  });

  it('per-segment detection policy: OVS evacuate opens an incident for a heartbeating host once the grace ran out', async () => {
    h = await startHarness(redis, hostNames(4), { prefix: prefix() });
    const ctl = h.controllers[0]!;
    // Policies belong to real segments (an unknown segment id is a 404).
    const created = await fetch(`${ctl.url}/v1/segments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        segment: { name: 'ovs-strict', recovery_method: 'auto', service_type: 'COMPUTE' },
      }),
    });
    const segmentUuid = ((await created.json()) as { segment: { uuid: string } }).segment.uuid;
    h.ports.addHosts(segmentUuid, ['cmp-04']);
    const unknown = await fetch(`${ctl.url}/vigil/v1/segments/seg-unknown/detection-policy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ detection_policy: { ovs: 'fence-and-evacuate' } }),
    });
    expect(unknown.status).toBe(404);
    const put = await fetch(`${ctl.url}/vigil/v1/segments/${segmentUuid}/detection-policy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ detection_policy: { ovs: 'evacuate', dataPlaneGraceMs: 1000 } }),
    });
    expect(put.status).toBe(200);
    const bad = await fetch(`${ctl.url}/vigil/v1/segments/${segmentUuid}/detection-policy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ detection_policy: { ovs: 'reboot' } }),
    });
    expect(bad.status).toBe(400);
    await waitFor(async () => (await stateOf(ctl, 'cmp-04')) === 'up', { what: 'cmp-04 up' });
    h.pump.components.set('cmp-04', { 'nova-compute': { state: 'ok' }, ovs: { state: 'failed' } });
    // Within the grace: disabled (no new instances land there), degraded, no incident yet.
    await waitFor(async () => (await stateOf(ctl, 'cmp-04')) === 'degraded', { what: 'cmp-04 degraded' });
    await waitFor(() => h?.ports.incidents.length === 1, { what: 'incident for OVS failure' });
    expect(h.ports.incidents[0]?.host).toBe('cmp-04');
    expect(h.ports.disabled.map((d) => d.host)).toEqual(['cmp-04']);
  });
});

describe('leadership: two controller replicas sharing Redis', () => {
  let redis: RedisFixture;
  let h: Harness | undefined;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await stopHarness(h);
    await redis?.stop();
  });

  it('one leader, one incident per failure, takeover when the leader closes, and a deposed leader cannot write', async () => {
    // Ten hosts, so two failures within the storm window stay under the 33% segment limit.
    h = await startHarness(redis, hostNames(10), { prefix: 'lead-test:', replicas: 2 });
    const harness = h;
    const leader = await waitFor(() => leaderOf(harness), { what: 'a leader' });
    await sweepsPass(leader, 5);
    expect(harness.controllers.filter((c) => c.app.get(LeaderLease).isLeader)).toHaveLength(1);
    const follower = harness.controllers.find((c) => c !== leader)!;
    const cluster = await getJson<{
      cluster: { leadership: { leaderId: string; leaderToken: number; isLeader: boolean } };
    }>(`${follower.url}/vigil/v1/cluster`);
    expect(cluster.body.cluster.leadership).toMatchObject({
      isLeader: false,
      leaderId: leader.app.get(LeaderLease).instanceId,
      leaderToken: leader.app.get(LeaderLease).token,
    });

    await waitFor(async () => (await stateOf(leader, 'cmp-01')) === 'up', { what: 'cmp-01 up' });
    harness.ports.bmc.set('cmp-01', 'off');
    harness.pump.silent.add('cmp-01');
    await waitFor(() => harness.ports.incidents.length === 1, { what: 'incident for cmp-01' });
    await sweepsPass(leader, 10);
    expect(harness.ports.openCalls).toBe(1);

    // Heartbeats go to the follower from now on; the leader shuts down and hands over.
    harness.pump.target = follower.url;
    const oldToken = leader.app.get(LeaderLease).token!;
    await leader.close();
    harness.controllers.splice(harness.controllers.indexOf(leader), 1);
    await waitFor(() => follower.app.get(LeaderLease).isLeader, { what: 'takeover' });
    expect(follower.app.get(LeaderLease).token).toBeGreaterThan(oldToken);
    await sweepsPass(follower, 10);
    expect(harness.ports.openCalls).toBe(1);
    expect(await stateOf(follower, 'cmp-01')).toBe('failed');
    expect(await stateOf(follower, 'cmp-02')).toBe('up');

    harness.ports.nova.set('cmp-02', 'down');
    harness.pump.silent.add('cmp-02');
    // A new leader first waits out a grace period (it has not seen heartbeats yet); allow for a busy machine.
    await waitFor(() => harness.ports.incidents.length === 2, {
      timeoutMs: 30_000,
      what: 'incident for cmp-02 by the new leader',
    });
    expect(harness.ports.incidents.map((i) => i.host)).toEqual(['cmp-01', 'cmp-02']);

    // A replica whose lease was taken cannot write, even before it notices.
    const lease = follower.app.get(LeaderLease);
    const client = redis.client();
    await client.set('lead-test:leader:lease', 'intruder|999999', 'PX', 60_000);
    await expect(lease.writeFenced([{ op: 'set', key: 'lead-test:probe', value: 'x' }])).rejects.toThrow(
      /not the leader/,
    );
    expect(await client.get('lead-test:probe')).toBeNull();
    expect(lease.isLeader).toBe(false);
  });
});
