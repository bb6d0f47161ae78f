import { type ComponentStatus } from '@vigil/contracts';
import { type DetectionPolicyConfig } from '@vigil/config';
import { type NovaReportTrack } from './nova-reports';

/**
 * The vocabulary of detection: what a host can be, what we observed about it, and what the detector
 * decides to do. Everything here is plain data so `evaluate()` stays a pure function.
 */
export type HostState =
  | 'up'
  /** Heartbeating, but a component (nova-compute, OVS, libvirt) failed. */
  | 'degraded'
  /** Silent for `heartbeatTimeoutMs`; not yet confirmed. */
  | 'suspect'
  /** Suspect confirmed by independent evidence: an incident is opened. */
  | 'failed'
  | 'maintenance'
  /** Set by the recovery workflow once power-off is verified. */
  | 'fenced'
  /** Set by the recovery workflow while instances move. */
  | 'recovering'
  /** Silent to us, but peers or Nova still see it alive: our path to it is broken, not the host. */
  | 'isolated-from-controller';

export const HOST_STATES: readonly HostState[] = [
  'up',
  'degraded',
  'suspect',
  'failed',
  'maintenance',
  'fenced',
  'recovering',
  'isolated-from-controller',
];

export type DetectionPolicy = DetectionPolicyConfig;
export type EvidenceSource = DetectionPolicy['evidenceSources'][number];
export type ComponentPolicy = DetectionPolicy['ovs'];

/** One thing some other system told us about a host, kept with the time we learnt it. */
export type Evidence =
  /** masakari-monitors' COMPUTE_HOST notification: `STOPPED` with `host_status: NORMAL` = seen powered off. */
  | { kind: 'masakari-host-stopped'; at: number; notificationId?: string }
  /** An Alertmanager alert saying the host is down. */
  | { kind: 'alert-host-down'; at: number; alertName: string };

/** What a heartbeat told us, as last received (`receivedAt` is our clock). */
export interface HeartbeatSighting {
  receivedAt: number;
  bootId: string;
  runId: string;
  seq: number;
  intervalMs: number;
  components: Record<string, ComponentStatus>;
  peers?: PeerSighting[];
  /** The monitor's last gasp: the host said it was shutting down (ends a correlated-silence hold). */
  goingDown?: true;
}

/** One peer result as a reporter's heartbeat carried it. */
export interface PeerSighting {
  host: string;
  reachable: boolean;
  /** The peer's kernel refused the connection: the host runs, its monitor does not. */
  refused?: boolean;
  /** How long before the reporter built its heartbeat the probe started, ms (absent from older monitors). */
  ageMs?: number;
}

/** Answers of the evidence probes, gathered by the sweep only for silent hosts. */
export interface ProbeResults {
  /** Read during this sweep. */
  bmc: 'on' | 'off' | 'unknown';
  /**
   * What the service lists read so far know of the host's nova-compute reports; absent = Nova not
   * asked (no probe). `unread`: Nova was asked this sweep and did not answer (error or timeout).
   */
  nova?: { track?: NovaReportTrack; offsetMaxMs?: number; unread?: boolean };
}

/** One piece of evidence about a silent host, with when it was observed (our clock) and what it says. */
export interface EvidenceItem {
  source: EvidenceSource;
  /** Whether it counts, and which way: stale or inconclusive items are `neutral`. */
  says: 'alive' | 'dead' | 'neutral';
  /** What was observed, e.g. `peer compute2: unreachable`. */
  label: string;
  /** Our clock; undefined when the source gave no time. */
  observedAt?: number;
  /** Why it counts or not. */
  why: string;
}

export interface HostObservation {
  host: string;
  segmentUuid: string;
  onMaintenance: boolean;
  segmentEnabled: boolean;
  heartbeat?: HeartbeatSighting;
  probes?: ProbeResults;
  /** Recorded evidence (any age; `evaluate` drops what is older than `evidenceMaxAgeMs`). */
  evidence: readonly Evidence[];
}

