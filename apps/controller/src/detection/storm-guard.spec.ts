import { detectionSchema } from '@vigil/config';
import { evaluate } from './evaluate';
import { type DetectionPolicy, type HostObservation, type StormGuardState, type StormScope } from './model';
import { assessStorm, holdingGuard, type Episode } from './storm-guard';

const policy: DetectionPolicy = { ...detectionSchema.parse({}), suspectHoldMs: 0 };
/** Global settings at their defaults (the service passes `config.detection`). */
const settings = detectionSchema.parse({});
const NOW = 5_000_000;

function episodes(n: number, segmentUuid = 'seg', ago = 100, silent = true): Episode[] {
  return Array.from({ length: n }, (_, i) => ({
    host: `${segmentUuid}-${i}`,
    segmentUuid,
    startedAt: NOW - ago,
    silent,
  }));
}

function assess(
  eps: Episode[],
  sizes: Record<string, number>,
  opts: { guards?: StormGuardState[]; policy?: Partial<DetectionPolicy['stormGuard']> } = {},
) {
  return assessStorm({
    now: NOW,
    episodes: eps,
    segmentSizes: new Map(Object.entries(sizes)),
    guards: new Map<StormScope, StormGuardState>((opts.guards ?? []).map((g) => [g.scope, g])),
    policyOf: () => ({ ...policy, stormGuard: { ...policy.stormGuard, ...opts.policy } }),
    settings,
  });
}

describe('assessStorm thresholds', () => {
  it.each<{ name: string; eps: Episode[]; sizes: Record<string, number>; engaged: string[] }>([
    {
      name: 'a lone suspect in a 2-host segment never trips the percent rule',
      eps: episodes(1),
      sizes: { seg: 2 },
      engaged: [],
    },
    { name: '2 of 10 (20%) is under 33%', eps: episodes(2), sizes: { seg: 10 }, engaged: [] },
    {
      name: '4 of 10 (40%) trips the segment guard',
      eps: episodes(4),
      sizes: { seg: 10 },
      engaged: ['segment:seg'],
    },
    {
      name: 'episodes outside the window do not count',
      eps: episodes(4, 'seg', 61_000),
      sizes: { seg: 10 },
      engaged: [],
    },
    {
      name: '5 of 10 across the whole cloud is a cliff (50%), and also trips the segment',
      eps: episodes(5),
      sizes: { seg: 10 },
      engaged: ['segment:seg', 'global'],
    },
    {
      name: 'cliff counts only silent hosts, not component fence candidates',
      eps: episodes(5, 'seg', 100, false),
      sizes: { seg: 10, other: 10 },
      engaged: ['segment:seg'],
    },
    {
      name: 'cliff spans segments: 3+3 of 12',
      eps: [...episodes(3, 'a'), ...episodes(3, 'b')],
      sizes: { a: 6, b: 6 },
      engaged: ['segment:a', 'segment:b', 'global'],
    },
    { name: 'cliff off below cliffMinHosts', eps: episodes(2), sizes: { seg: 3 }, engaged: ['segment:seg'] },
  ])('$name', ({ eps, sizes, engaged }) => {
    expect(assess(eps, sizes).newlyEngaged.map((g) => g.scope)).toEqual(engaged);
  });

  it('maxFailedHosts caps in absolute numbers', () => {
    expect(
      assess(episodes(3), { seg: 100 }, { policy: { maxFailedHosts: 2 } }).newlyEngaged.map((g) => g.scope),
    ).toEqual(['segment:seg']);
    expect(assess(episodes(2), { seg: 100 }, { policy: { maxFailedHosts: 2 } }).newlyEngaged).toEqual([]);
  });

  it('a released guard ignores the acknowledged episodes but trips again on new ones', () => {
    const released: StormGuardState = { scope: 'segment:seg', engaged: false, releasedAt: NOW - 50 };
    expect(assess(episodes(4, 'seg', 100), { seg: 10 }, { guards: [released] }).newlyEngaged).toEqual([]);
    const fresh = assess(episodes(4, 'seg', 10), { seg: 10 }, { guards: [released] });
    expect(fresh.newlyEngaged.map((g) => g.scope)).toEqual(['segment:seg']);
    expect(fresh.newlyEngaged[0]?.releasedAt).toBe(NOW - 50);
  });

  it('holdingGuard prefers the global guard', () => {
    const guards = new Map<StormScope, StormGuardState>([
      ['segment:seg', { scope: 'segment:seg', engaged: true }],
      ['global', { scope: 'global', engaged: true }],
    ]);
    expect(holdingGuard(guards, 'seg')?.scope).toBe('global');
    expect(holdingGuard(new Map(), 'seg')).toBeUndefined();
  });
});

