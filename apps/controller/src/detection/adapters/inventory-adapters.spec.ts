import { heartbeatSince } from './inventory-adapters';
import { type Verdict } from '../model';

const verdict = (evidence: Record<string, unknown>): Verdict => ({
  host: 'h',
  segmentUuid: 's',
  generation: 2,
  reason: 'test',
  evidence,
  at: Date.UTC(2026, 11, 6, 5, 30, 0),
});
const openedAt = '2026-12-06T05:20:00.000000';
const opened = Date.UTC(2026, 11, 6, 5, 20, 0);

// Whether an open incident is this failure or one the host outlived (chaos seed 3172460278).
describe('heartbeatSince: the host heartbeated after the open notification was created', () => {
  it.each([
    {
      name: 'last heartbeat after the notification → an earlier failure',
      last: opened + 60_000,
      since: true,
    },
    {
      name: 'last heartbeat before it → this failure (a retry of the opening)',
      last: opened - 2_000,
      since: false,
    },
    {
      name: 'no last heartbeat (component failure on a live host) → keep the open one',
      last: undefined,
      since: false,
    },
    { name: 'unreadable last heartbeat → keep the open one', last: 'soon', since: false },
  ])('$name', ({ last, since }) => {
    expect(heartbeatSince(verdict(last === undefined ? {} : { lastHeartbeatAt: last }), openedAt)).toBe(
      since,
    );
  });
});
