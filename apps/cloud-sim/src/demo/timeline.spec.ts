import { formatOffset, timelineLines, TimelinePrinter } from './timeline';

describe('incident timeline', () => {
  const t0 = Date.parse('2026-01-01T10:00:00Z');
  const snapshot = {
    host: 'cmp-0001',
    hostState: {
      state: 'recovering',
      timeline: [
        { at: t0 + 3200, from: 'up', to: 'suspect', reason: 'no heartbeat for 3000 ms' },
        { at: t0 + 4300, from: 'suspect', to: 'failed', reason: 'nova down, bmc off' },
      ],
    },
    notification: {
      notification_uuid: 'n-1',
      type: 'COMPUTE_HOST',
      status: 'finished',
      created_at: '2026-01-01T10:00:04.400000',
      updated_at: '2026-01-01T10:00:09.000',
      recovery_workflow_details: [
        {
          name: 'FenceHostTask',
          state: 'SUCCESS',
          progress_details: [{ timestamp: t0 + 4500, message: 'power off verified' }],
        },
        {
          name: 'EvacuateInstancesTask',
          state: 'SUCCESS',
          progress_details: [{ timestamp: t0 + 5000, message: 'evacuate attempt 1' }],
        },
      ],
    },
    vmoves: [
      {
        instance_uuid: 'i-1',
        instance_name: 'vm-0001',
        source_host: 'cmp-0001',
        dest_host: 'cmp-0004',
        status: 'succeeded',
        start_time: '2026-01-01T10:00:06.000Z',
        end_time: '2026-01-01T10:00:08.000Z',
      },
      { instance_uuid: 'i-2', status: 'ongoing', end_time: null },
    ],
  };

  it('orders detection, workflow steps, moves and the end by time', () => {
    expect(timelineLines(snapshot).map((l) => [l.atMs - t0, l.text.split(/\s+/)[0]])).toEqual([
      [3200, 'detected'],
      [4300, 'confirmed'],
      [4400, 'incident'],
      [4500, 'fenced'],
      [6000, 'evacuate'],
      [8000, 'moved'],
      [9000, 'finished'],
    ]);
  });

  it('prints each step once, relative to the failure, and nothing from before it', () => {
    const printer = new TimelinePrinter(t0);
    const before = { at: t0 - 1000, from: 'unknown', to: 'up', reason: 'heartbeating' };
    const first = printer.next(
      timelineLines({
        ...snapshot,
        hostState: { ...snapshot.hostState, timeline: [before, ...snapshot.hostState.timeline] },
      }),
    );
    expect(first).toHaveLength(7);
    expect(first[0]).toBe('+   3.20s  detected   cmp-0001: no heartbeat for 3000 ms');
    expect(printer.next(timelineLines(snapshot))).toEqual([]);
  });

  it.each([
    [0, '+   0.00s'],
    [61_234, '+  61.23s'],
    [-500, '-   0.50s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatOffset(ms)).toBe(text);
  });
});