describe('evaluate under a storm', () => {
  /** Silent hosts are hung (BMC On) with a host-down alert as dead evidence, unless `bmc` says otherwise. */
  const hosts = (silent: number, total: number, bmc: 'on' | 'off' | 'unknown' = 'on'): HostObservation[] =>
    Array.from({ length: total }, (_, i) => ({
      host: `h${i}`,
      segmentUuid: 'seg',
      onMaintenance: false,
      segmentEnabled: true,
      heartbeat: {
        receivedAt: i < silent ? NOW - 5000 : NOW - 100,
        bootId: 'b',
        runId: 'r',
        seq: 1,
        intervalMs: 1000,
        components: {},
      },
      probes: { bmc },
      evidence: i < silent ? [{ kind: 'alert-host-down', at: NOW - 1000, alertName: 'HostDown' }] : [],
    }));

  const step = (obs: HostObservation[], guards: StormGuardState[] = []) =>
    evaluate({
      now: NOW,
      observingSince: 0,
      hosts: obs,
      previous: new Map(),
      guards: new Map(guards.map((g) => [g.scope, g])),
      policyOf: () => policy,
      settings,
    });

  it('10 of 20 silent: guards engage, suspects stay visible, no incident', () => {
    const out = step(hosts(10, 20));
    expect(out.guards.map((g) => g.scope).sort()).toEqual(['global', 'segment:seg']);
    expect(out.actions.filter((a) => a.kind === 'open-incident')).toEqual([]);
    expect(out.records.filter((r) => r.state === 'suspect')).toHaveLength(10);
    expect(out.records.find((r) => r.host === 'h0')?.note).toMatch(/storm guard/);
    expect(out.records.find((r) => r.host === 'h0')?.note).not.toContain('BMC unreachable');
    expect(out.actions.filter((a) => a.kind === 'storm-guard-engaged')).toHaveLength(2);
  });

  it('after release of both guards, the acknowledged failures proceed', () => {
    const released: StormGuardState[] = [
      { scope: 'global', engaged: false, releasedAt: NOW },
      { scope: 'segment:seg', engaged: false, releasedAt: NOW },
    ];
    const out = step(hosts(10, 20), released);
    expect(out.actions.filter((a) => a.kind === 'open-incident')).toHaveLength(10);
  });

  it('10 of 20 whose BMCs read Off (a rack power loss): unambiguous, not counted nor held, all recovered', () => {
    const out = step(hosts(10, 20, 'off'));
    expect(out.guards).toEqual([]);
    expect(out.actions.filter((a) => a.kind === 'open-incident')).toHaveLength(10);
  });

  it('10 of 20 whose BMCs do not answer: held by the guard, each note says what the operator must do', () => {
    const out = step(hosts(10, 20, 'unknown'));
    expect(out.guards.map((g) => g.scope).sort()).toEqual(['global', 'segment:seg']);
    expect(out.actions.filter((a) => a.kind === 'open-incident')).toEqual([]);
    const note = out.records.find((r) => r.host === 'h0')?.note ?? '';
    expect(note).toContain("BMC unreachable: power state unknown (rack power loss, or the rack's network)");
    expect(note).toContain('POST /vigil/v1/storm-guard/release');
    expect(note).toContain('POST /vigil/v1/incidents/{id}/confirm-fenced');
  });

  it('1 of 20 silent opens its incident normally', () => {
    const out = step(hosts(1, 20));
    expect(out.guards).toEqual([]);
    expect(
      out.actions
        .filter((a) => a.kind === 'open-incident')
        .map((a) => (a.kind === 'open-incident' ? a.verdict.host : '')),
    ).toEqual(['h0']);
  });
});

