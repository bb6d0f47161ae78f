import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { LogCapture, startRedis, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';

const deploy = join(__dirname, '../../deploy');
const read = (path: string): string => readFileSync(join(deploy, path), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * The deployment artifacts agree with the code they deploy: the example configuration boots, the
 * Prometheus rules only name metrics a real controller exposes, the Alertmanager receiver points at
 * the real webhook route, and the Kubernetes probes hit the real health routes.
 */
describe('deploy/ artifacts against a real controller', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  let exposition = '';

  beforeAll(async () => {
    redis = await startRedis();
    controller = await startController({
      config: controllerConfigSchema.parse({
        api: { port: 0 },
        auth: { strategy: 'noauth' },
        redis: { url: redis.url, password: redis.password, keyPrefix: 'deploy-test:' },
      }),
      logger: createLogger({ name: 'deploy', destination: new LogCapture() }),
    });
    exposition = await (await fetch(`${controller.url}/metrics`)).text();
  });

  afterAll(async () => {
    await controller?.close();
    await redis?.stop();
  });

  it('deploy/controller.example.yaml is a valid configuration once secrets come from the environment', () => {
    const raw = parse(read('controller.example.yaml')) as Record<string, Record<string, unknown>>;
    // What VIGIL_KEYSTONE__PASSWORD would add.
    raw.keystone = { ...raw.keystone, password: 'from-the-environment' };
    const result = controllerConfigSchema.safeParse(raw);
    expect(result.success ? [] : result.error.issues).toEqual([]);
    // No secret is set in the file itself.
    const keys = JSON.stringify(parse(read('controller.example.yaml')));
    expect(keys).not.toMatch(/"(password|bearerToken|secret|encryptionKey|heartbeatMasterKey)"/);
  });

  it('every Prometheus rule is well-formed and names only metrics the controller exposes', () => {
    const doc = parse(read('prometheus/vigil-rules.yaml')) as {
      groups: Array<{ name: string; rules: Rule[] }>;
    };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'VigilControllerDown',
        'VigilNoLeader',
        'VigilStormGuardActive',
        'VigilIncidentStuck',
        'VigilFencingFailing',
        'VigilHeartbeatIntakeErrors',
      ]),
    );
    const families = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const rule of rules) {
      expect([rule.alert, typeof rule.expr, rule.labels?.severity]).toEqual([
        rule.alert,
        'string',
        expect.stringMatching(/^(critical|warning)$/),
      ]);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.for ?? '0m').toMatch(/^\d+[smh]$/);
      const unknown = [...rule.expr.matchAll(/\bvigil_[a-z0-9_]+/g)]
        .map((m) => m[0])
        .filter((n) => !families.has(n));
      expect([rule.alert, unknown]).toEqual([rule.alert, []]);
    }
  });

  it('the Alertmanager receiver posts to the real webhook route with send_resolved and bearer auth', async () => {
    const doc = parse(read('prometheus/alertmanager-receiver.yaml')) as {
      receivers: Array<{ name: string; webhook_configs?: Array<Record<string, unknown>> }>;
    };
    const hook = doc.receivers.find((r) => r.name === 'vigil')?.webhook_configs?.[0];
    expect(hook).toMatchObject({
      send_resolved: true,
      max_alerts: 0,
      http_config: { authorization: { type: 'Bearer' } },
    });
    const path = new URL(String(hook?.url)).pathname;
    // Without alerts.auth the route exists and says it is not configured (503), rather than 404.
    const res = await fetch(`${controller.url}${path}`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(503);
  });

  it('the Kubernetes manifests parse and their probes and scrape path hit the real routes', async () => {
    const docs = readdirSync(join(deploy, 'kubernetes'))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) =>
        parseAllDocuments(read(`kubernetes/${f}`)).map((d) => d.toJS() as Record<string, unknown>),
      );
    const kinds = docs.map((d) => d.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace',
        'ConfigMap',
        'Secret',
        'Deployment',
        'Service',
        'ServiceMonitor',
        'PodDisruptionBudget',
        'DaemonSet',
      ]),
    );
    const text = JSON.stringify(docs);
    const paths = [...new Set([...text.matchAll(/"path":"(\/[a-z]+)"/g)].map((m) => m[1]))];
    expect(paths.sort()).toEqual(['/healthz', '/metrics', '/readyz']);
    for (const path of ['/healthz', '/metrics'])
      expect((await fetch(`${controller.url}${path}`)).status).toBe(200);
    const deployment = docs.find((d) => d.kind === 'Deployment') as { spec: { replicas: number } };
    expect(deployment.spec.replicas).toBe(2);
    // The ConfigMap's controller.yaml is a valid configuration too (secrets from vigil-secrets).
    const cm = docs.find((d) => d.kind === 'ConfigMap') as { data: { 'controller.yaml': string } };
    const raw = parse(cm.data['controller.yaml']) as Record<string, Record<string, unknown>>;
    raw.keystone = { ...raw.keystone, password: 'from-the-secret' };
    const result = controllerConfigSchema.safeParse(raw);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });
});
