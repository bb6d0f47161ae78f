import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { LogCapture, startRedis, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { DEFAULT_ALERT_RULES } from '../../apps/controller/src/intake/alerts/alert-mapping';

// The shipped Alertmanager route (deploy/prometheus/alertmanager-receiver.yaml) against Vigil's
// built-in alert rules: every alert name a rule maps is routed to the vigil receiver, and a real
// Alertmanager v4 batch of those alerts (firing, then resolved) is accepted, none unmapped.
const TOKEN = 'route-test-bearer-token-0123456789';

interface Route {
  receiver: string;
  matchers?: string[];
}
const shipped = parse(
  readFileSync(join(__dirname, '../../deploy/prometheus/alertmanager-receiver.yaml'), 'utf8'),
) as { route: { routes: Route[] } };
const vigilRoutes = shipped.route.routes.filter((r) => r.receiver === 'vigil');

/** Alertmanager's matcher semantics: `=`, `!=`, `=~`, `!~`; regexes are anchored. */
function matches(matcher: string, labels: Record<string, string>): boolean {
  const m = /^(\w+)\s*(=~|!~|!=|=)\s*"(.*)"$/.exec(matcher);
  if (!m) throw new Error(`cannot read matcher ${matcher}`);
  const [, label, op, value] = m as unknown as [string, string, string, string];
  const actual = labels[label] ?? '';
  const re = new RegExp(`^(?:${value})$`);
  switch (op) {
    case '=':
      return actual === value;
    case '!=':
      return actual !== value;
    case '=~':
      return re.test(actual);
    default:
      return !re.test(actual);
  }
}
const routedToVigil = (labels: Record<string, string>): boolean =>
  vigilRoutes.some((r) => (r.matchers ?? []).every((m) => matches(m, labels)));

/** Concrete values a rule's regex matches: each alternative, groups expanded, `.*` filled in. */
function examples(re: string): string[] {
  const group = /\(([^()]*)\)/.exec(re);
  if (group) return group[1]!.split('|').flatMap((alt) => examples(re.replace(group[0], alt)));
  return re.split('|').map((alt) => alt.replace(/(\w)\?/g, '$1').replace(/\.\*/g, 'Sensor'));
}

const samples: Array<Record<string, string>> = DEFAULT_ALERT_RULES.flatMap((rule, i) => {
  const names = rule.matchRe['alertname'] ? examples(rule.matchRe['alertname']) : ['SensorCritical'];
  const jobs = rule.matchRe['job'] ? examples(rule.matchRe['job']) : [undefined];
  return names.flatMap((alertname) =>
    jobs.map((job) => ({ alertname, ...(job ? { job } : {}), host: `cmp-${String(i).padStart(2, '0')}` })),
  );
});

describe('the shipped Alertmanager route covers every alert Vigil maps', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'route-test:' },
      alerts: { auth: { bearerToken: TOKEN } },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'route', destination: new LogCapture() }),
    });
  });

  afterAll(async () => {
    await controller?.close();
    await redis?.stop();
  });

  it.each(samples.map((s) => [s.alertname, s.job ?? '-', s] as const))(
    'routes %s (job %s) to the vigil receiver',
    (_name, _job, labels) => {
      expect(routedToVigil(labels)).toBe(true);
    },
  );

  it('does not route alerts Vigil has no rule for', () => {
    expect(routedToVigil({ alertname: 'DiskFull', job: 'node', host: 'cmp-01' })).toBe(false);
  });

  it('accepts the routed alerts as an Alertmanager batch, firing then resolved, none unmapped', async () => {
    const routed = samples.filter(routedToVigil);
    const batch = (status: 'firing' | 'resolved') => ({
      version: '4',
      groupKey: '{}/{alertname=~"..."}:{}',
      truncatedAlerts: 0,
      status,
      receiver: 'vigil',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager.example:9093',
      alerts: routed.map((labels, i) => ({
        status,
        labels,
        annotations: { summary: `${labels.alertname} on ${labels.host}` },
        startsAt: '2026-12-05T23:50:00.000Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-12-05T23:59:00.000Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: `f${String(i).padStart(15, '0')}`,
      })),
    });
    for (const status of ['firing', 'resolved'] as const) {
      const res = await fetch(`${controller.url}/v1/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(batch(status)),
      });
      expect([status, res.status, await res.json()]).toEqual([
        status,
        200,
        { accepted: routed.length, duplicates: 0, unmapped: 0 },
      ]);
    }
  });
});
