import { detectionSchema } from '@vigil/config';
import { type ComponentState } from '@vigil/contracts';
import { evaluate } from './evaluate';
import {
  type DetectionInput,
  type DetectionPolicy,
  type Evidence,
  type HostObservation,
  type HostRecord,
  type PeerSighting,
  type ProbeResults,
  type StormGuardState,
  type StormScope,
} from './model';

const defaults = detectionSchema.parse({});
const policy: DetectionPolicy = { ...defaults, heartbeatTimeoutMs: 3000, suspectHoldMs: 0 };
/** Global settings at their defaults (the service passes `config.detection`). */
const settings = defaults;
const NOW = 1_000_000;

interface HostSpec {
  /** The last heartbeat was the monitor's last gasp. */
  goingDown?: boolean;
  host: string;
  segment?: string;
  /** ms before NOW of the last heartbeat; undefined = never. */
  lastHbAgo?: number;
  components?: Record<string, 'ok' | 'failed'>;
  peers?: PeerSighting[];
  /** `nova: 'down'`: Nova's own state says down (not forced); `'up'`: state up, no report seen since. */
  probes?: { bmc?: ProbeResults['bmc']; nova?: 'up' | 'down' | ProbeResults['nova'] };
  evidence?: Evidence[];
  onMaintenance?: boolean;
  segmentEnabled?: boolean;
}

function observe(s: HostSpec): HostObservation {
  return {
    host: s.host,
    segmentUuid: s.segment ?? 'seg-a',
    onMaintenance: s.onMaintenance ?? false,
    segmentEnabled: s.segmentEnabled ?? true,
    ...(s.lastHbAgo === undefined
      ? {}
      : {
          heartbeat: {
            receivedAt: NOW - s.lastHbAgo,
            bootId: 'boot',
            runId: 'run',
            seq: 1,
            intervalMs: 1000,
            components: Object.fromEntries(
              Object.entries(s.components ?? { 'nova-compute': 'ok' }).map(([k, v]) => [
                k,
                { state: v as ComponentState },
              ]),
            ),
            ...(s.peers ? { peers: s.peers } : {}),
            ...(s.goingDown ? { goingDown: true as const } : {}),
          },
        }),
    probes: { bmc: s.probes?.bmc ?? 'unknown', ...novaProbe(s.probes?.nova) },
    evidence: s.evidence ?? [],
  };
}

function novaProbe(nova: 'up' | 'down' | ProbeResults['nova']): Pick<ProbeResults, 'nova'> {
  if (nova === undefined) return {};
  if (typeof nova === 'object') return { nova };
  // Read once, at NOW: the value says when Nova last heard nova-compute, not that it runs now.
  const track = {
    updatedAtMs: NOW - 2000,
    firstReadAt: NOW,
    lastReadAt: NOW,
    stepsMs: [],
    state: nova,
    forcedDown: false,
  };
  return { nova: { track } };
}

function rec(host: string, state: HostRecord['state'], extra: Partial<HostRecord> = {}): HostRecord {
  return {
    host,
    segmentUuid: 'seg-a',
    state,
    since: NOW - 5000,
    generation: 1,
    failedComponents: [],
    ...extra,
  };
}

function run(
  hosts: HostSpec[],
  previous: HostRecord[] = [],
  opts: {
    policy?: Partial<DetectionPolicy>;
    guards?: StormGuardState[];
    observingSince?: number;
    domains?: Record<string, string>;
  } = {},
) {
  const input: DetectionInput = {
    now: NOW,
    observingSince: opts.observingSince ?? 0,
    hosts: hosts.map(observe),
    previous: new Map(previous.map((r) => [r.host, r])),
    guards: new Map<StormScope, StormGuardState>((opts.guards ?? []).map((g) => [g.scope, g])),
    policyOf: () => ({ ...policy, ...opts.policy }),
    settings,
    domainOf: (host) => opts.domains?.[host],
  };
  const out = evaluate(input);
  const stateOf = (h: string): string | undefined =>
    out.records.find((r) => r.host === h)?.state ?? previous.find((r) => r.host === h)?.state;
  const actionKinds = out.actions.map(
    (a) => `${a.kind}:${'host' in a ? a.host : 'verdict' in a ? a.verdict.host : a.guard.scope}`,
  );
  return { out, stateOf, actionKinds };
}

