import { detectionSchema } from '@vigil/config';
import { collectPeerWitnesses, fuseEvidence } from './evidence';
import { type DetectionPolicy, type Evidence, type HostObservation, type PeerSighting } from './model';
import {
  clockOffsetMaxMs,
  EMPTY_NOVA_LEDGER,
  judgeNovaReports,
  type NovaReportLedger,
  type NovaServiceReading,
  parseNovaTime,
  recordServiceList,
} from './nova-reports';

/**
 * Evidence × timing: every item is judged against the host's last heartbeat (LAST_HB, our clock).
 * Nova's clock runs NOVA_AHEAD_MS ahead of ours in every case: only Nova's timestamps among
 * themselves and the order of our own reads may matter, never the offset.
 */
const policy: DetectionPolicy = { ...detectionSchema.parse({}), minEvidence: 1 };
/** Global settings at their defaults: Nova's report_interval 10 s, tolerance 5 s. */
const settings = detectionSchema.parse({});
const LAST_HB = 1_000_000;
const NOVA_AHEAD_MS = 3_600_000 + 1234;

/** Nova's naive UTC for one of our-clock instants. */
const novaTime = (ours: number): string => new Date(ours + NOVA_AHEAD_MS).toISOString().replace('Z', '000');

/** Service lists read at our-clock times; `reports` = when (our clock) nova-compute of `h` last wrote before each read. */
function readLists(
  reads: Array<{ at: number; h?: number; other: number; forcedDown?: boolean; state?: string }>,
): NovaReportLedger {
  let ledger = EMPTY_NOVA_LEDGER;
  for (const r of reads) {
    const list: NovaServiceReading[] = [{ host: 'other', updatedAt: novaTime(r.other), state: 'up' }];
    if (r.h !== undefined)
      list.push({
        host: 'h',
        updatedAt: novaTime(r.h),
        state: r.state ?? 'up',
        forcedDown: r.forcedDown ?? false,
      });
    ledger = recordServiceList(ledger, list, r.at);
  }
  return ledger;
}

function target(extra: Partial<HostObservation> = {}): HostObservation {
  return {
    host: 'h',
    segmentUuid: 's',
    onMaintenance: false,
    segmentEnabled: true,
    heartbeat: {
      receivedAt: LAST_HB,
      bootId: 'b',
      runId: 'r',
      seq: 9,
      intervalMs: 1000,
      components: { 'nova-compute': { state: 'ok' } },
    },
    evidence: [],
    ...extra,
  };
}

function reporter(host: string, receivedAt: number, peers: PeerSighting[]): HostObservation {
  return {
    host,
    segmentUuid: 's',
    onMaintenance: false,
    segmentEnabled: true,
    heartbeat: { receivedAt, bootId: 'b', runId: 'r', seq: 1, intervalMs: 1000, components: {}, peers },
    evidence: [],
  };
}

function fuse(now: number, o: HostObservation, reporters: HostObservation[] = []) {
  const witnesses = collectPeerWitnesses(reporters, () => true).get('h') ?? [];
  return fuseEvidence({ observation: o, witnesses, policy, now, settings });
}

describe('parseNovaTime', () => {
  it.each([
    ['2024-05-01T10:00:03.000000', Date.UTC(2024, 4, 1, 10, 0, 3)],
    ['2024-05-01T10:00:03.123456', Date.UTC(2024, 4, 1, 10, 0, 3, 123)],
    ['2024-05-01 10:00:03', Date.UTC(2024, 4, 1, 10, 0, 3)],
    ['2024-05-01T10:00:03Z', Date.UTC(2024, 4, 1, 10, 0, 3)],
    ['yesterday', undefined],
    [undefined, undefined],
  ])('%s', (text, ms) => expect(parseNovaTime(text)).toBe(ms));
});

