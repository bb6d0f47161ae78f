/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON walked by the assertions; each shape is asserted with toEqual. */
import { HostService, NotificationService } from '../../apps/controller/src/inventory';
import {
  hostBody as host,
  hostsPath,
  notificationBody as notification,
  segmentBody as segment,
  useMasakariApi,
  type Reply,
} from './support/masakari-api';

// Masakari v1 notifications after intake: "in use" conflicts, disabled segments, list filters and
// paging, and the engine-facing service API behind recovery_workflow_details (1.1) and vmoves (1.3).
const PREFIX = 'itest-notif-life:';

describe('Masakari notification lifecycle', () => {
  const api = useMasakariApi({
    name: 'notif-life',
    keyPrefix: PREFIX,
    maxListLimit: 50,
    // The API and store alone: the engine would act on these notifications (observe mode).
    recoveryEnabled: false,
    computeHosts: ['cmp-01', 'cmp-02', 'cmp-03', 'cmp-04'],
  });
  const { call } = api;

  const service = (): NotificationService => api.controller.app.get(NotificationService);

  /** A segment with hosts cmp-01 and cmp-02; returns their uuids. */
  async function setup(segmentExtra: Record<string, unknown> = {}) {
    const seg = (await call('POST', '/v1/segments', segment('rack-a', segmentExtra), { version: '1.2' })).body
      .segment;
    const h1 = (await call('POST', hostsPath(seg.uuid), host('cmp-01'))).body.host;
    const h2 = (await call('POST', hostsPath(seg.uuid), host('cmp-02'))).body.host;
    return { seg, h1, h2 };
  }

  it('makes the segment "in use" while a notification is new/running/error', async () => {
    const { seg, h1, h2 } = await setup();
    const n = (await call('POST', '/v1/notifications', notification('cmp-01'))).body.notification;
    const expectConflict = async (method: string, path: string, body?: unknown) => {
      const res = await call(method, path, body);
      expect(res.status).toBe(409);
      expect(res.body.conflictingRequest.message).toContain('in use');
    };
    for (const status of ['new', 'running', 'error'] as const) {
      await service().updateStatus(n.notification_uuid, status);
      await expectConflict('PUT', `/v1/segments/${seg.uuid}`, { segment: { description: 'x' } });
      await expectConflict('DELETE', `/v1/segments/${seg.uuid}`);
      await expectConflict('PUT', `${hostsPath(seg.uuid)}/${h2.uuid}`, { host: { on_maintenance: false } });
      await expectConflict('DELETE', `${hostsPath(seg.uuid)}/${h1.uuid}`);
    }
    // The engine itself may still flip the flags of hosts it is recovering.
    const flipped = await api.controller.app
      .get(HostService)
      .setRecoveryFlags(h1.uuid, { on_maintenance: true, reserved: false });
    expect(flipped.on_maintenance).toBe(true);
    expect((await call('GET', `/v1/segments/${seg.uuid}`)).body.segment.description).toBeNull();

    await service().updateStatus(n.notification_uuid, 'finished');
    expect(
      (await call('PUT', `${hostsPath(seg.uuid)}/${h1.uuid}`, { host: { on_maintenance: false } })).status,
    ).toBe(200);
    expect((await call('DELETE', `/v1/segments/${seg.uuid}`)).status).toBe(204);
  });

  it('stores notifications of a disabled segment as ignored, leaving the segment usable', async () => {
    const { seg } = await setup({ enabled: false });
    const res = await call('POST', '/v1/notifications', notification('cmp-01'));
    expect(res.status).toBe(202);
    expect(res.body.notification.status).toBe('ignored');
    expect(
      (await call('PUT', `/v1/segments/${seg.uuid}`, { segment: { description: 'still editable' } })).status,
    ).toBe(200);
  });

  it('filters by status, type, source host and generated-since, and pages', async () => {
    const { h2 } = await setup();
    const a = (await call('POST', '/v1/notifications', notification('cmp-01'))).body.notification;
    const b = (
      await call(
        'POST',
        '/v1/notifications',
        notification('cmp-02', { generated_time: '2024-05-02T00:00:00' }),
      )
    ).body.notification;
    const c = (
      await call(
        'POST',
        '/v1/notifications',
        notification('cmp-01', {
          type: 'PROCESS',
          generated_time: '2024-05-03T00:00:00',
          payload: { process_name: 'libvirtd', event: 'STOPPED' },
        }),
      )
    ).body.notification;
    await service().updateStatus(a.notification_uuid, 'finished');
    const ids = (r: Reply) => r.body.notifications.map((n: { id: number }) => n.id);
    expect(ids(await call('GET', '/v1/notifications?status=new&sort_key=id&sort_dir=asc'))).toEqual([
      b.id,
      c.id,
    ]);
    expect(ids(await call('GET', '/v1/notifications?type=PROCESS'))).toEqual([c.id]);
    expect(ids(await call('GET', '/v1/notifications?type=NOPE'))).toEqual([]);
    expect(ids(await call('GET', `/v1/notifications?source_host_uuid=${h2.uuid}`))).toEqual([b.id]);
    expect(
      ids(
        await call(
          'GET',
          '/v1/notifications?generated-since=2024-05-02T00:00:00Z&sort_key=generated_time&sort_dir=asc',
        ),
      ),
    ).toEqual([b.id, c.id]);
    const page = await call('GET', '/v1/notifications?sort_key=generated_time&limit=2');
    expect(ids(page)).toEqual([c.id, b.id]);
    expect(ids(await call('GET', `/v1/notifications?sort_key=generated_time&marker=${b.id}`))).toEqual([
      a.id,
    ]);
    expect((await call('GET', '/v1/notifications?generated-since=never')).status).toBe(400);
    expect((await call('GET', '/v1/notifications?sort_key=payload')).status).toBe(400);
  });

  it('exposes recovery progress at 1.1 and vmoves only at 1.3', async () => {
    await setup();
    const n = (await call('POST', '/v1/notifications', notification('cmp-01'))).body.notification;
    const detail = {
      name: 'DisableComputeServiceTask',
      state: 'SUCCESS',
      progress: 1,
      progress_details: [{ timestamp: '2024-05-01 10:02:13.000000', progress: '1.0', message: 'disabled' }],
    };
    await service().updateStatus(n.notification_uuid, 'running', [detail]);
    const show = await call('GET', `/v1/notifications/${n.notification_uuid}`, undefined, { version: '1.1' });
    expect(show.body.notification).toMatchObject({ status: 'running', recovery_workflow_details: [detail] });

    const vmove = await service().recordVmove(n.notification_uuid, {
      instance_uuid: '1b1a1f30-5f4c-4f59-9b1e-8b1d2d6f0c11',
      instance_name: 'vm-1',
      source_host: 'cmp-01',
      dest_host: null,
      start_time: '2024-05-01T10:02:14.000000',
      end_time: null,
      type: 'evacuation',
      status: 'ongoing',
      message: null,
    });
    await service().recordVmove(n.notification_uuid, { ...vmove, dest_host: 'cmp-02', status: 'succeeded' });
    const vmovesPath = `/v1/notifications/${n.notification_uuid}/vmoves`;
    const old = await call('GET', vmovesPath, undefined, { version: '1.2' });
    expect(old.status).toBe(404);
    expect(old.body.text).toContain('404 Not Found');
    const list = await call('GET', vmovesPath, undefined, { version: '1.3' });
    expect(list.status).toBe(200);
    expect(list.body.vmoves).toEqual([
      expect.objectContaining({
        uuid: vmove.uuid,
        dest_host: 'cmp-02',
        status: 'succeeded',
        type: 'evacuation',
      }),
    ]);
    const one = await call('GET', `${vmovesPath}/${vmove.uuid}`, undefined, { version: '1.3' });
    expect(one.body.vmove).toEqual(list.body.vmoves[0]);
    expect((await call('GET', `${vmovesPath}/nope`, undefined, { version: '1.3' })).status).toBe(404);
  });

  it('lets the engine replace progress and vmoves idempotently, and records who raised a notification', async () => {
    await setup();
    const svc = service();
    const created = await svc.create(
      {
        type: 'COMPUTE_HOST',
        hostname: 'cmp-02',
        generatedAt: new Date('2024-05-01T10:00:00Z'),
        payload: { event: 'STOPPED', host_status: 'NORMAL' },
      },
      { origin: 'vigil-detection' },
    );
    expect(created).toMatchObject({ status: 'new', origin: 'vigil-detection', source_host_name: 'cmp-02' });
    const id = created.notification_uuid;
    const step = (state: string) => ({
      name: 'PowerOffTask',
      state,
      progress: state === 'SUCCESS' ? 1 : 0.5,
      progress_details: [],
    });
    await svc.replaceWorkflowDetails(id, [step('RUNNING')]);
    await svc.replaceWorkflowDetails(id, [step('SUCCESS')]);
    await svc.replaceWorkflowDetails(id, [step('SUCCESS')]);
    const move = {
      uuid: '0c7d2b1e-1111-4222-8333-444455556666',
      instance_uuid: '1b1a1f30-5f4c-4f59-9b1e-8b1d2d6f0c11',
      instance_name: 'vm-1',
      source_host: 'cmp-02',
      dest_host: null,
      start_time: null,
      end_time: null,
      type: 'evacuation' as const,
      status: 'pending' as const,
      message: null,
    };
    const [first] = await svc.replaceVmoves(id, [move]);
    const [second] = await svc.replaceVmoves(id, [{ ...move, status: 'succeeded', dest_host: 'cmp-01' }]);
    expect(second).toMatchObject({ id: first?.id, created_at: first?.created_at, status: 'succeeded' });

    const show = await call('GET', `/v1/notifications/${id}`, undefined, { version: '1.3' });
    expect(show.body.notification.recovery_workflow_details).toEqual([step('SUCCESS')]);
    // Internal fields stay out of Masakari's view.
    expect(show.body.notification).not.toHaveProperty('origin');
    expect(show.body.notification).not.toHaveProperty('source_host_name');
    const vmoves = await call('GET', `/v1/notifications/${id}/vmoves`, undefined, { version: '1.3' });
    expect(vmoves.body.vmoves).toEqual([
      expect.objectContaining({ uuid: move.uuid, status: 'succeeded', dest_host: 'cmp-01' }),
    ]);
  });
});
