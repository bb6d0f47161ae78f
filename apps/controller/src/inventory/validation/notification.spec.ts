import { ErrorCode, VigilError } from '@vigil/contracts';
import { parseNotificationCreate } from './notification';

const host = (payload: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  notification: {
    type: 'COMPUTE_HOST',
    hostname: 'cmp-01',
    generated_time: '2024-05-01T10:02:11.000000',
    payload,
    ...extra,
  },
});

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError && err.code === ErrorCode.BAD_REQUEST) return err.message;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('parseNotificationCreate', () => {
  it('parses a COMPUTE_HOST notification', () => {
    const n = parseNotificationCreate(
      host({ event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' }),
    );
    expect(n).toEqual({
      type: 'COMPUTE_HOST',
      hostname: 'cmp-01',
      generatedAt: new Date('2024-05-01T10:02:11.000Z'),
      payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
    });
  });

  it.each([
    ['PROCESS', { process_name: '/usr/sbin/libvirtd', event: 'STOPPED' }],
    [
      'VM',
      {
        instance_uuid: '1b1a1f30-5f4c-4f59-9b1e-8b1d2d6f0c11',
        vir_domain_event: 'STOPPED_FAILED',
        event: 'LIFECYCLE',
      },
    ],
  ])('accepts a %s payload', (type, payload) => {
    expect(parseNotificationCreate(host(payload, { type })).payload).toEqual(payload);
  });

  it.each([
    ['generated_time with offset', '2024-05-01T12:02:11+02:00', new Date('2024-05-01T10:02:11Z')],
    ['generated_time with Z', '2024-05-01T10:02:11Z', new Date('2024-05-01T10:02:11Z')],
  ])('accepts %s', (_case, generated_time, expected) => {
    expect(parseNotificationCreate(host({ event: 'STARTED' }, { generated_time })).generatedAt).toEqual(
      expected,
    );
  });

  it.each([
    [
      'unknown type',
      host({ event: 'STOPPED' }, { type: 'NETWORK' }),
      "'NETWORK' is not one of ['COMPUTE_HOST', 'VM', 'PROCESS']",
    ],
    ['hostname with a space', host({ event: 'STOPPED' }, { hostname: 'cmp 01' }), 'does not match'],
    [
      'bad generated_time',
      host({ event: 'STOPPED' }, { generated_time: 'yesterday' }),
      "'yesterday' is not a 'date-time'",
    ],
    ['impossible date', host({ event: 'STOPPED' }, { generated_time: '2024-02-30T00:00:00' }), 'date-time'],
    [
      'missing payload',
      { notification: { type: 'VM', hostname: 'h', generated_time: '2024-05-01T10:00:00' } },
      "'payload' is a required property",
    ],
    ['non-string payload value', host({ event: 5 }), "5 is not of type 'string'"],
    ['payload value over 255', host({ event: 'x'.repeat(256) }), 'is too long'],
    ['bad payload key', host({ 'bad/key': 'x' }), "'bad/key' was unexpected"],
    ['COMPUTE_HOST without event', host({ host_status: 'NORMAL' }), "'event' is a required property"],
    [
      'COMPUTE_HOST bad host_status',
      host({ event: 'STOPPED', host_status: 'WEIRD' }),
      "'WEIRD' is not one of ['NORMAL', 'UNKNOWN']",
    ],
    ['COMPUTE_HOST extra key', host({ event: 'STOPPED', foo: 'bar' }), "'foo' was unexpected"],
    [
      'PROCESS without process_name',
      host({ event: 'STOPPED' }, { type: 'PROCESS' }),
      "'process_name' is a required property",
    ],
    [
      'VM bad uuid',
      host({ instance_uuid: 'nope', vir_domain_event: 'A', event: 'B' }, { type: 'VM' }),
      "'nope' is not a 'uuid'",
    ],
    ['extra notification key', host({ event: 'STOPPED' }, { status: 'new' }), "'status' was unexpected"],
  ])('rejects %s', (_case, body, message) => {
    expect(rejection(() => parseNotificationCreate(body))).toContain(message);
  });
});
