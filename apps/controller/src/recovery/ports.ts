/**
 * What the recovery engine needs from the outside world, in its own words. Adapters over NovaClient,
 * the fencing drivers and the inventory implement these; tests use the real fakes behind the adapters.
 */

import { ErrorCode, isVigilError } from '@vigil/contracts';

export type PowerState = 'on' | 'off';

/** Powers a host off and proves it: resolves only when the BMC read back "off". */
export interface HostFencer {
  /** True when the host has fencing settings (a BMC) configured. */
  hasFencing(host: string): Promise<boolean>;
  /** Power off + read back off. Throws a coded VigilError (BMC_UNREACHABLE, AUTH_FAILED, POWER_OFF_UNVERIFIED, TIMEOUT). */
  powerOffVerified(host: string, timeoutMs: number): Promise<void>;
  powerState(host: string, timeoutMs: number): Promise<PowerState>;
}

export interface ComputeService {
  id: string;
  host: string;
  state: 'up' | 'down';
  status: 'enabled' | 'disabled';
  forcedDown: boolean;
  disabledReason: string | null;
}

export interface ServerView {
  id: string;
  name: string;
  tenantId: string;
  /** `OS-EXT-SRV-ATTR:host` */
  host: string | null;
  vmState: string;
  taskState: string | null;
  status: string;
  metadata: Record<string, string>;
  flavorId?: string;
  flavor?: { vcpus?: number; ram?: number; disk?: number; original_name?: string };
  locked?: boolean;
  fault?: string;
}

export interface MigrationView {
  id: number;
  instanceUuid: string;
  status: string;
  sourceCompute: string | null;
  destCompute: string | null;
  createdAt: string;
}

export interface HypervisorCapacity {
  host: string;
  vcpus: number;
  vcpusUsed: number;
  memoryMb: number;
  memoryMbUsed: number;
  state: 'up' | 'down';
  status: 'enabled' | 'disabled';
}

