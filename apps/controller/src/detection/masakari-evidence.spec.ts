import { evidenceFromMasakariNotification } from './masakari-evidence';

describe('evidenceFromMasakariNotification', () => {
  it.each([
    { type: 'COMPUTE_HOST', payload: { event: 'STOPPED', host_status: 'NORMAL' }, evidence: true },
    { type: 'COMPUTE_HOST', payload: { event: 'STOPPED', host_status: 'UNKNOWN' }, evidence: false },
    { type: 'COMPUTE_HOST', payload: { event: 'STARTED', host_status: 'NORMAL' }, evidence: false },
    { type: 'VM', payload: { event: 'STOPPED', host_status: 'NORMAL' }, evidence: false },
    { type: 'PROCESS', payload: { event: 'STOPPED', process_name: 'nova-compute' }, evidence: false },
  ])('$type $payload → evidence $evidence', ({ type, payload, evidence }) => {
    const got = evidenceFromMasakariNotification(
      { type, hostname: 'h1', notification_uuid: 'n-1', payload },
      42,
    );
    expect(got).toEqual(
      evidence ? { kind: 'masakari-host-stopped', at: 42, notificationId: 'n-1' } : undefined,
    );
  });
});
