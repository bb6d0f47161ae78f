import { type Clock } from './clock';
import { HeartbeatBuilder } from './heartbeat-builder';

const clock: Clock = { nowMs: () => 1_700_000_000_000, monoMs: () => 1234.6, sleep: () => Promise.resolve() };

describe('HeartbeatBuilder', () => {
  const identity = { host: 'cmp-01', bootId: 'b00t', runId: 'r1' };

  it('numbers heartbeats from 1, carries identity, interval, monotonic time and components', () => {
    const builder = new HeartbeatBuilder(identity, 1000, clock);
    const first = builder.build({ libvirtd: { state: 'failed', reason: 'socket gone' } });
    const second = builder.build({ libvirtd: { state: 'ok' } });
    expect(first.heartbeat).toEqual({
      v: 1,
      host: 'cmp-01',
      bootId: 'b00t',
      runId: 'r1',
      seq: 1,
      monoMs: 1235,
      intervalMs: 1000,
      components: { libvirtd: { state: 'failed', reason: 'socket gone' } },
    });
    expect(second.heartbeat.seq).toBe(2);
    expect(JSON.parse(second.body)).toEqual(second.heartbeat);
  });

  it('includes peers only when given', () => {
    const builder = new HeartbeatBuilder(identity, 1000, clock);
    const peers = [{ host: 'cmp-02', reachable: false }];
    expect('peers' in builder.build({}).heartbeat).toBe(false);
    expect(builder.build({}, peers).heartbeat.peers).toEqual(peers);
  });
});
