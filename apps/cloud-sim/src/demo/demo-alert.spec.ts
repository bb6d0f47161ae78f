import { AlertMapper, DEFAULT_ALERT_RULES } from '../../../controller/src/intake/alerts/alert-mapping';
import { alertmanagerPayloadSchema } from '../../../controller/src/intake/alerts/alert-payloads';
import { describeDelivery, hostDownBatch } from './demo-alert';

describe("the demo's Alertmanager batch", () => {
  it("is a version-4 webhook body the controller's schema accepts, a firing alert with a zero endsAt", () => {
    const parsed = alertmanagerPayloadSchema.parse(hostDownBatch('cmp-0003', Date.UTC(2026, 11, 6, 2, 0, 0)));
    expect(parsed.alerts).toHaveLength(1);
    expect(parsed.alerts[0]).toMatchObject({
      status: 'firing',
      startsAt: '2026-12-06T02:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
    });
    expect(parsed.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('maps through the built-in rules to host-unreachable evidence for the host (the port stripped)', () => {
    const labels = hostDownBatch('cmp-0003', 0).alerts as Array<{ labels: Record<string, string> }>;
    expect(new AlertMapper(DEFAULT_ALERT_RULES, {}).map(labels[0]?.labels ?? {})).toEqual({
      mapped: true,
      host: 'cmp-0003',
      kind: 'host-unreachable',
    });
  });

  it('is the same occurrence every time it is built for the same host and time (deduplicated by the controller)', () => {
    expect(hostDownBatch('cmp-0003', 5)).toEqual(hostDownBatch('cmp-0003', 5));
  });

  it('counts as delivered only when the webhook took exactly this one alert', () => {
    const ok = { status: 200, accepted: 1, duplicates: 0, unmapped: 0 };
    expect(describeDelivery('cmp-0003', ok).ok).toBe(true);
    expect(describeDelivery('cmp-0003', { ...ok, status: 503, accepted: 0 })).toMatchObject({ ok: false });
    expect(describeDelivery('cmp-0003', { ...ok, accepted: 0, unmapped: 1 }).text).toContain('NOT accepted');
  });
});
