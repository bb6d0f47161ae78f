import { controllerConfigSchema, createLogger } from '@vigil/config';
import { LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { AlertEvidenceSinks } from '../../apps/controller/src/intake/alerts/alert-evidence-sinks';
import { type AlertEvidence, type EvidenceSink } from '../../apps/controller/src/intake/alerts/evidence-sink';

const TOKEN = 'alertmanager-bearer-token-0123456789';
const USER = 'alertmanager';
const PASSWORD = 'basic-password-9876543210';
const PREFIX = 'alerts-test:';
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Records what the alert intake hands on, besides detection's own sink. */
class RecordingSink implements EvidenceSink {
  readonly calls: AlertEvidence[] = [];
  failing = false;

  recordAlertEvidence(evidence: AlertEvidence): Promise<void> {
    if (this.failing) return Promise.reject(new Error('sink down'));
    this.calls.push(evidence);
    return Promise.resolve();
  }
}

interface AlertInput {
  status?: 'firing' | 'resolved';
  labels: Record<string, string>;
  fingerprint: string;
  startsAt?: string;
}

/** An Alertmanager v4 notification as alerting.md §1.2 shows it. */
function notification(
  alerts: AlertInput[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const full = alerts.map((a) => ({
    status: a.status ?? 'firing',
    labels: a.labels,
    annotations: { summary: `${a.labels.alertname ?? ''} fired` },
    startsAt: a.startsAt ?? '2026-05-01T10:01:30.123456789Z',
    endsAt: (a.status ?? 'firing') === 'firing' ? ZERO_TIME : '2026-05-01T10:09:00Z',
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
    fingerprint: a.fingerprint,
  }));
  return {
    version: '4',
    groupKey: '{}:{alertname="HostDown", host="cmp-01"}',
    truncatedAlerts: 0,
    status: full.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'vigil',
    groupLabels: { alertname: alerts[0]?.labels.alertname ?? '' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: full,
    ...overrides,
  };
}

const hostDown = (status: 'firing' | 'resolved' = 'firing'): AlertInput => ({
  status,
  labels: { alertname: 'HostDown', job: 'node', instance: 'cmp-01.example:9100', severity: 'critical' },
  fingerprint: '5f2a0c9be41d7a33',
});

describe('alert webhooks (real Redis, real controller, detection wired)', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  const sink = new RecordingSink();
  const logs = new LogCapture();

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: PREFIX },
      alerts: {
        auth: { bearerToken: TOKEN, username: USER, password: PASSWORD },
        hostAliases: { 'cmp-01.example': 'cmp-01' },
      },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'alerts', destination: logs }),
    });
    controller.app.get(AlertEvidenceSinks).add(sink);
  });

  afterAll(async () => {
    await controller?.close();
    await redis?.stop();
  });

  async function post(
    path: 'alertmanager' | 'generic',
    body: unknown,
    /** `null` sends no Authorization header. */
    authorization: string | null = `Bearer ${TOKEN}`,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${controller.url}/v1/webhooks/${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Alertmanager/0.25.0',
        ...(authorization ? { authorization } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** What detection stored for a host (its evidence list in Redis). */
  async function detectionEvidence(host: string): Promise<Array<{ kind: string; alertName: string }>> {
    const raw = await redis.client().lrange(`${PREFIX}det:evidence:${host}`, 0, -1);
    return raw.map((j) => JSON.parse(j) as { kind: string; alertName: string });
  }

  it('a firing HostDown becomes host-unreachable evidence for the aliased Nova host, once, however often it is delivered', async () => {
    const first = await post('alertmanager', notification([hostDown()]));
    expect(first).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, unmapped: 0 } });
    // Alertmanager re-sends the whole group every group_interval; an HA peer may send it too.
    const again = await post('alertmanager', notification([hostDown()]));
    await post('alertmanager', notification([hostDown()]));
    expect(again.body).toEqual({ accepted: 0, duplicates: 1, unmapped: 0 });

    expect(sink.calls).toEqual([
      {
        host: 'cmp-01',
        kind: 'host-unreachable',
        state: 'firing',
        source: 'alertmanager:HostDown',
        startsAt: Date.UTC(2026, 4, 1, 10, 1, 30, 123),
        labels: hostDown().labels,
      },
    ]);
    expect(await detectionEvidence('cmp-01')).toEqual([
      expect.objectContaining({ kind: 'alert-host-down', alertName: 'HostDown' }),
    ]);
  });

  it('a resolved alert withdraws the evidence once; a late firing of the same occurrence does not bring it back', async () => {
    sink.calls.length = 0;
    expect((await post('alertmanager', notification([hostDown('resolved')]))).body).toMatchObject({
      accepted: 1,
    });
    expect((await post('alertmanager', notification([hostDown('resolved')]))).body).toMatchObject({
      duplicates: 1,
    });
    expect((await post('alertmanager', notification([hostDown('firing')]))).body).toMatchObject({
      duplicates: 1,
    });
    expect(sink.calls.map((c) => [c.host, c.kind, c.state])).toEqual([
      ['cmp-01', 'host-unreachable', 'resolved'],
    ]);
    // A new occurrence (same label set, new startsAt) is a new failure.
    const next = { ...hostDown(), startsAt: '2026-05-01T11:00:00Z' };
    expect((await post('alertmanager', notification([next]))).body).toMatchObject({ accepted: 1 });
    expect(sink.calls.map((c) => c.state)).toEqual(['resolved', 'firing']);
  });

  it('a grouped notification maps each alert on its own and ignores alerts no rule knows', async () => {
    sink.calls.length = 0;
    const res = await post(
      'alertmanager',
      notification([
        {
          labels: {
            alertname: 'NovaComputeDown',
            hostname: 'cmp-02',
            service: 'nova-compute',
            adminState: 'enabled',
          },
          fingerprint: 'aa00000000000001',
        },
        {
          labels: { alertname: 'LibvirtDown', instance: 'cmp-03.example:9177' },
          fingerprint: 'aa00000000000002',
        },
        {
          labels: { alertname: 'DiskFull', instance: 'cmp-03.example:9100' },
          fingerprint: 'aa00000000000003',
        },
        {
          status: 'resolved',
          labels: { alertname: 'OvsDown', host: 'cmp-04' },
          fingerprint: 'aa00000000000004',
        },
      ]),
    );
    expect(res).toEqual({ status: 200, body: { accepted: 3, duplicates: 0, unmapped: 1 } });
    expect(sink.calls.map((c) => [c.host, c.kind, c.state]).sort()).toEqual([
      ['cmp-02', 'nova-compute-down', 'firing'],
      ['cmp-03.example', 'libvirt-down', 'firing'],
      ['cmp-04', 'ovs-down', 'resolved'],
    ]);
    // Component alerts are not "host down" for detection: nothing recorded there.
    expect(await detectionEvidence('cmp-02')).toEqual([]);
  });

  it('rejects malformed payloads with 400, logging each distinct problem once', async () => {
    sink.calls.length = 0;
    const broken = notification([hostDown()]);
    const alerts = broken.alerts as Array<Record<string, unknown>>;
    delete alerts[0]?.fingerprint;
    for (let i = 0; i < 3; i++) {
      const res = await post('alertmanager', broken);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('fingerprint');
    }
    expect(logs.linesContaining('malformed alertmanager webhook payload')).toHaveLength(1);
    expect(
      (await post('alertmanager', notification([{ ...hostDown(), startsAt: 'yesterday' }]))).status,
    ).toBe(400);
    expect((await post('alertmanager', '{"version": "4", ')).status).toBe(400);
    expect((await post('alertmanager', notification([], {}))).status).toBe(400);
    expect(sink.calls).toEqual([]);
  });

  it('counts a body that is not JSON as malformed (it never reaches the webhook)', async () => {
    const malformed = async (): Promise<number> => {
      const text = await (await fetch(`${controller.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('vigil_alerts_received_total{source="alertmanager",result="malformed"} '));
      return Number(line?.split(' ')[1]);
    };
    const before = await malformed();
    expect((await post('alertmanager', 'not json at all')).status).toBe(400);
    expect(await malformed()).toBe(before + 1);
  });

  it('rejects an unknown payload version with 400', async () => {
    const res = await post('alertmanager', notification([hostDown()], { version: '5' }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('version');
    expect(sink.calls).toEqual([]);
  });

  it('answers 401 to a wrong or missing bearer token and accepts HTTP basic auth', async () => {
    const fresh = (fp: string): Record<string, unknown> =>
      notification([{ labels: { alertname: 'HostDown', host: 'cmp-05' }, fingerprint: fp }]);
    expect((await post('alertmanager', fresh('bb00000000000001'), 'Bearer wrong-token')).status).toBe(401);
    expect((await post('alertmanager', fresh('bb00000000000001'), null)).status).toBe(401);
    const badBasic = `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}`;
    expect((await post('alertmanager', fresh('bb00000000000001'), badBasic)).status).toBe(401);
    expect(sink.calls.filter((c) => c.host === 'cmp-05')).toEqual([]);

    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    expect((await post('alertmanager', fresh('bb00000000000001'), basic)).body).toMatchObject({
      accepted: 1,
    });
    expect(sink.calls.filter((c) => c.host === 'cmp-05').map((c) => c.kind)).toEqual(['host-unreachable']);
  });

  it('generic webhook: same auth, validated body, deduplicated by (id, state)', async () => {
    sink.calls.length = 0;
    const body = { host: 'cmp-06', kind: 'bmc-alert', state: 'firing', source: 'zabbix', id: 'evt-1' };
    expect((await post('generic', body, null)).status).toBe(401);
    expect((await post('generic', body)).body).toEqual({ accepted: 1, duplicates: 0, unmapped: 0 });
    expect((await post('generic', body)).body).toEqual({ accepted: 0, duplicates: 1, unmapped: 0 });
    expect((await post('generic', { ...body, state: 'resolved' })).body).toMatchObject({ accepted: 1 });
    expect((await post('generic', { ...body, kind: 'reboot' })).status).toBe(400);
    expect(sink.calls.map((c) => [c.host, c.kind, c.state, c.source])).toEqual([
      ['cmp-06', 'bmc-alert', 'firing', 'zabbix'],
      ['cmp-06', 'bmc-alert', 'resolved', 'zabbix'],
    ]);
  });

  it('answers 503 while evidence cannot be stored, and processes the retry afterwards (not as a duplicate)', async () => {
    sink.calls.length = 0;
    const alert = notification([
      { labels: { alertname: 'HostDown', host: 'cmp-07' }, fingerprint: 'cc00000000000001' },
    ]);
    await redis.server.stop();
    try {
      expect((await post('alertmanager', alert)).status).toBe(503);
    } finally {
      await redis.server.start();
    }
    const retried = await waitFor(
      async () => {
        const res = await post('alertmanager', alert);
        return res.status === 200 ? res : undefined;
      },
      { what: 'webhook back after Redis restart' },
    );
    expect(retried.body).toMatchObject({ accepted: 1 });

    // A sink failure releases the claim too.
    const other = notification([
      { labels: { alertname: 'HostDown', host: 'cmp-08' }, fingerprint: 'cc00000000000002' },
    ]);
    sink.failing = true;
    expect((await post('alertmanager', other)).status).toBe(503);
    sink.failing = false;
    expect((await post('alertmanager', other)).body).toMatchObject({ accepted: 1 });
    expect(sink.calls.map((c) => c.host)).toEqual(['cmp-07', 'cmp-08']);
  });

  it('never logs the webhook credentials', () => {
    expect(logs.text()).not.toContain(TOKEN);
    expect(logs.text()).not.toContain(PASSWORD);
    expect(logs.linesContaining('alert evidence recorded').length).toBeGreaterThan(0);
  });
});