/** Healthy companions so a single failure stays under the storm limits. */
const healthy = (n: number, segment = 'seg-a'): HostSpec[] =>
  Array.from({ length: n }, (_, i) => ({ host: `ok-${segment}-${i}`, segment, lastHbAgo: 100 }));

describe('evaluate: heartbeat gaps and evidence fusion', () => {
  const cases: Array<{
    name: string;
    target: HostSpec;
    prev?: HostRecord;
    expect: string;
    incident: boolean;
  }> = [
    { name: 'fresh heartbeat → up', target: { host: 'h', lastHbAgo: 500 }, expect: 'up', incident: false },
    {
      name: 'late heartbeat within the timeout (clock jitter) stays up',
      target: { host: 'h', lastHbAgo: 2999 },
      prev: rec('h', 'up'),
      expect: 'up',
      incident: false,
    },
    {
      name: 'silent past the timeout, no evidence → suspect',
      target: { host: 'h', lastHbAgo: 3001 },
      expect: 'suspect',
      incident: false,
    },
    {
      name: 'silent + Nova down → failed, incident',
      target: { host: 'h', lastHbAgo: 4000, probes: { nova: 'down' } },
      prev: rec('h', 'suspect', { generation: 1, silentSince: NOW - 1000 }),
      expect: 'failed',
      incident: true,
    },
    {
      name: 'silent + BMC off overrides a stale Nova up → failed',
      target: { host: 'h', lastHbAgo: 4000, probes: { nova: 'up', bmc: 'off' } },
      expect: 'failed',
      incident: true,
    },
    {
      name: "silent + Nova's state up (stale: it lasts service_down_time) → suspect, not isolated",
      target: { host: 'h', lastHbAgo: 4000, probes: { nova: 'up' } },
      expect: 'suspect',
      incident: false,
    },
    {
      name: 'silent + BMC on only → suspect (a hung host has power)',
      target: { host: 'h', lastHbAgo: 4000, probes: { bmc: 'on' } },
      expect: 'suspect',
      incident: false,
    },
    {
      name: 'silent + recent Masakari STOPPED → failed',
      target: { host: 'h', lastHbAgo: 4000, evidence: [{ kind: 'masakari-host-stopped', at: NOW - 1000 }] },
      expect: 'failed',
      incident: true,
    },
    {
      name: 'Masakari evidence older than the last heartbeat does not count',
      target: { host: 'h', lastHbAgo: 4000, evidence: [{ kind: 'masakari-host-stopped', at: NOW - 9000 }] },
      expect: 'suspect',
      incident: false,
    },
    {
      name: 'silent + firing alert → failed',
      target: {
        host: 'h',
        lastHbAgo: 4000,
        evidence: [{ kind: 'alert-host-down', at: NOW - 10, alertName: 'HostDown' }],
      },
      expect: 'failed',
      incident: true,
    },
    {
      name: 'confirmed failure stays failed when a probe turns unknown',
      target: { host: 'h', lastHbAgo: 9000 },
      prev: rec('h', 'failed', { incidentId: 'inc-1', silentSince: NOW - 6000 }),
      expect: 'failed',
      incident: false,
    },
    {
      name: 'a failed host without an incident id asks again (idempotent opener)',
      target: { host: 'h', lastHbAgo: 9000 },
      prev: rec('h', 'failed', { silentSince: NOW - 6000 }),
      expect: 'failed',
      incident: true,
    },
    {
      name: 'never heartbeated and never tracked → not judged',
      target: { host: 'h' },
      expect: 'none',
      incident: false,
    },
  ];
  it.each(cases)('$name', ({ target, prev, expect: expected, incident }) => {
    const { stateOf, actionKinds } = run([target, ...healthy(5)], prev ? [prev] : []);
    expect(stateOf('h') ?? 'none').toBe(expected);
    expect(actionKinds.includes('open-incident:h')).toBe(incident);
  });

  it('peer witnesses: a peer that reaches the host makes it isolated, all peers unreachable confirm', () => {
    const reach = run([
      { host: 'h', lastHbAgo: 4000, probes: { nova: 'down' } },
      { host: 'p1', lastHbAgo: 100, peers: [{ host: 'h', reachable: true }] },
      ...healthy(4),
    ]);
    expect(reach.stateOf('h')).toBe('isolated-from-controller');
    const lost = run([
      { host: 'h', lastHbAgo: 4000 },
      { host: 'p1', lastHbAgo: 100, peers: [{ host: 'h', reachable: false, ageMs: 500 }] },
      ...healthy(4),
    ]);
    expect(lost.stateOf('h')).toBe('failed');
    // A silent peer's report is stale and ignored.
    const stale = run([
      { host: 'h', lastHbAgo: 4000 },
      { host: 'p1', lastHbAgo: 5000, peers: [{ host: 'h', reachable: true }] },
      ...healthy(8),
    ]);
    expect(stale.stateOf('h')).toBe('suspect');
  });

  it('minEvidence 2 needs two independent sources', () => {
    const one = run([{ host: 'h', lastHbAgo: 4000, probes: { nova: 'down' } }, ...healthy(5)], [], {
      policy: { minEvidence: 2 },
    });
    expect(one.stateOf('h')).toBe('suspect');
    const two = run(
      [{ host: 'h', lastHbAgo: 4000, probes: { nova: 'down', bmc: 'off' } }, ...healthy(5)],
      [],
      {
        policy: { minEvidence: 2 },
      },
    );
    expect(two.stateOf('h')).toBe('failed');
  });

  it('suspectHoldMs holds a confirmed suspect until the hold elapses', () => {
    const early = run(
      [{ host: 'h', lastHbAgo: 4000, probes: { nova: 'down' } }, ...healthy(5)],
      [rec('h', 'suspect', { silentSince: NOW - 200 })],
      { policy: { suspectHoldMs: 1000 } },
    );
    expect(early.stateOf('h')).toBe('suspect');
    const late = run(
      [{ host: 'h', lastHbAgo: 4000, probes: { nova: 'down' } }, ...healthy(5)],
      [rec('h', 'suspect', { silentSince: NOW - 1200 })],
      { policy: { suspectHoldMs: 1000 } },
    );
    expect(late.stateOf('h')).toBe('failed');
  });

  it.each([
    { prev: 'up' as const, hbAgo: 60_000 },
    { prev: 'failed' as const, hbAgo: 60_000 },
    { prev: 'suspect' as const, hbAgo: 60_000 },
  ])('a fresh leader changes nothing about a $prev host it has not heard from yet', ({ prev, hbAgo }) => {
    const { out } = run(
      [{ host: 'h', lastHbAgo: hbAgo }, ...healthy(5)],
      [rec('h', prev, prev === 'up' ? {} : { incidentId: 'i-1', silentSince: NOW - 70_000 })],
      {
        observingSince: NOW - 1000,
      },
    );
    expect(out.records.filter((r) => r.host === 'h')).toEqual([]);
    expect(out.actions).toEqual([]);
  });

  it('a fresh leader judges a silent host once it has listened for the timeout', () => {
    const { stateOf } = run([{ host: 'h', lastHbAgo: 60_000 }, ...healthy(5)], [rec('h', 'up')], {
      observingSince: NOW - 3001,
    });
    expect(stateOf('h')).toBe('suspect');
  });
});