describe('Nova liveness from updated_at (Nova 1 h ahead of us)', () => {
  const cases: Array<{
    name: string;
    now: number;
    ledger: NovaReportLedger;
    says: string;
    nova?: boolean;
    mayBeAlive?: boolean;
  }> = [
    {
      name: 'one read after the silence, last report 2 s before the heartbeat → neutral (next report not yet due)',
      now: LAST_HB + 4000,
      ledger: readLists([{ at: LAST_HB + 3500, h: LAST_HB - 2000, other: LAST_HB + 3000 }]),
      says: 'neutral',
    },
    {
      name: 'updated_at advanced after a read made after the last heartbeat → alive (our path broke)',
      now: LAST_HB + 14_000,
      ledger: readLists([
        { at: LAST_HB + 3500, h: LAST_HB - 2000, other: LAST_HB + 3000 },
        { at: LAST_HB + 9000, h: LAST_HB + 8000, other: LAST_HB + 8500 },
      ]),
      says: 'alive',
    },
    {
      name: 'one read after the silence, report possibly written after the last heartbeat → neutral, may be alive',
      now: LAST_HB + 1800,
      ledger: readLists([{ at: LAST_HB + 1600, h: LAST_HB + 200, other: LAST_HB + 1500 }]),
      says: 'neutral',
      mayBeAlive: true,
    },
    {
      name: 'advance seen, but the previous read was before the last heartbeat → not alive evidence',
      now: LAST_HB + 4000,
      ledger: readLists([
        { at: LAST_HB - 500, h: LAST_HB - 8000, other: LAST_HB - 600 },
        { at: LAST_HB + 3500, h: LAST_HB - 1000, other: LAST_HB + 3000 },
      ]),
      says: 'neutral',
    },
    {
      name: 'no report for cadence + tolerance after the last one → dead, while state still says up',
      now: LAST_HB + 14_000,
      ledger: readLists([
        { at: LAST_HB + 3500, h: LAST_HB - 2000, other: LAST_HB + 3000 },
        { at: LAST_HB + 13_500, h: LAST_HB - 2000, other: LAST_HB + 13_000 },
      ]),
      says: 'dead',
    },
    {
      name: 'learnt cadence (2 s steps) makes a missed report dead sooner than the 10 s fallback',
      now: LAST_HB + 8000,
      ledger: readLists([
        { at: LAST_HB - 3900, h: LAST_HB - 4000, other: LAST_HB - 4000 },
        { at: LAST_HB - 1900, h: LAST_HB - 2000, other: LAST_HB - 2000 },
        { at: LAST_HB + 7500, h: LAST_HB - 2000, other: LAST_HB + 7400 },
      ]),
      says: 'dead',
    },
    {
      // Seen on a real cloud: lists are read only while some host is silent, so after one incident
      // the step between two episodes' reads looked like a ~50 s cadence and a hang waited for Nova.
      name: 'a step across two silent episodes (reads minutes apart) teaches no cadence: the 10 s fallback stands → dead',
      now: LAST_HB + 14_000,
      ledger: readLists([
        { at: LAST_HB - 120_000, h: LAST_HB - 125_000, other: LAST_HB - 120_500 },
        { at: LAST_HB + 3500, h: LAST_HB - 2000, other: LAST_HB + 3000 },
      ]),
      says: 'dead',
    },
    {
      name: 'an advance after the last heartbeat, then reports stop: the missed report is fresher → dead',
      now: LAST_HB + 25_000,
      ledger: readLists([
        { at: LAST_HB + 3500, h: LAST_HB - 2000, other: LAST_HB + 3000 },
        { at: LAST_HB + 9000, h: LAST_HB + 8000, other: LAST_HB + 8500 },
        { at: LAST_HB + 24_500, h: LAST_HB + 8000, other: LAST_HB + 24_000 },
      ]),
      says: 'dead',
    },
    {
      name: 'forced_down (Vigil or an operator) with a recent report → neutral, says nothing about the host',
      now: LAST_HB + 4000,
      ledger: readLists([
        { at: LAST_HB + 3500, h: LAST_HB - 1000, other: LAST_HB + 3000, forcedDown: true, state: 'down' },
      ]),
      says: 'neutral',
    },
    {
      name: "Nova's own state down (service_down_time passed, not forced) → dead",
      now: LAST_HB + 4000,
      ledger: readLists([{ at: LAST_HB + 3500, h: LAST_HB - 1000, other: LAST_HB + 3000, state: 'down' }]),
      says: 'dead',
    },
    {
      name: 'nova-compute already failed at the last heartbeat → its silence is no evidence',
      now: LAST_HB + 30_000,
      ledger: readLists([{ at: LAST_HB + 3500, h: LAST_HB - 40_000, other: LAST_HB + 3000, state: 'down' }]),
      says: 'neutral',
      nova: false,
    },
  ];
  it.each(cases)('$name', ({ now, ledger, says, nova, mayBeAlive }) => {
    const j = judgeNovaReports({
      track: ledger.services.get('h'),
      offsetMaxMs: clockOffsetMaxMs(ledger),
      lastHeartbeatAt: LAST_HB,
      novaComputeWasOk: nova ?? true,
      now,
      fallbackCadenceMs: settings.novaReportIntervalMs,
      toleranceMs: settings.novaReportToleranceMs,
    });
    expect(j.says).toBe(says);
    expect(j.says === 'neutral' && j.mayBeAlive === true).toBe(mayBeAlive ?? false);
  });

  it('bounds our clock − Nova clock from above by read time − newest updated_at', () => {
    const ledger = readLists([
      { at: LAST_HB, h: LAST_HB - 5000, other: LAST_HB - 300 },
      { at: LAST_HB + 1000, h: LAST_HB - 5000, other: LAST_HB + 900 },
    ]);
    expect(clockOffsetMaxMs(ledger)).toBe(-NOVA_AHEAD_MS + 100);
  });
});

