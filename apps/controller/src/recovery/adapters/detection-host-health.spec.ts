import { type HeartbeatSighting, type HostRecord } from '../../detection/model';
import { returningHostHealth } from './detection-host-health';

const NOW = 1_000_000;
const record = (state: HostRecord['state'], extra: Partial<HostRecord> = {}): HostRecord => ({
  host: 'h',
  segmentUuid: 'seg',
  state,
  since: NOW - 5000,
  generation: 1,
  failedComponents: [],
  ...extra,
});
const heartbeat = (agoMs: number, components: HeartbeatSighting['components'] = {}): HeartbeatSighting => ({
  receivedAt: NOW - agoMs,
  bootId: 'b',
  runId: 'r',
  seq: 1,
  intervalMs: 1000,
  components,
});

describe('returningHostHealth', () => {
  it.each([
    { name: 'up: healthy since it came up', rec: record('up'), expected: NOW - 5000 },
    {
      name: 'in maintenance (Vigil recovered it) and heartbeating healthy',
      rec: record('maintenance', { healthySince: NOW - 2000 }),
      expected: NOW - 2000,
    },
  ])('$name', ({ rec, expected }) => {
    expect(returningHostHealth(rec, undefined, NOW)).toEqual({ healthy: true, since: expected });
  });

  it.each([
    { name: 'never heard', rec: undefined, hb: undefined, missing: 'no heartbeat from its host monitor yet' },
    {
      name: 'a component failed',
      rec: record('maintenance'),
      hb: heartbeat(100, { 'nova-compute': { state: 'failed', reason: 'inactive' }, ovs: { state: 'ok' } }),
      missing: 'its host monitor reports failed: nova-compute (inactive)',
    },
    {
      name: 'a silent monitor',
      rec: record('maintenance'),
      hb: heartbeat(42_000),
      missing: 'no recent heartbeat (last 42 s ago); detection holds it maintenance',
    },
    {
      name: 'a host still failed',
      rec: record('failed'),
      hb: heartbeat(9000),
      missing: 'no recent heartbeat (last 9 s ago); detection holds it failed',
    },
  ])('not healthy when $name, saying what is missing', ({ rec, hb, missing }) => {
    expect(returningHostHealth(rec, hb, NOW)).toEqual({ healthy: false, missing });
  });
});