/** The Nova calls recovery makes. */
export interface ComputeApi {
  findComputeService(host: string): Promise<ComputeService | undefined>;
  forceDown(host: string): Promise<void>;
  disableService(host: string, reason: string): Promise<void>;
  enableService(host: string): Promise<void>;
  unsetForceDown(host: string): Promise<void>;
  listServersOnHost(host: string): Promise<ServerView[]>;
  getServer(id: string): Promise<ServerView | undefined>;
  /** Never retried blindly by the adapter: callers re-read the server first. */
  evacuate(id: string, targetHost?: string): Promise<void>;
  lock(id: string, reason: string): Promise<void>;
  unlock(id: string): Promise<void>;
  resetStateToError(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  start(id: string): Promise<void>;
  evacuationMigrations(instanceId: string): Promise<MigrationView[]>;
  /** Evacuation migrations whose source is `host` (`GET /os-migrations?source_compute=`), newest first. */
  evacuationsFromHost(host: string): Promise<MigrationView[]>;
  hypervisors(): Promise<HypervisorCapacity[]>;
  /** Adds the host to every aggregate the failed host belongs to (409 "already member" ignored). */
  joinAggregatesOf(failedHost: string, spareHost: string): Promise<void>;
  /** Every nova-compute service; used by startup reconciliation (optional: skipped when absent). */
  listComputeServices?(): Promise<ComputeService[]>;
}

// ---------------------------------------------------------------------------------------------------
// Boundary to the notification store and inventory (wired by the lead to the inventory services).

export type NotificationType = 'COMPUTE_HOST' | 'VM' | 'PROCESS';
export type NotificationStatus = 'new' | 'running' | 'finished' | 'ignored' | 'error' | 'failed';
/** Who raised the notification: an external Masakari sender, or Vigil's own detection (which Vigil fences). */
export type NotificationOrigin = 'external' | 'vigil-detection';
export type RecoveryMethod = 'auto' | 'reserved_host' | 'auto_priority' | 'rh_priority';

export interface NotificationView {
  /** `notification_uuid`; also the incident id. */
  id: string;
  type: NotificationType;
  hostname: string;
  payload: Readonly<Record<string, string>>;
  status: NotificationStatus;
  origin: NotificationOrigin;
  generatedTime: string;
}

/** Masakari `recovery_workflow_details` entry (≥ 1.1). */
export interface WorkflowDetail {
  name: string;
  state: 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILURE' | 'SKIPPED';
  progress: number;
  progress_details: { timestamp: string; progress: string; message: string }[];
}

/** Masakari 1.3 `vmove`. */
export interface VmoveView {
  uuid: string;
  instance_uuid: string;
  instance_name: string;
  source_host: string;
  dest_host: string | null;
  start_time: string | null;
  end_time: string | null;
  type: 'evacuation';
  status: 'pending' | 'ongoing' | 'succeeded' | 'failed' | 'ignored';
  message: string | null;
}

/** The notification store, seen from recovery. Writes are idempotent (same value twice = one change). */
export interface IncidentLedger {
  getNotification(id: string): Promise<NotificationView | undefined>;
  setStatus(id: string, status: NotificationStatus): Promise<void>;
  /** Replaces the notification's `recovery_workflow_details`. */
  setWorkflowDetails(id: string, details: readonly WorkflowDetail[]): Promise<void>;
  /** Replaces the notification's vmoves. */
  setVmoves(id: string, vmoves: readonly VmoveView[]): Promise<void>;
  /**
   * Ids of notifications still `new` (Masakari's periodic sweep picks them up); reconciliation starts
   * those whose intake was lost. Optional: without it only the intake listener starts incidents.
   */
  newNotificationIds?(): Promise<string[]>;
}
export const INCIDENT_LEDGER = Symbol('INCIDENT_LEDGER');

export interface SegmentView {
  id: string;
  name: string;
  recoveryMethod: RecoveryMethod;
  enabled: boolean;
}

export interface HostView {
  name: string;
  segmentId: string;
  reserved: boolean;
  onMaintenance: boolean;
}

/** Segments and hosts, seen from recovery. */
export interface SegmentDirectory {
  findHost(name: string): Promise<HostView | undefined>;
  getSegment(id: string): Promise<SegmentView | undefined>;
  hostsOfSegment(segmentId: string): Promise<HostView[]>;
  updateHost(name: string, change: { reserved?: boolean; onMaintenance?: boolean }): Promise<void>;
  /** The host returned to service: its next failure report is a new failure, not a duplicate. */
  forgetFailureReports(name: string): Promise<void>;
}
export const SEGMENT_DIRECTORY = Symbol('SEGMENT_DIRECTORY');

/** Details of the CONFLICT a replica gets when it no longer leads (no token, or a newer one was written). */
export const LEADERSHIP_LOST = { leadershipLost: true } as const;

/**
 * A step failed only because this replica stopped leading for a moment (a Redis restart expires the
 * lease): the work is still to do, by whichever replica leads now, so the job is handed back, not failed.
 */
export function isLeadershipLost(err: unknown): boolean {
  return isVigilError(err) && err.code === ErrorCode.CONFLICT && err.details?.leadershipLost === true;
}

/**
 * The leadership module's fencing token: a number that only grows across leader changes. Recovery writes
 * its state only with a token at least as high as any written before, so a deposed replica cannot
 * overwrite the new leader's progress. Throws CONFLICT when this replica is not the leader.
 */
export interface FencingTokenSource {
  current(): Promise<number>;
  /**
   * Leadership changes. When given, recovery runs its workers only while leading (and reconciles on
   * every gain); without it, this replica always runs them (single-replica deployments).
   */
  onChange?(listener: (leading: boolean) => void): void;
  isLeader?(): boolean;
}
export const FENCING_TOKEN_SOURCE = Symbol('FENCING_TOKEN_SOURCE');

/**
 * Whether a returning host is healthy now: heartbeating with every probed component ok (on_maintenance
 * or not: Vigil itself sets on_maintenance after an incident). `since` is when that started, for
 * probation; `missing` says what keeps it from being healthy, in words an operator can act on.
 */
export type HostHealth = { healthy: true; since: number } | { healthy: false; missing: string };

/** What the host monitors report, for return to service. */
export interface HostHealthView {
  health(host: string): Promise<HostHealth>;
}
export const HOST_HEALTH = Symbol('HOST_HEALTH');

/**
 * What Vigil's own signals say about a host an outside notification reports stopped, and whether such
 * a notification is evidence (weighed against them) or an order (Masakari's behaviour).
 */
export interface OutsideReportContext {
  /** `alive`: heartbeating now, or silent to us but seen alive by fresh peer probes or Nova reports. */
  liveness: { kind: 'alive'; why: string } | { kind: 'not-alive' };
  /** Detection policy `outsideHostNotifications` of the host's segment. */
  outsideNotifications: 'evidence' | 'order';
}

/** Detection's view of a host, for outside notifications. */
export interface OutsideReportJudge {
  contextFor(host: string): Promise<OutsideReportContext>;
  /** An outside notification about a live host ended `ignored`: counted, an event, a detection event. Never throws. */
  noteIgnored(host: string, incidentId: string, reason: string): Promise<void>;
}
export const OUTSIDE_REPORT_JUDGE = Symbol('OUTSIDE_REPORT_JUDGE');

/** What recovery reports outward as it works (metrics, operator events). Must not throw. */
export interface RecoveryObserver {
  /** A move reached its outcome; `seconds` from its first evacuate call (0 when none was made). */
  evacuationSettled(result: 'success' | 'failure' | 'timeout' | 'skipped', seconds: number): void;
  /** A reinstated host is back in service: force-down unset, enabled, on_maintenance cleared. */
  hostReinstated(host: string, requestId: string): void;
}

export const HOST_FENCER = Symbol('HOST_FENCER');
export const COMPUTE_API = Symbol('COMPUTE_API');

/** Injected time, so pure logic and backoffs never read the wall clock themselves. */
export interface Clock {
  now(): number;
  /** The only way recovery waits; tests may shorten it. */
  delay(ms: number): Promise<void>;
}
export const CLOCK = Symbol('RECOVERY_CLOCK');
export const systemClock: Clock = {
  now: () => Date.now(),
  delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

// ---------------------------------------------------------------------------------------------------
// Boundary to the instances themselves (restart tiers' readiness gates).

/** Whether a moved instance answers; never throws (a refused, reset or timed-out connect is `false`). */
export interface ReadinessProbe {
  tcp(address: string, port: number, timeoutMs: number): Promise<boolean>;
  /** A GET of `url` answered 2xx or 3xx (not followed) within `timeoutMs`. */
  http(url: URL, timeoutMs: number): Promise<boolean>;
}

/** What Neutron says of a moved instance's ports (the `ports-active` gate). Throws a coded VigilError. */
export interface InstanceNetwork {
  /** The `status` of each Neutron port whose `device_id` is the instance (empty: it has none). */
  portStatuses(instanceId: string): Promise<string[]>;
}
export const INSTANCE_NETWORK = Symbol('INSTANCE_NETWORK');