describe('fused verdicts: evidence × timing', () => {
  const silentNova = readLists([{ at: LAST_HB + 3500, h: LAST_HB - 2000, other: LAST_HB + 3000 }]);
  const novaOf = (l: NovaReportLedger) => {
    const track = l.services.get('h');
    const offsetMaxMs = clockOffsetMaxMs(l);
    return { ...(track ? { track } : {}), ...(offsetMaxMs !== undefined ? { offsetMaxMs } : {}) };
  };
  const stopped: Evidence = { kind: 'masakari-host-stopped', at: LAST_HB + 2000 };
  const cases: Array<{ name: string; o: HostObservation; reporters?: HostObservation[]; verdict: string }> = [
    {
      name: "Nova state up only (stale alive) → undecided, no longer 'alive'",
      o: target({ probes: { bmc: 'on', nova: novaOf(silentNova) } }),
      verdict: 'undecided',
    },
    {
      name: 'peer unreachable, probed after the last heartbeat, by the only reporter → dead',
      o: target({ probes: { bmc: 'on', nova: novaOf(silentNova) } }),
      reporters: [reporter('p1', LAST_HB + 3800, [{ host: 'h', reachable: false, ageMs: 1500 }])],
      verdict: 'dead',
    },
    {
      name: 'peer unreachable but probed before the last heartbeat → stale, undecided',
      o: target({ probes: { bmc: 'on' } }),
      reporters: [reporter('p1', LAST_HB + 500, [{ host: 'h', reachable: false, ageMs: 900 }])],
      verdict: 'undecided',
    },
    {
      name: 'stale peer "reachable" (probed before the last heartbeat) is ignored; fresh unreachables decide',
      o: target({ probes: { bmc: 'on' } }),
      reporters: [
        reporter('p1', LAST_HB + 4000, [{ host: 'h', reachable: true, ageMs: 4500 }]),
        reporter('p2', LAST_HB + 4000, [{ host: 'h', reachable: false, ageMs: 500 }]),
        reporter('p3', LAST_HB + 4000, [{ host: 'h', reachable: false, ageMs: 800 }]),
      ],
      verdict: 'dead',
    },
    {
      name: 'one fresh unreachable of three reporters is below quorum → undecided',
      o: target({ probes: { bmc: 'on' } }),
      reporters: [
        reporter('p1', LAST_HB + 4000, [{ host: 'h', reachable: false, ageMs: 500 }]),
        reporter('p2', LAST_HB + 4000, [{ host: 'h', reachable: false, ageMs: 4500 }]),
        reporter('p3', LAST_HB + 4000, [{ host: 'h', reachable: false, ageMs: 4500 }]),
      ],
      verdict: 'undecided',
    },
    {
      name: 'fresh peer reachable wins over fresh unreachables and a Masakari STOPPED (controller-side cut)',
      o: target({ probes: { bmc: 'on' }, evidence: [stopped] }),
      reporters: [
        reporter('p1', LAST_HB + 4000, [{ host: 'h', reachable: true, ageMs: 300 }]),
        reporter('p2', LAST_HB + 4000, [{ host: 'h', reachable: false, ageMs: 300 }]),
      ],
      verdict: 'alive-elsewhere',
    },
    {
      name: "connection refused by the target's kernel (monitor crashed, host up) → alive",
      o: target({ probes: { bmc: 'on' } }),
      reporters: [
        reporter('p1', LAST_HB + 4000, [{ host: 'h', reachable: false, refused: true, ageMs: 300 }]),
      ],
      verdict: 'alive-elsewhere',
    },
    {
      name: 'Nova reported after the last heartbeat → alive, even with fresh dead peers',
      o: target({
        probes: {
          bmc: 'on',
          nova: novaOf(
            readLists([
              { at: LAST_HB + 3500, h: LAST_HB - 2000, other: LAST_HB + 3000 },
              { at: LAST_HB + 9000, h: LAST_HB + 8000, other: LAST_HB + 8500 },
            ]),
          ),
        },
      }),
      reporters: [reporter('p1', LAST_HB + 9000, [{ host: 'h', reachable: false, ageMs: 300 }])],
      verdict: 'alive-elsewhere',
    },
    {
      name: 'BMC read Off this sweep beats an earlier Nova report',
      o: target({
        probes: {
          bmc: 'off',
          nova: novaOf(
            readLists([
              { at: LAST_HB + 3500, h: LAST_HB - 2000, other: LAST_HB + 3000 },
              { at: LAST_HB + 9000, h: LAST_HB + 8000, other: LAST_HB + 8500 },
            ]),
          ),
        },
      }),
      verdict: 'dead',
    },
    {
      name: 'outside notification (Masakari STOPPED) for a host whose peers reach it → alive, not fenced',
      o: target({ probes: { bmc: 'on' }, evidence: [stopped] }),
      reporters: [reporter('p1', LAST_HB + 4000, [{ host: 'h', reachable: true, ageMs: 300 }])],
      verdict: 'alive-elsewhere',
    },
    {
      name: 'outside notification for a silent host nobody sees → dead',
      o: target({ probes: { bmc: 'on', nova: novaOf(silentNova) }, evidence: [stopped] }),
      verdict: 'dead',
    },
    {
      name: 'outside notification received before the last heartbeat → not evidence',
      o: target({ probes: { bmc: 'on' }, evidence: [{ ...stopped, at: LAST_HB - 1 }] }),
      verdict: 'undecided',
    },
  ];
  it.each(cases)('$name', ({ o, reporters, verdict }) => {
    expect(fuse(LAST_HB + 10_000 - 5500, o, reporters).verdict).toBe(verdict);
  });

  // Round seed 3381438172: a blip cut the host from the controller and its peers while nova-compute
  // kept reporting, and Nova's service list failed some reads (Nova acting then answering 500).
  // Peers alone confirmed and the healthy host was powered off.
  describe('a host cut from the controller and its peers, still reporting to Nova', () => {
    const now = LAST_HB + 1900;
    const freshNova = readLists([{ at: LAST_HB + 1600, h: LAST_HB + 200, other: LAST_HB + 1500 }]);
    const staleNova = readLists([{ at: LAST_HB + 1600, h: LAST_HB - 2000, other: LAST_HB + 1500 }]);
    const peersCut = [
      reporter('p1', LAST_HB + 1800, [{ host: 'h', reachable: false, ageMs: 600 }]),
      reporter('p2', LAST_HB + 1800, [{ host: 'h', reachable: false, ageMs: 700 }]),
    ];
    const cases: Array<{ name: string; o: HostObservation; verdict: string }> = [
      {
        name: 'Nova up, updated_at possibly after the last heartbeat → peers alone do not confirm',
        o: target({ probes: { bmc: 'on', nova: novaOf(freshNova) } }),
        verdict: 'undecided',
      },
      {
        name: 'Nova did not answer this sweep → peers alone do not confirm',
        o: target({ probes: { bmc: 'on', nova: { unread: true } } }),
        verdict: 'undecided',
      },
      {
        name: 'Nova did not answer, its last list showed the service forced down → peers confirm',
        o: target({
          probes: {
            bmc: 'on',
            nova: {
              ...novaOf(
                readLists([
                  { at: LAST_HB + 1600, h: LAST_HB - 500, other: LAST_HB + 1500, forcedDown: true },
                ]),
              ),
              unread: true,
            },
          },
        }),
        verdict: 'dead',
      },
      {
        name: "Nova's newest report is older than the last heartbeat → peers confirm (as before)",
        o: target({ probes: { bmc: 'on', nova: novaOf(staleNova) } }),
        verdict: 'dead',
      },
      {
        name: 'BMC reads Off → dead, whatever Nova may still say',
        o: target({ probes: { bmc: 'off', nova: novaOf(freshNova) } }),
        verdict: 'dead',
      },
      {
        name: 'a Masakari STOPPED besides the peers → dead (outside evidence, not the same network view)',
        o: target({
          probes: { bmc: 'on', nova: { unread: true } },
          evidence: [{ kind: 'masakari-host-stopped', at: LAST_HB + 1000 }],
        }),
        verdict: 'dead',
      },
    ];
    it.each(cases)('$name', ({ o, verdict }) => {
      expect(fuse(now, o, peersCut).verdict).toBe(verdict);
    });

    it('confirms once the report Nova owed is overdue', () => {
      const later = LAST_HB + 200 + 10_000 + 5_000 + 500;
      const stillCut = [
        reporter('p1', later - 100, [{ host: 'h', reachable: false, ageMs: 600 }]),
        reporter('p2', later - 100, [{ host: 'h', reachable: false, ageMs: 700 }]),
      ];
      const ledger = readLists([
        { at: LAST_HB + 1600, h: LAST_HB + 200, other: LAST_HB + 1500 },
        { at: later - 200, h: LAST_HB + 200, other: later - 300 },
      ]);
      const f = fuse(later, target({ probes: { bmc: 'on', nova: novaOf(ledger) } }), stillCut);
      expect(f.verdict).toBe('dead');
      expect(f.dead).toEqual(['nova-report-missed', 'peers-unreachable:2/2']);
    });
  });

  it('explains every item with its age relative to the last heartbeat', () => {
    const f = fuse(LAST_HB + 4500, target({ probes: { bmc: 'on' } }), [
      reporter('compute2', LAST_HB + 4000, [{ host: 'h', reachable: false, ageMs: 3600 }]),
    ]);
    expect(f.verdict).toBe('dead');
    expect(f.items.map((i) => i.label)).toEqual(['BMC: power on', 'peer compute2: unreachable']);
    expect(f.items[1]?.observedAt).toBe(LAST_HB + 400);
  });
});