describe('evaluate: flapping and generations', () => {
  it.each([
    {
      name: 'up → suspect opens generation 2',
      prev: rec('h', 'up', { generation: 1 }),
      hbAgo: 4000,
      state: 'suspect',
      gen: 2,
    },
    {
      name: 'suspect → failed keeps the generation',
      prev: rec('h', 'suspect', { generation: 2, silentSince: NOW - 2000 }),
      hbAgo: 4000,
      probes: { nova: 'down' as const },
      state: 'failed',
      gen: 2,
    },
    {
      name: 'failed host heartbeating again → up',
      prev: rec('h', 'failed', { generation: 2, incidentId: 'i' }),
      hbAgo: 10,
      state: 'up',
      gen: 2,
    },
    {
      name: 'isolated → up when heartbeats resume',
      prev: rec('h', 'isolated-from-controller', { generation: 3 }),
      hbAgo: 10,
      state: 'up',
      gen: 3,
    },
  ])('$name', ({ prev, hbAgo, probes, state, gen }) => {
    const { out } = run(
      [{ host: 'h', lastHbAgo: hbAgo, ...(probes ? { probes } : {}) }, ...healthy(5)],
      [prev],
    );
    const r = out.records.find((x) => x.host === 'h');
    expect(r?.state).toBe(state);
    expect(r?.generation).toBe(gen);
    expect(r?.incidentId).toBeUndefined();
    expect(out.timeline.find((t) => t.host === 'h')).toMatchObject({
      from: prev.state,
      to: state,
      generation: gen,
    });
  });

  it('no change → no record and no timeline entry', () => {
    const prev = rec('h', 'up');
    const { out } = run([{ host: 'h', lastHbAgo: 100 }], [prev]);
    expect(out.records).toEqual([]);
    expect(out.timeline).toEqual([]);
  });
});