describe('guards that heal', () => {
  const quietMs = 120_000;
  const engaged = (extra: Partial<StormGuardState> = {}): StormGuardState => ({
    scope: 'segment:seg',
    engaged: true,
    engagedAt: NOW - 200_000,
    reason: 'storm',
    hosts: ['seg-0', 'seg-1', 'seg-2'],
    ...extra,
  });

  it('the counted hosts heartbeat again: quiet starts, and after selfReleaseQuietMs the guard releases itself', () => {
    const first = assess([], { seg: 8 }, { guards: [engaged()] });
    expect(first.selfReleased).toEqual([]);
    expect(first.changed).toEqual([expect.objectContaining({ engaged: true, quietSince: NOW })]);
    const early = assess([], { seg: 8 }, { guards: [engaged({ quietSince: NOW - quietMs + 1 })] });
    expect(early.changed).toEqual([]);
    const due = assess([], { seg: 8 }, { guards: [engaged({ quietSince: NOW - quietMs })] });
    expect(due.selfReleased).toEqual([
      expect.objectContaining({
        engaged: false,
        releasedAt: NOW,
        releasedBy: 'vigil',
        releaseReason: `self-release: 3 of the 3 hosts it counted heartbeat again, no storm for ${quietMs} ms`,
      }),
    ]);
    expect(due.changed).toEqual(due.selfReleased);
  });

  it('a storm still on is not quiet, and ends a quiet period that had started', () => {
    const on = assess(
      episodes(3, 'seg', 200_000),
      { seg: 8 },
      { guards: [engaged({ quietSince: NOW - 5 })] },
    );
    expect(on.selfReleased).toEqual([]);
    expect(on.changed).toEqual([expect.not.objectContaining({ quietSince: expect.anything() })]);
  });

  it('a pinned guard, or selfReleaseQuietMs 0, never releases itself', () => {
    const pinned = assess([], { seg: 8 }, { guards: [engaged({ pinned: true, quietSince: NOW - quietMs })] });
    expect(pinned.changed).toEqual([]);
    const off = assess(
      [],
      { seg: 8 },
      {
        guards: [engaged({ quietSince: NOW - quietMs })],
        policy: { selfReleaseQuietMs: 0 },
      },
    );
    expect(off.changed).toEqual([]);
  });

  it('a host that stayed silent is judged alone once the guard released itself', () => {
    const silentHost: HostObservation = {
      host: 'seg-0',
      segmentUuid: 'seg',
      onMaintenance: false,
      segmentEnabled: true,
      heartbeat: {
        receivedAt: NOW - 200_000,
        bootId: 'b',
        runId: 'r',
        seq: 1,
        intervalMs: 1000,
        components: {},
      },
      probes: { bmc: 'off' },
      evidence: [],
    };
    const alive = (host: string): HostObservation => ({
      ...silentHost,
      host,
      heartbeat: { ...silentHost.heartbeat!, receivedAt: NOW - 100 },
      probes: undefined,
    });
    const out = evaluate({
      now: NOW,
      observingSince: 0,
      hosts: [silentHost, ...['seg-1', 'seg-2', 'seg-3', 'seg-4', 'seg-5', 'seg-6', 'seg-7'].map(alive)],
      previous: new Map([
        [
          'seg-0',
          {
            host: 'seg-0',
            segmentUuid: 'seg',
            state: 'suspect',
            since: NOW - 199_000,
            generation: 1,
            silentSince: NOW - 199_000,
            failedComponents: [],
            note: 'fencing suspended by storm guard segment:seg',
          },
        ],
      ]),
      guards: new Map([['segment:seg', engaged({ quietSince: NOW - quietMs })]]),
      policyOf: () => policy,
      settings,
    });
    expect(out.actions.map((a) => a.kind)).toEqual(['storm-guard-released', 'open-incident']);
    expect(out.records.find((r) => r.host === 'seg-0')?.state).toBe('failed');
    expect(out.guards).toEqual([expect.objectContaining({ scope: 'segment:seg', engaged: false })]);
  });
});
