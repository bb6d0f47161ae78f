import { NotificationIncidentOpener } from '../../apps/controller/src/detection/adapters/inventory-adapters';
import { type Verdict } from '../../apps/controller/src/detection/model';
import { HostService, NotificationService } from '../../apps/controller/src/inventory';
import { hostBody, hostsPath, segmentBody, useMasakariApi } from './support/masakari-api';

// Detection's incident opener against the real inventory (Redis, Masakari's duplicate window): a
// repeated request for one failure answers that failure's incident, never a finished earlier one.
describe('detection incident opener', () => {
  const api = useMasakariApi({
    name: 'incident-opener',
    keyPrefix: 'itest-opener:',
    // The store alone: the engine would act on these notifications.
    recoveryEnabled: false,
    computeHosts: ['cmp-01'],
  });
  const notifications = (): NotificationService => api.controller.app.get(NotificationService);
  // The adapter over the controller's own inventory services (this API runs without detection).
  const opener = (): NotificationIncidentOpener =>
    new NotificationIncidentOpener(notifications(), api.controller.app.get(HostService));

  const failed = (generation: number, at: number): Verdict => ({
    host: 'cmp-01',
    segmentUuid: '',
    generation,
    at,
    reason: 'heartbeats stopped',
    evidence: {},
  });

  async function enrol(): Promise<{ segment: string; host: string }> {
    const seg = (await api.call('POST', '/v1/segments', segmentBody('rack-a'))).body as {
      segment: { uuid: string };
    };
    const host = (await api.call('POST', hostsPath(seg.segment.uuid), hostBody('cmp-01'))).body as {
      host: { uuid: string };
    };
    return { segment: seg.segment.uuid, host: host.host.uuid };
  }

  it('asked twice for one failure, answers the open incident it created the first time', async () => {
    await enrol();
    const now = Date.now();
    const first = await opener().openHostFailure('cmp-01', failed(1, now));
    const again = await opener().openHostFailure('cmp-01', failed(1, now + 1_000));
    expect(again).toBe(first);
  });

  it('a new failure inside the duplicate window after a finished incident opens a new incident', async () => {
    await enrol();
    const now = Date.now();
    const first = await opener().openHostFailure('cmp-01', failed(1, now));
    // Recovered; the operator returned the host by clearing on_maintenance by hand (not `reinstate`, which
    // forgets the duplicate digests), and it fails again a minute later, inside Masakari's 180 s window.
    await notifications().updateStatus(first, 'finished');
    const second = await opener().openHostFailure('cmp-01', failed(2, now + 60_000));
    expect(second).not.toBe(first);
    const record = await notifications().get(second);
    expect(record).toMatchObject({ status: 'new', origin: 'vigil-detection' });
  });

  it('a new failure of a host that heartbeated after its incident stopped in error opens a new incident', async () => {
    await enrol();
    const now = Date.now();
    const first = await opener().openHostFailure('cmp-01', failed(1, now));
    // Fencing failed (hung BMC): the incident waits in error for its periodic retry. The host comes
    // back, heartbeats, and fails again inside the duplicate window (chaos seed 3172460278).
    await notifications().updateStatus(first, 'error');
    await new Promise((r) => setTimeout(r, 20));
    const verdict = { ...failed(2, now + 30_000), evidence: { lastHeartbeatAt: Date.now() } };
    await new Promise((r) => setTimeout(r, 20));
    const second = await opener().openHostFailure('cmp-01', verdict);
    expect(second).not.toBe(first);
    expect(await notifications().get(second)).toMatchObject({ status: 'new', origin: 'vigil-detection' });
    // Asked again for that same failure: the new incident, not a third one.
    expect(await opener().openHostFailure('cmp-01', verdict)).toBe(second);
  });

  it('a host on maintenance with no open incident is refused, not answered with an old incident', async () => {
    const { segment, host } = await enrol();
    const first = await opener().openHostFailure('cmp-01', failed(1, Date.now()));
    await notifications().updateStatus(first, 'finished');
    const put = await api.call('PUT', `${hostsPath(segment)}/${host}`, { host: { on_maintenance: true } });
    expect(put.status).toBe(200);
    await expect(opener().openHostFailure('cmp-01', failed(2, Date.now()))).rejects.toThrow(
      /under maintenance/,
    );
  });
});