describe('evaluate: component triage', () => {
  it.each([
    { comp: 'nova-compute', pol: {}, state: 'degraded', actions: ['disable-compute:h', 'alert:h'] },
    {
      comp: 'ovs',
      pol: { ovs: 'disable' as const },
      state: 'degraded',
      actions: ['disable-compute:h', 'alert:h'],
    },
    { comp: 'ovs', pol: { ovs: 'alert' as const }, state: 'degraded', actions: ['alert:h'] },
    {
      comp: 'ovs',
      pol: { ovs: 'fence-and-evacuate' as const, dataPlaneGraceMs: 0 },
      state: 'failed',
      actions: ['disable-compute:h', 'alert:h', 'open-incident:h'],
    },
    {
      comp: 'ovs',
      pol: { ovs: 'evacuate' as const },
      state: 'degraded',
      actions: ['disable-compute:h', 'alert:h'],
    },
    { comp: 'libvirtd', pol: { libvirt: 'alert' as const }, state: 'degraded', actions: ['alert:h'] },
    {
      comp: 'libvirtd',
      pol: { libvirt: 'disable' as const },
      state: 'degraded',
      actions: ['disable-compute:h', 'alert:h'],
    },
    { comp: 'neutron-ovs-agent', pol: {}, state: 'degraded', actions: ['alert:h'] },
  ])('$comp failed with $pol → $state', ({ comp, pol, state, actions }) => {
    const { stateOf, actionKinds } = run(
      [{ host: 'h', lastHbAgo: 100, components: { [comp]: 'failed' } }, ...healthy(5)],
      [rec('h', 'up')],
      { policy: pol },
    );
    expect(stateOf('h')).toBe(state);
    expect(actionKinds).toEqual(actions);
  });

  it('evacuate: disabled at once, fenced only once the component stayed failed for dataPlaneGraceMs', () => {
    const pol = { ovs: 'evacuate' as const, dataPlaneGraceMs: 60_000 };
    const failedAt = NOW - 59_000;
    const prev = rec('h', 'degraded', { failedComponents: ['ovs'], failedSince: { ovs: failedAt } });
    const early = run([{ host: 'h', lastHbAgo: 100, components: { ovs: 'failed' } }, ...healthy(5)], [prev], {
      policy: pol,
    });
    expect(early.out.records.find((r) => r.host === 'h')).toBeUndefined();
    expect(early.actionKinds).toEqual([]);
    const late = run(
      [{ host: 'h', lastHbAgo: 100, components: { ovs: 'failed' } }, ...healthy(5)],
      [{ ...prev, failedSince: { ovs: NOW - 60_000 } }],
      { policy: pol },
    );
    expect(late.stateOf('h')).toBe('failed');
    expect(late.actionKinds).toEqual(['open-incident:h']);
    expect(late.out.timeline[0]?.reason).toContain('segment policy is evacuate (fence, then evacuate)');
    // Restarted within the grace: back up, nothing fenced, and a later failure starts a new grace.
    const healed = run([{ host: 'h', lastHbAgo: 100, components: { ovs: 'ok' } }, ...healthy(5)], [prev], {
      policy: pol,
    });
    expect(healed.stateOf('h')).toBe('up');
    expect(healed.out.records.find((r) => r.host === 'h')?.failedSince).toBeUndefined();
  });

  it('nova-compute is never fenced, whatever the policy', () => {
    const { actionKinds } = run(
      [{ host: 'h', lastHbAgo: 100, components: { 'nova-compute': 'failed' } }],
      [],
      {
        policy: { ovs: 'fence-and-evacuate', libvirt: 'fence-and-evacuate' },
      },
    );
    expect(actionKinds).not.toContain('open-incident:h');
  });

  it('an already triaged component is not triaged again; recovery brings the host up', () => {
    const prev = rec('h', 'degraded', { failedComponents: ['nova-compute'] });
    const again = run([{ host: 'h', lastHbAgo: 100, components: { 'nova-compute': 'failed' } }], [prev]);
    expect(again.out.actions).toEqual([]);
    const healed = run([{ host: 'h', lastHbAgo: 100, components: { 'nova-compute': 'ok' } }], [prev]);
    expect(healed.stateOf('h')).toBe('up');
  });
});