/** What detection remembers per host between sweeps (persisted in Redis by the leader). */
export interface HostRecord {
  host: string;
  segmentUuid: string;
  state: HostState;
  /** When the host entered `state`. */
  since: number;
  /** Increases each time a new failure episode starts (the host went silent after being seen alive). */
  generation: number;
  /** When the current failure episode started (entered suspect), for storm windows. */
  silentSince?: number;
  /** Components currently failed on a heartbeating host, already triaged. */
  failedComponents: string[];
  /** When each of `failedComponents` was first seen failed (our clock), for `dataPlaneGraceMs`. */
  failedSince?: Record<string, number>;
  /** Set once the incident of this generation is opened. */
  incidentId?: string;
  /** Why the host holds its state (e.g. which storm guard holds it). */
  note?: string;
  /**
   * In `maintenance` only: since when the host has been heartbeating with every component ok (absent
   * while it is silent or a component failed). Return to service counts probation from it, since a host
   * Vigil recovered stays on_maintenance until it is reinstated.
   */
  healthySince?: number;
}

export interface TimelineEntry {
  at: number;
  host: string;
  from: HostState | 'unknown';
  to: HostState;
  generation: number;
  reason: string;
  evidence: Record<string, unknown>;
}

export type StormScope = 'global' | `segment:${string}`;

export interface StormGuardState {
  scope: StormScope;
  engaged: boolean;
  engagedAt?: number;
  reason?: string;
  /** Hosts counted when it engaged. */
  hosts?: string[];
  /** Failure episodes that started at or before this are acknowledged by an operator and no longer count. */
  releasedAt?: number;
  /** An operator's name, or `vigil` for a self-release. */
  releasedBy?: string;
  releaseReason?: string;
  /** Since when the storm it engaged for is over (the hosts still silent would not trip it alone). */
  quietSince?: number;
  /** Pinned by an operator: never releases itself, only an operator's release ends it. */
  pinned?: boolean;
  pinnedBy?: string;
  pinnedAt?: number;
  pinReason?: string;
}

/** The author of self-releases in the audit trail and on the guard. */
export const SELF_RELEASE_BY = 'vigil';

export interface Verdict {
  host: string;
  segmentUuid: string;
  generation: number;
  reason: string;
  evidence: Record<string, unknown>;
  at: number;
}

export type DetectionAction =
  | { kind: 'open-incident'; verdict: Verdict }
  | { kind: 'disable-compute'; host: string; component: string; reason: string }
  | { kind: 'alert'; host: string; reason: string }
  | { kind: 'storm-guard-engaged'; guard: StormGuardState }
  | { kind: 'storm-guard-released'; guard: StormGuardState };

export interface GlobalDetectionSettings {
  evidenceMaxAgeMs: number;
  /** Nova's `report_interval` until a service's own cadence is learnt, ms. */
  novaReportIntervalMs: number;
  /** How late a nova-compute report may be before its absence is dead evidence, ms. */
  novaReportToleranceMs: number;
  cliffPercent: number;
  cliffWindowMs: number;
  cliffMinHosts: number;
  /** The global guard's self-release quiet period (segments use their own policy's). */
  stormGuard: { selfReleaseQuietMs: number };
}

export interface DetectionInput {
  now: number;
  /** When this replica became leader: silence is counted from here at the earliest, so a fresh leader does not take its own absence for host failures. */
  observingSince: number;
  hosts: readonly HostObservation[];
  previous: ReadonlyMap<string, HostRecord>;
  guards: ReadonlyMap<StormScope, StormGuardState>;
  policyOf: (segmentUuid: string) => DetectionPolicy;
  settings: GlobalDetectionSettings;
  /** A host's failure-domain path (`detection.failureDomains`); undefined = none. */
  domainOf?: (host: string) => string | undefined;
}

export interface DetectionOutput {
  /** Records that changed (only those). */
  records: HostRecord[];
  timeline: TimelineEntry[];
  /** Guards that changed (only those). */
  guards: StormGuardState[];
  actions: DetectionAction[];
}
