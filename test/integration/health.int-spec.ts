import { controllerConfigSchema, createLogger } from '@vigil/config';
import { createRedisClient } from '@vigil/redis';
import { LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { MetricsService } from '../../apps/controller/src/health/metrics.service';
import { VigilMetrics } from '../../apps/controller/src/health/vigil-metrics';
import { RecoveryLifecycle } from '../../apps/controller/src/recovery/recovery-lifecycle';

/** A strict reader of the Prometheus text format 0.0.4 (alerting.md §3): throws on any violation. */
interface Family {
  name: string;
  type: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const METRIC = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SAMPLE = /^([a-zA-Z_][a-zA-Z0-9_]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;

function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const familyOf = (sample: string, type: string | undefined): string => {
    for (const suffix of ['_bucket', '_sum', '_count'])
      if (sample.endsWith(suffix) && (type === 'histogram' || type === 'summary'))
        return sample.slice(0, -suffix.length);
    return sample;
  };
  const seen = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      if (!METRIC.test(name) || name.includes(':')) throw new Error(`bad metric name ${name}`);
      if (current && current.name !== name) closed.add(current.name);
      if (closed.has(name)) throw new Error(`family ${name} is not contiguous`);
      const family = families.get(name) ?? { name, type: 'untyped', samples: [] };
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
          throw new Error(`bad type ${rest}`);
        if (family.samples.length > 0) throw new Error(`TYPE after samples for ${name}`);
        family.type = rest;
      }
      families.set(name, family);
      current = family;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const [, sampleName = '', rawLabels = '', rawValue = ''] = m;
    const name = familyOf(sampleName, current?.type);
    if (!current || current.name !== name) throw new Error(`sample ${sampleName} outside its family`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let lm = LABEL.exec(rawLabels); lm; lm = LABEL.exec(rawLabels)) {
      labels[lm[1] ?? ''] = (lm[2] ?? '').replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      consumed = LABEL.lastIndex;
    }
    if (consumed !== rawLabels.length) throw new Error(`bad labels in ${line}`);
    const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : Number(rawValue);
    if (Number.isNaN(value) && rawValue !== 'NaN') throw new Error(`bad value in ${line}`);
    const key = `${sampleName}{${JSON.stringify(Object.entries(labels).sort())}}`;
    if (seen.has(key)) throw new Error(`duplicate sample ${key}`);
    seen.add(key);
    current.samples.push({ name: sampleName, labels, value });
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** Buckets cumulative with ascending `le`, a `+Inf` bucket equal to `_count`, per label set. */
function checkHistogram(f: Family): void {
  const groups = new Map<string, Array<{ le: number; value: number }>>();
  const counts = new Map<string, number>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name} bucket without le`);
      groups.set(key, [
        ...(groups.get(key) ?? []),
        { le: le === '+Inf' ? Infinity : Number(le), value: s.value },
      ]);
    } else if (s.name === `${f.name}_count`) counts.set(key, s.value);
  }
  for (const [key, buckets] of groups) {
    for (let i = 1; i < buckets.length; i++) {
      const [prev, cur] = [buckets[i - 1], buckets[i]];
      if (!prev || !cur || cur.le <= prev.le || cur.value < prev.value)
        throw new Error(`${f.name} buckets not cumulative`);
    }
    const last = buckets[buckets.length - 1];
    if (last?.le !== Infinity || last.value !== counts.get(key))
      throw new Error(`${f.name}: +Inf bucket != _count`);
  }
}

const value = (
  families: Map<string, Family>,
  family: string,
  sample: string,
  labels: Record<string, string> = {},
) =>
  families
    .get(family)
    ?.samples.find((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;

describe('health: /metrics, /healthz, /readyz (real Redis, real controller)', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'health-test:' },
      leadership: { leaseTtlMs: 1000, renewIntervalMs: 200 },
      health: { redisPingTimeoutMs: 300, collectorTimeoutMs: 100, queueStallMs: 1_000 },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'health', destination: logs }),
    });
  });

  afterAll(async () => {
    await controller?.close();
    await redis?.stop();
  });

  async function scrape(): Promise<Map<string, Family>> {
    const res = await fetch(`${controller.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(await res.text());
  }

  it('serves every Vigil metric family in valid Prometheus text format, with values the modules reported', async () => {
    const m = controller.app.get(VigilMetrics);
    m.heartbeatReceived('accepted');
    m.heartbeatReceived('accepted');
    m.heartbeatReceived('bad-signature');
    m.fencingAttempt('success', 4.2);
    m.evacuation('failure', 75);
    m.failureDetected(3.5);
    m.dependencyRequest('nova', 'timeout', 30);
    m.observeStormGuards(() => Promise.resolve({ 'segment-a': 1 }));
    m.observeHostStates(() => Promise.resolve({ up: 7, fenced: 1 }));
    m.observeIncidents(() => Promise.resolve({ byStatus: { running: 2 }, oldestRunningAgeSeconds: 42 }));
    m.observeQueueDepths('recovery', () => Promise.resolve({ 'recovery-evacuate': 5 }));
    m.observePacing(() => [{ scope: 'global', limit: 12, min: 1, max: 64 }]);
    m.pacingDecision('segment', 'down');

    const families = await scrape();
    const expected: Array<[string, string]> = [
      ['vigil_hosts', 'gauge'],
      ['vigil_heartbeats_received_total', 'counter'],
      ['vigil_detection_latency_seconds', 'histogram'],
      ['vigil_incidents', 'gauge'],
      ['vigil_incident_oldest_running_age_seconds', 'gauge'],
      ['vigil_fencing_attempts_total', 'counter'],
      ['vigil_fencing_duration_seconds', 'histogram'],
      ['vigil_evacuations_total', 'counter'],
      ['vigil_evacuation_duration_seconds', 'histogram'],
      ['vigil_queue_depth', 'gauge'],
      ['vigil_storm_guard_active', 'gauge'],
      ['vigil_leader', 'gauge'],
      ['vigil_recovery_concurrency_limit', 'gauge'],
      ['vigil_recovery_pacing_decisions_total', 'counter'],
      ['vigil_dependency_request_duration_seconds', 'histogram'],
      ['vigil_dependency_request_errors_total', 'counter'],
      ['vigil_alerts_received_total', 'counter'],
      ['vigil_event_deliveries_total', 'counter'],
      ['vigil_scrape_errors_total', 'counter'],
      ['vigil_process_cpu_seconds_total', 'counter'],
      ['vigil_nodejs_active_handles', 'gauge'],
    ];
    for (const [name, type] of expected) expect([name, families.get(name)?.type]).toEqual([name, type]);

    const v = (family: string, sample: string, labels?: Record<string, string>) =>
      value(families, family, sample, labels);
    // promtool check metrics: a counter ends in _total, nothing else does.
    for (const [name, family] of families)
      expect([name, family.type === 'counter']).toEqual([name, name.endsWith('_total')]);
    // Labelled counters exist at 0 from the first scrape, so increase() sees the first event.
    expect(
      v('vigil_alerts_received_total', 'vigil_alerts_received_total', {
        source: 'alertmanager',
        result: 'unauthorized',
      }),
    ).toBe(0);
    expect(v('vigil_fencing_attempts_total', 'vigil_fencing_attempts_total', { result: 'unverified' })).toBe(
      0,
    );
    expect(
      v('vigil_heartbeats_received_total', 'vigil_heartbeats_received_total', { result: 'accepted' }),
    ).toBe(2);
    expect(
      v('vigil_recovery_concurrency_limit', 'vigil_recovery_concurrency_limit', {
        scope: 'global',
        bound: 'current',
      }),
    ).toBe(12);
    expect(
      v('vigil_recovery_pacing_decisions_total', 'vigil_recovery_pacing_decisions_total', {
        scope_kind: 'segment',
        direction: 'down',
      }),
    ).toBe(1);
    expect(
      v('vigil_recovery_pacing_decisions_total', 'vigil_recovery_pacing_decisions_total', {
        scope_kind: 'incident',
        direction: 'up',
      }),
    ).toBe(0);
    expect(
      v('vigil_heartbeats_received_total', 'vigil_heartbeats_received_total', { result: 'bad-signature' }),
    ).toBe(1);
    expect(v('vigil_fencing_attempts_total', 'vigil_fencing_attempts_total', { result: 'success' })).toBe(1);
    expect(
      v('vigil_fencing_duration_seconds', 'vigil_fencing_duration_seconds_bucket', {
        result: 'success',
        le: '5',
      }),
    ).toBe(1);
    expect(
      v('vigil_fencing_duration_seconds', 'vigil_fencing_duration_seconds_bucket', {
        result: 'success',
        le: '2',
      }),
    ).toBe(0);
    expect(
      v('vigil_evacuation_duration_seconds', 'vigil_evacuation_duration_seconds_sum', { result: 'failure' }),
    ).toBe(75);
    expect(
      v('vigil_dependency_request_errors_total', 'vigil_dependency_request_errors_total', {
        service: 'nova',
        outcome: 'timeout',
      }),
    ).toBe(1);
    expect(v('vigil_hosts', 'vigil_hosts', { state: 'up' })).toBe(7);
    expect(v('vigil_incidents', 'vigil_incidents', { status: 'running' })).toBe(2);
    expect(v('vigil_incident_oldest_running_age_seconds', 'vigil_incident_oldest_running_age_seconds')).toBe(
      42,
    );
    expect(v('vigil_queue_depth', 'vigil_queue_depth', { queue: 'recovery-evacuate' })).toBe(5);
    expect(v('vigil_storm_guard_active', 'vigil_storm_guard_active', { scope: 'segment-a' })).toBe(1);
  });

  it('zeroes a state that emptied, and reports the leader gauge from the lease', async () => {
    const m = controller.app.get(VigilMetrics);
    m.observeHostStates(() => Promise.resolve({ up: 8 }));
    const families = await waitFor(
      async () => {
        const f = await scrape();
        return value(f, 'vigil_leader', 'vigil_leader') === 1 ? f : undefined;
      },
      { what: 'this single replica to lead' },
    );
    expect(value(families, 'vigil_hosts', 'vigil_hosts', { state: 'fenced' })).toBe(0);
    expect(value(families, 'vigil_hosts', 'vigil_hosts', { state: 'up' })).toBe(8);
  });

  it('does not wait for a hung collector: last values stay, the miss is counted and logged once', async () => {
    const metrics = controller.app.get(MetricsService);
    const m = controller.app.get(VigilMetrics);
    let release: () => void = () => undefined;
    const hung = new Promise<void>((r) => (release = r));
    m.observeHostStates(async () => {
      await hung;
      return { up: 1 };
    });
    try {
      const first = await scrape();
      expect(value(first, 'vigil_hosts', 'vigil_hosts', { state: 'up' })).toBe(8);
      expect(
        value(first, 'vigil_scrape_errors_total', 'vigil_scrape_errors_total', {
          collector: 'hosts',
          reason: 'timeout',
        }),
      ).toBe(1);
      const second = await scrape();
      expect(
        value(second, 'vigil_scrape_errors_total', 'vigil_scrape_errors_total', {
          collector: 'hosts',
          reason: 'timeout',
        }),
      ).toBe(2);
      expect(logs.linesContaining('metrics collector failed').length).toBe(1);
    } finally {
      release();
      metrics.unregisterCollector('hosts');
    }
  });

  it('/healthz answers 200 while the process runs', async () => {
    const res = await fetch(`${controller.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz: 200, then 503 naming redis while Redis is down, then 200 again', async () => {
    const readyz = async () => {
      const res = await fetch(`${controller.url}/readyz`);
      return {
        status: res.status,
        body: (await res.json()) as {
          status: string;
          failed: string[];
          checks: Record<string, { status: string; detail?: string }>;
        },
      };
    };
    const up = await waitFor(
      async () => {
        const r = await readyz();
        return r.status === 200 ? r : undefined;
      },
      { what: 'readiness' },
    );
    expect(up.body).toMatchObject({
      status: 'ready',
      failed: [],
      checks: { redis: { status: 'ok' }, leader: { status: 'ok' } },
    });
    expect(up.body.checks.queues).toEqual({
      status: 'ok',
      detail: 'recovery-incidents 0 waiting, recovery-evacuations 0 waiting',
    });

    await redis.server.stop();
    try {
      const down = await readyz();
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('not-ready');
      expect(down.body.failed).toContain('redis');
      expect(down.body.checks.redis?.status).toBe('failed');
      // Liveness does not depend on Redis.
      expect((await fetch(`${controller.url}/healthz`)).status).toBe(200);
    } finally {
      await redis.server.start();
    }
    const back = await waitFor(
      async () => {
        const r = await readyz();
        return r.status === 200 ? r : undefined;
      },
      { what: 'readiness after Redis restart' },
    );
    expect(back.body.failed).toEqual([]);
  });
});

describe('/readyz queues check on the real recovery queues', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  const prefix = 'queues-test:';

  beforeAll(async () => {
    redis = await startRedis();
    // Another replica holds the lease: this one never runs the workers, as if the leader's were stuck.
    const client = createRedisClient({ url: redis.url, password: redis.password }, 'blocking');
    await client.set(`${prefix}leader:lease`, 'other-replica|7', 'PX', 600_000);
    await client.quit();
    controller = await startController({
      config: controllerConfigSchema.parse({
        api: { port: 0 },
        auth: { strategy: 'noauth' },
        redis: { url: redis.url, password: redis.password, keyPrefix: prefix },
        leadership: { leaseTtlMs: 1000, renewIntervalMs: 100 },
        health: { queueStallMs: 1_000 },
      }),
      logger: createLogger({ name: 'queues', destination: new LogCapture() }),
    });
  });

  afterAll(async () => {
    await controller?.close();
    await redis?.stop();
  });

  const readyz = async () => {
    const res = await fetch(`${controller.url}/readyz`);
    return {
      status: res.status,
      body: (await res.json()) as {
        failed: string[];
        checks: { queues: { status: string; detail?: string } };
      },
    };
  };

  it('names the queue whose ready job does not start, and passes once the job ran', async () => {
    const runtime = controller.app.get(RecoveryLifecycle).runtime;
    if (!runtime) throw new Error('the recovery engine is not running');
    await runtime.queues.enqueue('host.reinstate', { host: 'no-such-host', requestId: 'queues-test' });
    const stuck = await waitFor(
      async () => {
        const r = await readyz();
        return r.status === 503 ? r.body : undefined;
      },
      { what: 'readiness failing on the queue nobody works' },
    );
    expect(stuck.failed).toEqual(['queues']);
    expect(stuck.checks.queues.detail).toMatch(/^recovery-incidents: oldest ready job \d+ s old$/);

    // The lease expires: this replica leads, its workers take the job, the queue moves again.
    const client = createRedisClient({ url: redis.url, password: redis.password }, 'blocking');
    await client.del(`${prefix}leader:lease`);
    await client.quit();
    const back = await waitFor(
      async () => {
        const r = await readyz();
        return r.status === 200 ? r.body : undefined;
      },
      { timeoutMs: 20_000, what: 'readiness once this replica leads and the job ran' },
    );
    // Started: it may wait again (delayed, counted as waiting), but it is no longer ready and idle.
    expect(back.checks.queues).toEqual({
      status: 'ok',
      detail: expect.stringMatching(/^recovery-incidents \d+ waiting, recovery-evacuations 0 waiting$/),
    });
  });
});