describe('evaluate: maintenance and recovery-owned states', () => {
  it.each([
    {
      name: 'on_maintenance silent host never suspect',
      spec: { onMaintenance: true, lastHbAgo: 9000, probes: { nova: 'down' as const } },
    },
    {
      name: 'disabled segment never starts recovery',
      spec: { segmentEnabled: false, lastHbAgo: 9000, probes: { bmc: 'off' as const } },
    },
  ])('$name', ({ spec }) => {
    const { stateOf, out } = run([{ host: 'h', ...spec }, ...healthy(5)], [rec('h', 'up')]);
    expect(stateOf('h')).toBe('maintenance');
    expect(out.actions).toEqual([]);
  });

  describe('healthySince of a host in maintenance (what return to service counts probation from)', () => {
    const inMaintenance = (extra: Partial<HostRecord> = {}) => rec('h', 'maintenance', extra);
    const healthySinceOf = (out: ReturnType<typeof run>['out']) =>
      out.records.find((r) => r.host === 'h')?.healthySince;

    it('starts now when a heartbeat with every component ok arrives', () => {
      const { out } = run([{ host: 'h', onMaintenance: true, lastHbAgo: 100 }], [inMaintenance()]);
      expect(healthySinceOf(out)).toBe(NOW);
    });

    it('is kept while the host stays healthy', () => {
      const { out } = run(
        [{ host: 'h', onMaintenance: true, lastHbAgo: 100 }],
        [inMaintenance({ healthySince: NOW - 4000 })],
      );
      expect(out.records).toEqual([]);
    });

    it.each([
      {
        name: 'a failed component',
        spec: { lastHbAgo: 100, components: { 'nova-compute': 'failed' as const } },
      },
      { name: 'a silent monitor', spec: { lastHbAgo: 9000 } },
    ])('is dropped on $name', ({ spec }) => {
      const { out, stateOf } = run(
        [{ host: 'h', onMaintenance: true, ...spec }],
        [inMaintenance({ healthySince: NOW - 4000 })],
      );
      expect(stateOf('h')).toBe('maintenance');
      expect(out.records).toHaveLength(1);
      expect(healthySinceOf(out)).toBeUndefined();
    });

    it('is kept by a new leader still listening', () => {
      const { out } = run(
        [{ host: 'h', onMaintenance: true, lastHbAgo: 9000 }],
        [inMaintenance({ healthySince: NOW - 4000 })],
        { observingSince: NOW - 100 },
      );
      expect(out.records).toEqual([]);
    });
  });

  it.each(['fenced', 'recovering'] as const)('%s is left to the recovery workflow', (state) => {
    const { out } = run([{ host: 'h', lastHbAgo: 9000, probes: { nova: 'down' } }], [rec('h', state)]);
    expect(out.records).toEqual([]);
    expect(out.actions).toEqual([]);
  });
});

