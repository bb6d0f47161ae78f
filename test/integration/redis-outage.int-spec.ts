/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON walked by the assertions; each shape is asserted with toEqual. */
import { waitFor } from '@vigil/testing';
import { segmentBody as segment, useMasakariApi } from './support/masakari-api';

// Redis stopped under a running API: every inventory route answers 503 serviceUnavailable, then the API
// recovers by itself and nothing written before the outage is lost (append-only persistence).
describe('Masakari API during a Redis outage', () => {
  const api = useMasakariApi({
    name: 'outage',
    keyPrefix: 'itest-outage:',
    // The API and its store alone: the recovery engine would move these notifications on (observe mode).
    recoveryEnabled: false,
    auth: 'noauth',
    redis: { commandTimeoutMs: 500 },
    flushBeforeEach: false,
  });
  const { call } = api;

  const notification = {
    notification: {
      type: 'COMPUTE_HOST',
      hostname: 'cmp-01',
      generated_time: '2024-05-01T10:02:11',
      payload: { event: 'STOPPED', host_status: 'NORMAL' },
    },
  };

  it('answers 503 while Redis is down, then recovers with no data lost', async () => {
    // The command client connects in the background after boot.
    await waitFor(async () => (await call('GET', '/v1/segments')).status === 200, { what: 'API ready' });
    const seg = (await call('POST', '/v1/segments', segment('rack-a'))).body.segment;
    const host = (
      await call('POST', `/v1/segments/${seg.uuid}/hosts`, {
        host: { name: 'cmp-01', type: 'COMPUTE', control_attributes: 'SSH' },
      })
    ).body.host;
    const n = (await call('POST', '/v1/notifications', notification)).body.notification;
    expect([seg, host, n].every(Boolean)).toBe(true);

    await api.redis.server.stop();
    for (const [method, path, body] of [
      ['GET', '/v1/segments', undefined],
      ['GET', `/v1/segments/${seg.uuid}`, undefined],
      ['POST', '/v1/segments', segment('rack-b')],
      ['GET', `/v1/segments/${seg.uuid}/hosts`, undefined],
      [
        'POST',
        '/v1/notifications',
        { notification: { ...notification.notification, generated_time: '2024-05-02' } },
      ],
      ['GET', `/v1/notifications/${n.notification_uuid}`, undefined],
    ] as const) {
      const res = await call(method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 503 });
      expect(res.body).toEqual({
        serviceUnavailable: { code: 503, message: expect.stringContaining('Redis') },
      });
    }

    await api.redis.server.start();
    await waitFor(async () => (await call('GET', '/v1/segments')).status === 200, {
      what: 'API back after Redis start',
    });
    expect((await call('GET', `/v1/segments/${seg.uuid}`)).body.segment).toEqual(seg);
    expect((await call('GET', `/v1/segments/${seg.uuid}/hosts/${host.uuid}`)).body.host).toEqual(host);
    expect((await call('GET', `/v1/notifications/${n.notification_uuid}`)).body.notification).toEqual(n);
    // The write refused during the outage left nothing behind.
    expect((await call('GET', '/v1/segments')).body.segments.map((s: { name: string }) => s.name)).toEqual([
      'rack-a',
    ]);

    await api.redis.restart();
    await waitFor(async () => (await call('GET', '/v1/segments')).status === 200, {
      what: 'API back after restart',
    });
    expect((await call('GET', '/v1/notifications')).body.notifications).toEqual([n]);
    // Id counters survived too: the next segment does not reuse an id.
    const next = await call('POST', '/v1/segments', segment('rack-c'));
    expect(next.status).toBe(201);
    expect(next.body.segment.id).toBeGreaterThan(seg.id);
    // The duplicate window survived as well.
    expect((await call('POST', '/v1/notifications', notification)).status).toBe(409);
  });
});
