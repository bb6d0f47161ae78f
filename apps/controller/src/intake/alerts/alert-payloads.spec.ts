import { alertmanagerPayloadSchema, describeProblem, parseRfc3339 } from './alert-payloads';

describe('parseRfc3339 (Go time.Time JSON)', () => {
  it.each<[string, number | undefined]>([
    ['2024-05-01T10:01:30.123Z', Date.UTC(2024, 4, 1, 10, 1, 30, 123)],
    ['2024-05-01T10:01:30.123456789Z', Date.UTC(2024, 4, 1, 10, 1, 30, 123)],
    ['2024-05-01T10:01:30Z', Date.UTC(2024, 4, 1, 10, 1, 30)],
    ['2024-05-01T12:01:30.5+02:00', Date.UTC(2024, 4, 1, 10, 1, 30, 500)],
    ['0001-01-01T00:00:00Z', Date.parse('0001-01-01T00:00:00.000Z')],
    ['2024-05-01 10:01:30Z', undefined],
    ['yesterday', undefined],
    ['2024-13-45T10:01:30Z', undefined],
  ])('%s', (input, expected) => {
    expect(parseRfc3339(input)).toBe(expected);
  });
});

describe('describeProblem', () => {
  it('is the same for the same mistake in different alerts, so it is logged once', () => {
    const body = (i: number) => ({ version: '4', alerts: [{}, {}].slice(0, i + 1) });
    const a = alertmanagerPayloadSchema.safeParse(body(0));
    const b = alertmanagerPayloadSchema.safeParse(body(1));
    expect(a.success || b.success).toBe(false);
    if (a.success || b.success) return;
    expect(describeProblem(a.error)).toBe(describeProblem(b.error));
    expect(describeProblem(a.error)).toContain('alerts.[].fingerprint');
  });
});