describe('evaluate: correlated silence in one failure domain', () => {
  const domains = { a: 'dc1/rack-1', b: 'dc1/rack-1', c: 'dc1/rack-2' };
  const dead = (host: string, bmc: 'on' | 'off' | 'unknown' = 'on'): HostSpec => ({
    host,
    lastHbAgo: 4000,
    probes: { nova: 'down', bmc },
  });
  const opts = { domains, policy: { correlatedSilenceHoldMs: 30_000, correlatedSilenceWindowMs: 10_000 } };

  it('two hosts of one rack silent with BMCs On: held as suspect, with the domain and the end of the hold', () => {
    const { out, stateOf, actionKinds } = run([dead('a'), dead('b'), ...healthy(10)], [], opts);
    expect([stateOf('a'), stateOf('b')]).toEqual(['suspect', 'suspect']);
    expect(actionKinds).toEqual([]);
    const note = out.records.find((r) => r.host === 'a')?.note;
    expect(note).toContain('correlated silence in failure domain dc1/rack-1 with b (BMCs On)');
    expect(note).toContain(new Date(NOW + 30_000).toISOString());
  });

  it('after the hold each is judged alone on its evidence', () => {
    const prev = (h: string) =>
      rec(h, 'suspect', { generation: 1, silentSince: NOW - 30_000, since: NOW - 30_000 });
    const { stateOf, actionKinds } = run(
      [dead('a'), dead('b'), ...healthy(10)],
      [prev('a'), prev('b')],
      opts,
    );
    expect([stateOf('a'), stateOf('b')]).toEqual(['failed', 'failed']);
    expect(actionKinds).toEqual(['open-incident:a', 'open-incident:b']);
  });

  it('a BMC reading Off ends the hold for that host only', () => {
    const { stateOf } = run([dead('a', 'off'), dead('b'), dead('x'), ...healthy(10)], [], {
      ...opts,
      domains: { ...domains, x: 'dc1/rack-1' },
    });
    expect([stateOf('a'), stateOf('b'), stateOf('x')]).toEqual(['failed', 'suspect', 'suspect']);
  });

  it('a last gasp (the host said it was shutting down) ends the hold for that host only', () => {
    const { stateOf } = run([{ ...dead('a'), goingDown: true }, dead('b'), dead('x'), ...healthy(10)], [], {
      ...opts,
      domains: { ...domains, x: 'dc1/rack-1' },
    });
    expect([stateOf('a'), stateOf('b'), stateOf('x')]).toEqual(['failed', 'suspect', 'suspect']);
  });

  it('hosts of different racks failing together are independent: both confirmed at once', () => {
    const { stateOf, actionKinds } = run([dead('a'), dead('c'), ...healthy(10)], [], opts);
    expect([stateOf('a'), stateOf('c')]).toEqual(['failed', 'failed']);
    expect(actionKinds).toEqual(['open-incident:a', 'open-incident:c']);
  });

  it('no hold when the policy sets 0, or the hosts have no domain', () => {
    const off = run([dead('a'), dead('b'), ...healthy(10)], [], {
      ...opts,
      policy: { correlatedSilenceHoldMs: 0 },
    });
    expect([off.stateOf('a'), off.stateOf('b')]).toEqual(['failed', 'failed']);
    const none = run([dead('a'), dead('b'), ...healthy(10)], [], { policy: opts.policy });
    expect([none.stateOf('a'), none.stateOf('b')]).toEqual(['failed', 'failed']);
  });
});
