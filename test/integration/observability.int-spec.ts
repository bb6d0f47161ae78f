import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createFencingDriver } from '@vigil/fencing';
import { waitFor } from '@vigil/testing';
import { type DemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { sendHostDownAlert } from '../../apps/cloud-sim/src/demo/demo-alert';
import { allHostsUp, type SimulatedCloud, startSimulatedCloud } from './cloud-sim-support/simulated-cloud';
import { controllerCall } from './cloud-sim-support/controller-call';
import { ensureBuilt, ROOT } from './support/ensure-built';

const STALL_MS = 60_000;

/** Sample name with labels → value, from the Prometheus text format. */
type Samples = Map<string, number>;

function samplesOf(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Sum of the samples of one series name whose labels include every `key="value"` given. */
function sum(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of samples) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

/** Metric families the Prometheus rules in deploy/ name. */
function ruleFamilies(): string[] {
  const doc = parse(readFileSync(join(ROOT, 'deploy/prometheus/vigil-rules.yaml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ expr: string }> }>;
  };
  const names = doc.groups.flatMap((g) =>
    g.rules.flatMap((r) => [...r.expr.matchAll(/\bvigil_[a-z0-9_]+/g)]),
  );
  return [...new Set(names.map((m) => m[0]))].sort();
}

/**
 * Observability through the production wiring: the built controller as a child process (its Nest module
 * graph, embedded Redis), cloud-sim's Keystone, Nova and Redfish BMCs and monitors, and a CloudEvents
 * receiver this spec opens. Real incidents (a power loss recovered, the host reinstated; a BMC that
 * refuses the stored password; a storm) must move every documented metric on `/metrics`, show the real
 * queues in `/readyz`, and deliver every documented event.
 */
describe('observability: metrics, readiness and CloudEvents during real incidents', () => {
  let cloud: SimulatedCloud;
  let stack: DemoStack;
  let sink: Server;
  const events: Array<{ type: string; subject: string; data: Record<string, unknown> }> = [];
  /** Every scrape taken, so a gauge that rose and fell (the storm guard) is seen moving. */
  const scrapes: Samples[] = [];

  beforeAll(async () => {
    sink = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        events.push(JSON.parse(body) as (typeof events)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/events`;
    cloud = await startSimulatedCloud({
      scenario: {
        hosts: 6,
        hostsPerRack: 6,
        segments: 1,
        reservedPerSegment: 2,
        instances: 6,
        stoppedPercent: 0,
        timing: { heartbeatIntervalMs: 300, serviceDownTimeMs: 1_500, rebuildMs: 200 },
      },
      controllerMainJs: ensureBuilt('controller'),
      logLevel: 'info',
      controllerConfig: {
        log: { level: 'info', format: 'json' },
        recovery: { probationMs: 1_500, fenceAttempts: 1, errorRetryDelayMs: 600_000 },
        events: { webhooks: [{ url: sinkUrl }], retryBaseDelayMs: 100 },
        // More than one host starting to fail within 30 s is a storm (a host back in service no longer counts).
        detection: { stormGuard: { windowMs: 30_000, maxFailedHosts: 1, selfReleaseQuietMs: 0 } },
      },
    });
    stack = cloud.stack;
    const segments = (await call<{ segments: Array<{ uuid: string }> }>('GET', '/v1/segments')).body.segments;
    await call('PUT', `/v1/segments/${segments[0]?.uuid ?? ''}`, { segment: { recovery_method: 'auto' } });
    await allHostsUp(stack, STALL_MS);
  }, 300_000);

  afterAll(async () => {
    await cloud?.stop();
    await new Promise((resolve) => sink?.close(resolve));
  });

  const call = controllerCall(() => stack.controllerUrl);
  const nova = () => stack.sim.openstack.nova.model;
  const scrape = async (): Promise<Samples> => {
    const samples = samplesOf(await (await fetch(`${stack.controllerUrl}/metrics`)).text());
    scrapes.push(samples);
    return samples;
  };
  const types = (): string[] => [...new Set(events.map((e) => e.type.replace(/^io\.vigil\./, '')))];
  const eventArrived = (type: string, subject: string) =>
    waitFor(() => events.some((e) => e.type === `io.vigil.${type}` && e.subject === subject), {
      timeoutMs: STALL_MS,
      what: `${type} for ${subject} at the sink (seen: ${types().join(', ')})`,
    });
  const incidentOf = async (host: string, status: string): Promise<void> => {
    const uuid = stack.hostUuids.get(host);
    await waitFor(
      async () =>
        (await stack.api.notifications()).some((n) => n.source_host_uuid === uuid && n.status === status),
      { timeoutMs: STALL_MS, what: `an incident of ${host} ${status}` },
    );
  };
  const hostState = async (host: string): Promise<{ state: string; healthySince?: number }> =>
    (
      await call<{ host_state: { state: string; healthySince?: number } }>(
        'GET',
        `/vigil/v1/hosts/${host}/state`,
      )
    ).body.host_state;
  const computes = () => stack.sim.plan.hosts.filter((h) => !h.reserved).map((h) => h.name);

  it('a power loss: fenced, evacuated, finished, reinstated; metrics, readiness and events follow', async () => {
    const host = computes().find((h) => nova().servers({ host: h }).length > 0) ?? '';
    const before = await scrape();
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });
    // Alertmanager's view of the same failure: evidence, counted on the alerts metric.
    await waitFor(async () => (await hostState(host)).state !== 'up', { what: `${host} silent` });
    const alert = await sendHostDownAlert({
      controllerUrl: stack.controllerUrl,
      token: stack.alertToken,
      host,
      startsAtMs: Date.now(),
    });
    expect(alert.status).toBe(200);
    await incidentOf(host, 'finished');
    for (const type of ['incident.opened', 'incident.fencing', 'incident.fenced', 'incident.evacuating'])
      await eventArrived(type, host);
    await eventArrived('incident.recovered', host);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      [name, labels, sum(after, name, labels) > sum(before, name, labels)] as const;
    expect(moved('vigil_fencing_attempts_total', { result: 'success' })).toEqual([
      'vigil_fencing_attempts_total',
      { result: 'success' },
      true,
    ]);
    for (const [name, labels] of [
      ['vigil_fencing_duration_seconds_count', { result: 'success' }],
      ['vigil_evacuations_total', { result: 'success' }],
      ['vigil_evacuation_duration_seconds_count', { result: 'success' }],
      ['vigil_dependency_request_duration_seconds_count', { service: 'nova', outcome: 'success' }],
      ['vigil_detection_latency_seconds_count', {}],
      ['vigil_alerts_received_total', { source: 'alertmanager', result: 'accepted' }],
      ['vigil_event_deliveries_total', { result: 'delivered' }],
    ] as const)
      expect(moved(name, labels)).toEqual([name, labels, true]);
    // The service token was issued before the incident (and is cached): Keystone moved since the boot.
    expect(
      sum(after, 'vigil_dependency_request_duration_seconds_count', { service: 'keystone' }),
    ).toBeGreaterThan(0);
    expect(sum(after, 'vigil_incidents', { status: 'finished' })).toBe(1);
    expect(after.has('vigil_incident_oldest_running_age_seconds')).toBe(true);
    expect(after.get('vigil_queue_depth{queue="recovery-incidents"}')).toEqual(expect.any(Number));
    expect(after.get('vigil_queue_depth{queue="recovery-evacuations"}')).toEqual(expect.any(Number));

    const readyz = (await (await fetch(`${stack.controllerUrl}/readyz`)).json()) as {
      checks: { queues: { status: string; detail?: string } };
    };
    expect(readyz.checks.queues).toEqual({
      status: 'ok',
      detail: expect.stringMatching(/^recovery-incidents \d+ waiting, recovery-evacuations \d+ waiting$/),
    });

    // Repaired and reinstated: back in service, announced.
    await createFencingDriver(stack.sim.bmc.fencingTarget(host)).powerOn({ timeoutMs: 10_000 });
    await waitFor(async () => (await hostState(host)).healthySince !== undefined, {
      timeoutMs: STALL_MS,
      what: `${host} healthy in maintenance`,
    });
    await waitFor(
      async () =>
        (await call('POST', `/vigil/v1/hosts/${host}/reinstate`, { reason: 'PSU replaced' })).status === 202,
      { timeoutMs: STALL_MS, what: `reinstate of ${host} accepted` },
    );
    await eventArrived('host.reinstated', host);

    // The access log has the operator's call: method, path, status, duration; no query, no header.
    await call('GET', `/vigil/v1/hosts/${host}/state?token=not-for-the-log`);
    const access = readFileSync(join(cloud.workDir, 'controller.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(access).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        path: `/vigil/v1/hosts/${host}/reinstate`,
        status: 202,
        ms: expect.any(Number),
      }),
    );
    expect(access).toContainEqual(
      expect.objectContaining({ method: 'GET', path: `/vigil/v1/hosts/${host}/state`, status: 200 }),
    );
    expect(JSON.stringify(access)).not.toMatch(/not-for-the-log|X-Auth-Token|authorization/i);
  }, 300_000);

  it('a BMC that refuses the stored password: the fencing failure is counted and announced', async () => {
    const host = computes().find(
      (h) => nova().host(h)?.status === 'enabled' && nova().servers({ host: h }).length > 0,
    );
    if (!host) throw new Error('no busy healthy host left');
    const before = await scrape();
    await stack.api.setFencing(stack.hostUuids.get(host) ?? '', {
      ...stack.sim.bmc.access(host),
      password: 'wrong-password',
    });
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });
    await eventArrived('incident.fencing-failed', host);
    const after = await scrape();
    expect(sum(after, 'vigil_fencing_attempts_total', { result: 'failure' })).toBeGreaterThan(
      sum(before, 'vigil_fencing_attempts_total', { result: 'failure' }),
    );
    expect(sum(after, 'vigil_incidents', { status: 'error' })).toBe(1);
    expect(after.get('vigil_incident_oldest_running_age_seconds')).toBeGreaterThan(0);
  }, 300_000);

  it('a storm (two hosts cut off): the guard engages and an operator releases it; both announced, the gauge moved', async () => {
    const up: string[] = [];
    for (const h of stack.sim.plan.hosts) if ((await hostState(h.name)).state === 'up') up.push(h.name);
    const storm = up.slice(0, 2);
    expect(storm).toHaveLength(2);
    // Silence with the BMCs reading On (a host read Off by its BMC is no storm): cut off from everything.
    for (const host of storm)
      await fetch(`${stack.simApiUrl}/sim/hosts/${host}/partition`, { method: 'POST' });
    await waitFor(() => events.some((e) => e.type === 'io.vigil.storm-guard.engaged'), {
      timeoutMs: STALL_MS,
      what: `storm-guard.engaged at the sink (seen: ${types().join(', ')})`,
    });
    const engaged = await scrape();
    expect(sum(engaged, 'vigil_storm_guard_active')).toBeGreaterThanOrEqual(1);
    for (const host of storm) await fetch(`${stack.simApiUrl}/sim/hosts/${host}/heal`, { method: 'POST' });
    const released = await call<{ released: Array<{ scope: string }> }>(
      'POST',
      '/vigil/v1/storm-guard/release',
      {
        reason: 'observability spec',
      },
    );
    expect(released.status).toBe(200);
    await waitFor(() => events.some((e) => e.type === 'io.vigil.storm-guard.released'), {
      timeoutMs: STALL_MS,
      what: 'storm-guard.released at the sink',
    });
    await scrape();
  }, 300_000);

  it('every documented event arrived, and every metric a Prometheus rule in deploy/ names moved', () => {
    expect(types()).toEqual(
      expect.arrayContaining([
        'incident.opened',
        'incident.fencing',
        'incident.fenced',
        'incident.fencing-failed',
        'incident.evacuating',
        'incident.recovered',
        'host.reinstated',
        'storm-guard.engaged',
        'storm-guard.released',
      ]),
    );
    /** A family moved when some sample of it changed between two scrapes, or a counter is above 0. */
    const movedFamily = (family: string): boolean => {
      const series = new Set(
        scrapes.flatMap((s) => [...s.keys()].filter((k) => k === family || k.startsWith(`${family}{`))),
      );
      return [...series].some((k) => {
        const values = scrapes.map((s) => s.get(k));
        return new Set(values).size > 1 || (family.endsWith('_total') && (values.at(-1) ?? 0) > 0);
      });
    };
    // Counted only when a scrape-time collector fails or hangs (health.int-spec makes one hang).
    const quietWhenHealthy = new Set(['vigil_scrape_errors_total']);
    const families = ruleFamilies();
    expect(families.length).toBeGreaterThan(5);
    // vigil_leader is 1 from the first scrape of a single replica: present is what the rules need.
    const still = families.filter(
      (f) =>
        !quietWhenHealthy.has(f) &&
        !movedFamily(f) &&
        !(f === 'vigil_leader' && scrapes.at(-1)?.get(f) === 1),
    );
    expect(still).toEqual([]);
  });
});
