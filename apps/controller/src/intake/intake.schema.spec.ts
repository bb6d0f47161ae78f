import { heartbeatBodySchema, instanceEventBodySchema, isFormattableTime } from './intake.schema';

const event = {
  instance_uuid: '5f1c9a0e-0000-4000-8000-000000000001',
  vir_domain_event: 'STOPPED_FAILED',
  event: 'LIFECYCLE',
};

// Issue 19: a signed event with an unparseable time reached formatTimestamp and answered 500 (RangeError).
describe('instanceEventBodySchema generated_time', () => {
  it.each(['not-a-date', 1e20, '1e20', -1e20, '+275760-09-13T00:00:00.000Z', '2024-13-45T99:99:99Z'])(
    'rejects %p',
    (generated_time) => {
      expect(instanceEventBodySchema.safeParse({ ...event, generated_time }).success).toBe(false);
    },
  );

  it.each(['2024-05-01T10:02:11Z', '2024-05-01T10:02:11.000000', '2024-05-01 10:02:11'])(
    'accepts %p',
    (generated_time) => {
      expect(instanceEventBodySchema.safeParse({ ...event, generated_time }).success).toBe(true);
    },
  );

  it('accepts only times Masakari can print with a four-digit year', () => {
    expect(isFormattableTime('9999-12-31T23:59:59Z')).toBe(true);
    expect(isFormattableTime('+010000-01-01T00:00:00Z')).toBe(false);
  });
});

describe('heartbeatBodySchema goingDown (the monitor last gasp)', () => {
  const heartbeat = {
    v: 1,
    host: 'cmp-01',
    bootId: 'boot',
    seq: 7,
    runId: 'run',
    monoMs: 1000,
    intervalMs: 1000,
    components: {},
  };

  it('accepts goingDown true, or none; anything else is a bad body', () => {
    expect(heartbeatBodySchema.parse({ ...heartbeat, goingDown: true }).goingDown).toBe(true);
    expect(heartbeatBodySchema.parse(heartbeat).goingDown).toBeUndefined();
    expect(heartbeatBodySchema.safeParse({ ...heartbeat, goingDown: false }).success).toBe(false);
    expect(heartbeatBodySchema.safeParse({ ...heartbeat, goingDown: 'yes' }).success).toBe(false);
  });
});
