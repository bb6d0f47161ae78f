import { type HeartbeatSighting } from '../detection/model';
import { HeartbeatLedger } from './heartbeat-ledger';

const sighting = (seq: number, bootId = 'b1', runId = 'r1'): HeartbeatSighting => ({
  receivedAt: 1000 + seq,
  bootId,
  runId,
  seq,
  intervalMs: 1000,
  components: {},
});

describe('HeartbeatLedger', () => {
  it.each([
    {
      name: 'increasing seq in one run',
      steps: [sighting(1), sighting(2), sighting(5)],
      results: ['accepted', 'accepted', 'accepted'],
    },
    {
      name: 'same seq again is a replay',
      steps: [sighting(3), sighting(3)],
      results: ['accepted', 'replay'],
    },
    { name: 'lower seq is a replay', steps: [sighting(3), sighting(2)], results: ['accepted', 'replay'] },
    {
      name: 'monitor restart (new runId) resets seq',
      steps: [sighting(9), sighting(1, 'b1', 'r2')],
      results: ['accepted', 'accepted'],
    },
    {
      name: 'reboot (new bootId) resets seq',
      steps: [sighting(9), sighting(1, 'b2', 'r1')],
      results: ['accepted', 'accepted'],
    },
  ])('$name', ({ steps, results }) => {
    const ledger = new HeartbeatLedger();
    expect(steps.map((s) => ledger.admit('h', s))).toEqual(results);
  });

  it('a seeded position from Redis rejects an old replay after a controller restart', () => {
    const ledger = new HeartbeatLedger();
    ledger.seed('h', { bootId: 'b1', runId: 'r1', seq: 7 });
    expect(ledger.admit('h', sighting(7))).toBe('replay');
    expect(ledger.admit('h', sighting(8))).toBe('accepted');
    ledger.seed('h', { bootId: 'b1', runId: 'r1', seq: 1 });
    expect(ledger.admit('h', sighting(8))).toBe('replay');
  });

  it('keeps the latest sighting and hands pending ones over once; a failed flush is restored', () => {
    const ledger = new HeartbeatLedger();
    ledger.admit('a', sighting(1));
    ledger.admit('a', sighting(2));
    ledger.admit('b', sighting(1));
    const batch = ledger.takePending();
    expect([...batch.keys()].sort()).toEqual(['a', 'b']);
    expect(batch.get('a')?.seq).toBe(2);
    expect(ledger.takePending().size).toBe(0);
    ledger.admit('a', sighting(3));
    ledger.restorePending(batch);
    const retry = ledger.takePending();
    expect(retry.get('a')?.seq).toBe(3);
    expect(retry.get('b')?.seq).toBe(1);
    expect(ledger.latestSightings().get('a')?.seq).toBe(3);
  });
});
