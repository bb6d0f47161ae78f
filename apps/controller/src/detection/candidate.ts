import {
  type ComponentPolicy,
  type DetectionAction,
  type DetectionPolicy,
  type HostObservation,
  type HostRecord,
  type HostState,
} from './model';

/** What one host looks like after classification, before storm limits; and the triage of live hosts. */

/** States in which a failure episode is in progress. */
export const EPISODE_STATES: ReadonlySet<HostState> = new Set([
  'suspect',
  'failed',
  'isolated-from-controller',
]);
/** States the recovery workflow owns; detection leaves them alone (maintenance aside). */
export const RECOVERY_STATES: ReadonlySet<HostState> = new Set(['fenced', 'recovering']);

/** Heard within the timeout; silent past it; or pending while a new leader has not listened long enough. */
export type Liveness = 'heard' | 'silent' | 'pending';

export interface Candidate {
  observation: HostObservation;
  policy: DetectionPolicy;
  prev: HostRecord | undefined;
  state: HostState;
  reason: string;
  evidence: Record<string, unknown>;
  /** Silent, or heartbeating with a component whose policy is fence-and-evacuate. */
  fenceCandidate: boolean;
  silent: boolean;
  failedComponents: string[];
  /** When each failed component was first seen failed. */
  failedSince?: Record<string, number>;
  actions: DetectionAction[];
  /** In maintenance: heartbeating with every component ok now ('unknown' while a new leader listens). */
  healthy?: boolean | 'unknown';
}

/** A heartbeating host: component failures decide between up, degraded (disable/alert) and failed (fence). */
export function triage(
  o: HostObservation,
  prev: HostRecord | undefined,
  policy: DetectionPolicy,
  base: Pick<Candidate, 'observation' | 'policy' | 'prev'>,
  now: number,
): Candidate {
  const components = o.heartbeat?.components ?? {};
  const failed = Object.keys(components)
    .filter((name) => components[name]?.state === 'failed')
    .sort();
  const alreadyTriaged = new Set(prev?.failedComponents ?? []);
  const actions: DetectionAction[] = [];
  const fenceFor: string[] = [];
  const inGrace: string[] = [];
  const failedSince: Record<string, number> = {};
  for (const name of failed) {
    const what = componentPolicy(name, policy);
    const since = prev?.failedSince?.[name] ?? now;
    failedSince[name] = since;
    // Past the grace the instances have had no network (OVS) or hypervisor (libvirt) for too long.
    if (what === 'evacuate' || what === 'fence-and-evacuate') {
      if (now - since >= policy.dataPlaneGraceMs) fenceFor.push(name);
      else inGrace.push(name);
    }
    if (alreadyTriaged.has(name)) continue;
    const reason = `${name} failed on heartbeating host ${o.host}: ${components[name]?.reason ?? 'no reason given'}`;
    if (what !== 'alert') actions.push({ kind: 'disable-compute', host: o.host, component: name, reason });
    actions.push({ kind: 'alert', host: o.host, reason });
  }
  const evidence = {
    components: Object.fromEntries(failed.map((n) => [n, components[n]])),
    failedSince,
  };
  const grace = `${policy.dataPlaneGraceMs} ms`;
  if (fenceFor.length > 0)
    return {
      ...base,
      state: 'failed',
      reason: `${fenceFor.join(', ')} failed for over ${grace} on a heartbeating host; segment policy is evacuate (fence, then evacuate)`,
      evidence,
      fenceCandidate: true,
      silent: false,
      failedComponents: failed,
      failedSince,
      actions,
    };
  if (failed.length > 0)
    return {
      ...base,
      state: 'degraded',
      reason:
        inGrace.length > 0
          ? `${failed.join(', ')} failed; ${inGrace.join(', ')} evacuated if still failed ${grace} after it failed`
          : `${failed.join(', ')} failed`,
      evidence,
      fenceCandidate: false,
      silent: false,
      failedComponents: failed,
      failedSince,
      actions,
    };
  const reason =
    prev && EPISODE_STATES.has(prev.state) ? 'heartbeats resumed' : 'heartbeating, all components ok';
  return {
    ...base,
    state: 'up',
    reason,
    evidence: {},
    fenceCandidate: false,
    silent: false,
    failedComponents: [],
    actions,
  };
}

/** nova-compute dead on a live host is never fenced: the host and its instances are fine. */
function componentPolicy(name: string, policy: DetectionPolicy): ComponentPolicy {
  switch (name) {
    case 'nova-compute':
      return 'disable';
    case 'ovs':
      return policy.ovs;
    case 'libvirtd':
      return policy.libvirt;
    default:
      return 'alert';
  }
}
