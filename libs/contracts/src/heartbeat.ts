import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a host monitor tells the controller every `interval`, and how it proves who it is.
 * Shared by apps/host-monitor (sender) and the controller's intake (receiver).
 */
export type ComponentName = 'nova-compute' | 'libvirtd' | 'ovs' | 'neutron-ovs-agent' | (string & {});

export type ComponentState = 'ok' | 'failed' | 'unknown';

export interface ComponentStatus {
  state: ComponentState;
  /** Why it is failed/unknown (probe output, timeout), short and free of secrets. */
  reason?: string;
  /** Wall-clock ms when the probe finished. */
  checkedAt?: number;
}

export interface PeerReport {
  /** Peer host name (nova-compute service host). */
  host: string;
  reachable: boolean;
  /** Not reachable, but the peer's kernel refused the connection: the host runs, its monitor does not. */
  refused?: boolean;
  /** Round trip of the probe when reachable, ms. */
  rttMs?: number;
  /**
   * How long before this heartbeat was built the probe started, ms (monotonic, so no clock is
   * compared): the controller places the probe at its receipt time minus this, and uses only probes
   * made after the peer's own last heartbeat.
   */
  ageMs?: number;
}

export interface Heartbeat {
  /** Protocol version of this body. */
  v: 1;
  /** nova-compute service host name, as registered in Vigil/Masakari. */
  host: string;
  /** Kernel boot id (/proc/sys/kernel/random/boot_id): a new value means the host rebooted. */
  bootId: string;
  /** Increases by one per heartbeat within one monitor run (bootId + monitor start). */
  seq: number;
  /** Identifies one monitor process run, so a monitor restart resets `seq` without looking like a replay. */
  runId: string;
  /** Monotonic clock of the monitor at send time, ms (not comparable across hosts; gaps within a run are). */
  monoMs: number;
  /** Interval the monitor is configured to send at, ms. */
  intervalMs: number;
  /** By component name; well-known names are the `ComponentName` literals, monitors may add their own. */
  components: Record<string, ComponentStatus>;
  /** Peer witness results, when peer probing is configured. */
  peers?: PeerReport[];
  /**
   * Last gasp: the monitor's final heartbeat, sent on its stop while the host itself shuts down
   * (systemd says `stopping`). Direct evidence the host is going down, not a network event.
   */
  goingDown?: true;
}

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const HOST_HEADER = 'x-vigil-host';
/** Signatures older or newer than this (vs the receiver's clock) are rejected. */
export const SIGNATURE_MAX_SKEW_MS = 30_000;

/**
 * Each host has its own secret derived from one controller key, so a compromised host cannot speak for
 * another, and the controller stores a single key. `vigil` prints a host's secret for its monitor config.
 */
export function deriveHostSecret(masterKey: string, host: string): string {
  return createHmac('sha256', masterKey).update(`vigil-host:${host}`).digest('hex');
}

/** Header value `t=<unix ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signBody(secret: string, body: string, nowMs: number): string {
  const mac = createHmac('sha256', secret).update(`${nowMs}.${body}`).digest('hex');
  return `t=${nowMs},v1=${mac}`;
}

export type SignatureCheck =
  { ok: true; timestampMs: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  nowMs: number,
): SignatureCheck {
  const m = header ? /^t=(\d{1,16}),v1=([0-9a-f]{64})$/.exec(header.trim()) : null;
  if (!m?.[1] || !m[2]) return { ok: false, reason: 'malformed' };
  const timestampMs = Number(m[1]);
  if (Math.abs(nowMs - timestampMs) > SIGNATURE_MAX_SKEW_MS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex'),
    'hex',
  );
  const given = Buffer.from(m[2], 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'mismatch' };
  return { ok: true, timestampMs };
}

/** Controller path a monitor POSTs its signed `Heartbeat` to. */
export const HEARTBEAT_PATH = '/vigil/v1/heartbeats';

/** Controller path a monitor POSTs its signed `InstanceEventReport`s to. */
export function instanceEventsPath(host: string): string {
  return `/vigil/v1/hosts/${encodeURIComponent(host)}/instance-events`;
}

/**
 * A libvirt event on one instance, reported by the monitor of its host and signed like a heartbeat.
 * `payload` is Masakari's VM notification payload, so the controller can create the notification as is.
 */
export interface InstanceEventReport {
  v: 1;
  host: string;
  bootId: string;
  runId: string;
  /** Unique per observed event; a retried POST carries the same id so the controller can deduplicate. */
  eventId: string;
  /** ISO-8601 UTC time the monitor saw the event, e.g. `2024-05-01T10:02:11.000Z`. */
  generatedTime: string;
  type: 'VM';
  payload: { instance_uuid: string; vir_domain_event: string; event: string };
}
