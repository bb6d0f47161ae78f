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
      replays: [false, false, false],
    },
    { name: 'same seq again is a replay', steps: [sighting(3), sighting(3)], replays: [false, true] },
    { name: 'lower seq is a replay', steps: [sighting(3), sighting(2)], replays: [false, true] },
    {
      name: 'monitor restart (new runId) resets seq',
      steps: [sighting(9), sighting(1, 'b1', 'r2')],
      replays: [false, false],
    },
    {
      name: 'reboot (new bootId) resets seq',
      steps: [sighting(9), sighting(1, 'b2', 'r1')],
      replays: [false, false],
    },
  ])('$name', ({ steps, replays }) => {
    const ledger = new HeartbeatLedger();
    expect(
      steps.map((s) => {
        const replay = ledger.isReplay('h', s);
        if (!replay) ledger.record('h', s);
        return replay;
      }),
    ).toEqual(replays);
  });

  it('keeps the latest admitted sighting even when admissions are recorded out of order', () => {
    const ledger = new HeartbeatLedger();
    ledger.record('a', sighting(2));
    ledger.record('a', sighting(1));
    ledger.record('b', sighting(1));
    expect(ledger.latestSightings().get('a')?.seq).toBe(2);
    expect(ledger.latestSightings().get('b')?.seq).toBe(1);
    ledger.record('a', sighting(1, 'b1', 'r2'));
    expect(ledger.latestSightings().get('a')?.runId).toBe('r2');
  });
});
