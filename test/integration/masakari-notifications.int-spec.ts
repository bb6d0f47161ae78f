/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   Response bodies are untyped JSON walked by the assertions; each shape is asserted with toEqual. */
import { NotificationService } from '../../apps/controller/src/inventory';
import {
  hostBody as host,
  hostsPath,
  notificationBody as notification,
  segmentBody as segment,
  useMasakariApi,
} from './support/masakari-api';

// Masakari v1 notifications over the real app and a real redis-server: intake rules, duplicates,
// maintenance, "in use" conflicts, microversion-gated fields and the engine-facing service API.
const PREFIX = 'itest-notif:';

describe('Masakari notifications API', () => {
  const api = useMasakariApi({
    name: 'notif',
    keyPrefix: PREFIX,
    maxListLimit: 50,
    // The API and its store alone: the recovery engine would move these notifications on (observe mode).
    recoveryEnabled: false,
    computeHosts: ['cmp-01', 'cmp-02', 'cmp-03', 'cmp-04'],
  });
  const { call } = api;

  const storedNotificationCount = async (): Promise<number> =>
    api.redis.client().zcard(`${PREFIX}notification:ids`);
  const service = (): NotificationService => api.controller.app.get(NotificationService);

  /** A segment with hosts cmp-01 and cmp-02; returns their uuids. */
  async function setup(segmentExtra: Record<string, unknown> = {}) {
    const seg = (await call('POST', '/v1/segments', segment('rack-a', segmentExtra), { version: '1.2' })).body
      .segment;
    const h1 = (await call('POST', hostsPath(seg.uuid), host('cmp-01'))).body.host;
    const h2 = (await call('POST', hostsPath(seg.uuid), host('cmp-02'))).body.host;
    return { seg, h1, h2 };
  }

  it('accepts a notification with 202, status new, and shows it', async () => {
    const { h1 } = await setup();
    const res = await call('POST', '/v1/notifications', notification('cmp-01'));
    expect(res.status).toBe(202);
    const n = res.body.notification;
    expect(n).toEqual({
      id: expect.any(Number),
      notification_uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'COMPUTE_HOST',
      generated_time: '2024-05-01T10:02:11.000000',
      source_host_uuid: h1.uuid,
      payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
      status: 'new',
      created_at: expect.stringMatching(/\.\d{6}$/),
      updated_at: null,
      deleted_at: null,
      deleted: false,
    });
    expect((await call('GET', `/v1/notifications/${n.notification_uuid}`)).body.notification).toEqual(n);
    const at11 = await call('GET', `/v1/notifications/${n.notification_uuid}`, undefined, { version: '1.1' });
    // The recovery engine may already be acting on it: its steps show up here.
    expect(at11.body.notification).toEqual({ ...n, recovery_workflow_details: expect.any(Array) });
    expect((await call('GET', '/v1/notifications')).body.notifications).toEqual([n]);
  });

  it('answers 400 (not 404) to an unknown hostname and stores nothing', async () => {
    await setup();
    const res = await call('POST', '/v1/notifications', notification('cmp-77'));
    expect(res.status).toBe(400);
    expect(res.body.badRequest.message).toContain('cmp-77');
    expect(await storedNotificationCount()).toBe(0);
  });

  it.each([
    ['bad type', notification('cmp-01', { type: 'NETWORK' }), "'NETWORK' is not one of"],
    ['bad generated_time', notification('cmp-01', { generated_time: 'soon' }), "'soon' is not a 'date-time'"],
    [
      'COMPUTE_HOST payload without event',
      notification('cmp-01', { payload: { host_status: 'NORMAL' } }),
      "'event' is a required property",
    ],
    [
      'payload value not a string',
      notification('cmp-01', { payload: { event: 1 } }),
      "1 is not of type 'string'",
    ],
    [
      'payload extra key',
      notification('cmp-01', { payload: { event: 'STOPPED', x: 'y' } }),
      "'x' was unexpected",
    ],
    [
      'VM bad instance_uuid',
      notification('cmp-01', {
        type: 'VM',
        payload: { instance_uuid: 'x', vir_domain_event: 'a', event: 'b' },
      }),
      "'x' is not a 'uuid'",
    ],
    ['extra key', notification('cmp-01', { id: 3 }), "'id' was unexpected"],
  ])('answers 400 to %s and stores nothing', async (_case, body, message) => {
    await setup();
    const res = await call('POST', '/v1/notifications', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ badRequest: { code: 400, message: expect.stringContaining(message) } });
    expect(await storedNotificationCount()).toBe(0);
  });

  it('answers 409 to a duplicate inside the window, even after the first finished', async () => {
    await setup();
    const first = (await call('POST', '/v1/notifications', notification('cmp-01'))).body.notification;
    await service().updateStatus(first.notification_uuid, 'finished');
    const dup = await call(
      'POST',
      '/v1/notifications',
      notification('cmp-01', { generated_time: '2024-05-01T10:04:00' }),
    );
    expect(dup.status).toBe(409);
    expect(dup.body.conflictingRequest.code).toBe(409);
    expect(await storedNotificationCount()).toBe(1);
    // A different payload, another host, or a time past the 180 s window is not a duplicate.
    const other = notification('cmp-01', { payload: { event: 'STARTED' } });
    expect((await call('POST', '/v1/notifications', other)).status).toBe(202);
    expect((await call('POST', '/v1/notifications', notification('cmp-02'))).status).toBe(202);
    const later = notification('cmp-01', { generated_time: '2024-05-01T10:05:12' });
    expect((await call('POST', '/v1/notifications', later)).status).toBe(202);
    expect(await storedNotificationCount()).toBe(4);
  });

  it('serializes concurrent identical COMPUTE_HOST notifications: exactly one 202', async () => {
    await setup();
    const replies = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() => call('POST', '/v1/notifications', notification('cmp-01'))),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([202, 409, 409, 409, 409, 409]);
    expect(await storedNotificationCount()).toBe(1);
  });

  it('answers 409 for a host on maintenance and stores nothing', async () => {
    const { seg, h1 } = await setup();
    await call('PUT', `${hostsPath(seg.uuid)}/${h1.uuid}`, { host: { on_maintenance: true } });
    const res = await call(
      'POST',
      '/v1/notifications',
      notification('cmp-01', {
        type: 'PROCESS',
        payload: { process_name: 'nova-compute', event: 'STOPPED' },
      }),
    );
    expect(res.status).toBe(409);
    expect(res.body.conflictingRequest.message).toContain('maintenance');
    expect(await storedNotificationCount()).toBe(0);
  });

  it.each(['PUT', 'DELETE'])('answers 405 badMethod to %s on a notification', async (method) => {
    await setup();
    const n = (await call('POST', '/v1/notifications', notification('cmp-01'))).body.notification;
    const res = await call(
      method,
      `/v1/notifications/${n.notification_uuid}`,
      method === 'PUT' ? { notification: {} } : undefined,
    );
    expect(res.status).toBe(405);
    expect(res.body.badMethod.code).toBe(405);
    expect(await storedNotificationCount()).toBe(1);
  });

  it('answers 404 to unknown and non-UUID notification ids', async () => {
    expect((await call('GET', '/v1/notifications/not-a-uuid')).body.itemNotFound.code).toBe(404);
    expect((await call('GET', '/v1/notifications/5d1c6a3e-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('answers 403 to a valid notification from a non-admin, 400 to an invalid one', async () => {
    await setup();
    expect(
      (
        await call('POST', '/v1/notifications', notification('cmp-01', { type: 'X' }), {
          token: 'member-token',
        })
      ).status,
    ).toBe(400);
    expect(
      (await call('POST', '/v1/notifications', notification('cmp-01'), { token: 'member-token' })).status,
    ).toBe(403);
    expect(await storedNotificationCount()).toBe(0);
  });
});
