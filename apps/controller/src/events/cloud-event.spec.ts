import { createHmac } from 'node:crypto';
import { isRetryableStatus, retryDelayMs, signEventBody, toCloudEvent } from './cloud-event';

describe('toCloudEvent', () => {
  it('builds a CloudEvents 1.0 structured event with the host as subject', () => {
    const time = new Date('2026-01-02T03:04:05.000Z');
    expect(
      toCloudEvent(
        { type: 'incident.fenced', host: 'cmp-01', incidentId: 'inc-1', data: { driver: 'ipmitool' }, time },
        '/vigil/ctl',
        'id-1',
      ),
    ).toEqual({
      specversion: '1.0',
      id: 'id-1',
      source: '/vigil/ctl',
      type: 'io.vigil.incident.fenced',
      time: '2026-01-02T03:04:05.000Z',
      subject: 'cmp-01',
      datacontenttype: 'application/json',
      data: { host: 'cmp-01', incidentId: 'inc-1', driver: 'ipmitool' },
    });
  });
});

describe('toCloudEvent data', () => {
  it('never lets details contradict the subject or the incident id', () => {
    const e = toCloudEvent(
      {
        type: 'incident.opened',
        host: 'cmp-01',
        incidentId: 'inc-1',
        data: { host: 'x', incidentId: 'y', n: 1 },
      },
      '/v',
    );
    expect(e.data).toEqual({ host: 'cmp-01', incidentId: 'inc-1', n: 1 });
  });
});

describe('signEventBody', () => {
  it('is the hex HMAC-SHA256 of the exact body', () => {
    const body = '{"a":1}';
    const expected = createHmac('sha256', 'k'.repeat(16)).update(body).digest('hex');
    expect(signEventBody('k'.repeat(16), body)).toBe(`sha256=${expected}`);
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [500, true],
    [503, true],
    [408, true],
    [429, true],
    [400, false],
    [404, false],
    [410, false],
  ])('%i → %s', (status, retry) => {
    expect(isRetryableStatus(status)).toBe(retry);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 0.5, 750],
    [2, 0.5, 1500],
    [3, 0.5, 3000],
    [10, 0.5, 45_000],
    [1, 0, 500],
    [1, 1, 1000],
    [10, 1, 60_000],
  ])('attempt %i, random %f → %i ms', (attempt, random, expected) => {
    expect(retryDelayMs(attempt, 1000, 60_000, () => random)).toBe(expected);
  });
});
