/**
 * Nova liveness from nova-compute's own reports, not from Nova's `state`.
 *
 * nova-compute writes its service record every `report_interval` (default 10 s), which advances
 * `updated_at`; Nova's `state` only turns `down` once `service_down_time` (default 60 s) has passed
 * without a report. So `updated_at` says within seconds what `state` says after a minute. The catch
 * is the clock: `updated_at` is Nova's (naive UTC), ours may differ by any amount. We therefore never
 * compare an `updated_at` with our clock directly. We only use:
 *  - the order of Nova's timestamps among themselves (successive values of one service: its cadence);
 *  - the order of our own reads (a value first seen after a read that still showed the previous value
 *    was written after that read);
 *  - an upper bound of (our clock − Nova's clock): every value in a list was written before we read
 *    it, so `readAt − newest updated_at` bounds the offset from above. Mapping an `updated_at` onto
 *    our clock with that bound gives the *latest* moment it can have been written.
 *
 * Pure functions over plain data: the detection service keeps the ledger between sweeps.
 */

/** One nova-compute service as one `GET /os-services` showed it. */
export interface NovaServiceReading {
  host: string;
  /** Naive UTC as Nova writes it (`2024-05-01T10:00:03.000000`); absent for unreachable cells. */
  updatedAt?: string;
  state?: string;
  /** Set by Vigil or an operator: makes `state` down, says nothing about the host. */
  forcedDown?: boolean;
}

/** What we know of one service's reports. */
export interface NovaReportTrack {
  /** Newest `updated_at` seen, Nova's clock, ms. */
  updatedAtMs: number;
  /** Our clock: the first read that showed `updatedAtMs`. */
  firstReadAt: number;
  /** Our clock: the newest read that showed `updatedAtMs`. */
  lastReadAt: number;
  /** Our clock: the last read that still showed the previous value; Nova wrote `updatedAtMs` after it. */
  advancedAfter?: number;
  /** Recent steps between successive `updated_at` values (Nova's clock, ms), newest last. */
  stepsMs: number[];
  state: 'up' | 'down' | 'unknown';
  forcedDown: boolean;
}

export interface NovaReportLedger {
  services: ReadonlyMap<string, NovaReportTrack>;
  /** Recent samples of (our read time − newest `updated_at` of that read); their minimum bounds our clock − Nova's from above. */
  offsetSamplesMs: number[];
}

export const EMPTY_NOVA_LEDGER: NovaReportLedger = { services: new Map(), offsetSamplesMs: [] };

/** Steps kept per service to learn its cadence, and reads kept to bound the clock offset. */
const STEPS_KEPT = 5;
const OFFSET_SAMPLES_KEPT = 20;
/** Steps shorter than this are not reports (a disable or force-down right after a report also touches `updated_at`). */
const MIN_REPORT_STEP_MS = 100;
/**
 * A step teaches the cadence only when the read before it was this recent: then no report fell
 * unseen between the two values. Lists are read only while some host is silent, so the step from the
 * last read of one silent episode to the first of the next spans many reports (seen on a real cloud:
 * a learnt "cadence" of ~50 s after one incident, and a kernel hang detected only when Nova's
 * service_down_time ran out). Sweeps run every `detection.sweepIntervalMs` (500 ms) while reading.
 */
const MAX_READ_GAP_FOR_STEP_MS = 2_000;

/** Nova's naive UTC timestamp (`2024-05-01T10:00:03.000000`, no zone) as ms; undefined if unreadable. */
export function parseNovaTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]00:00)?$/.exec(value.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 4) : ''}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Folds one service list, read at `readAt` (our clock), into the ledger. */
export function recordServiceList(
  prev: NovaReportLedger,
  readings: readonly NovaServiceReading[],
  readAt: number,
): NovaReportLedger {
  const services = new Map(prev.services);
  let newest = Number.NEGATIVE_INFINITY;
  for (const r of readings) {
    const updatedAtMs = parseNovaTime(r.updatedAt);
    if (updatedAtMs === undefined) continue;
    newest = Math.max(newest, updatedAtMs);
    const state = r.state === 'up' || r.state === 'down' ? r.state : 'unknown';
    const forcedDown = r.forcedDown === true;
    const old = services.get(r.host);
    if (!old || updatedAtMs < old.updatedAtMs) {
      // First sight (or Nova's clock went back): nothing is known about when this value was written.
      services.set(r.host, {
        updatedAtMs,
        firstReadAt: readAt,
        lastReadAt: readAt,
        stepsMs: [],
        state,
        forcedDown,
      });
    } else if (updatedAtMs === old.updatedAtMs) {
      services.set(r.host, { ...old, lastReadAt: readAt, state, forcedDown });
    } else {
      const step = updatedAtMs - old.updatedAtMs;
      services.set(r.host, {
        updatedAtMs,
        firstReadAt: readAt,
        lastReadAt: readAt,
        advancedAfter: old.lastReadAt,
        stepsMs:
          step >= MIN_REPORT_STEP_MS && readAt - old.lastReadAt <= MAX_READ_GAP_FOR_STEP_MS
            ? [...old.stepsMs, step].slice(-STEPS_KEPT)
            : old.stepsMs,
        state,
        forcedDown,
      });
    }
  }
  const offsetSamplesMs = Number.isFinite(newest)
    ? [...prev.offsetSamplesMs, readAt - newest].slice(-OFFSET_SAMPLES_KEPT)
    : prev.offsetSamplesMs;
  return { services, offsetSamplesMs };
}

/**
 * The service's report cadence: the median of its recent steps between `updated_at` values. A step
 * can be a multiple of the cadence (we read only while some host is silent) or, once, shorter (a
 * disable right after a report); the median resists both, and a cadence taken too long only delays
 * dead evidence, never invents it. Until a step was seen, `fallbackMs` (Nova's `report_interval`).
 */
export function reportCadenceMs(track: NovaReportTrack, fallbackMs: number): number {
  const sorted = [...track.stepsMs].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? fallbackMs;
}

/** Upper bound of (our clock − Nova's clock), or undefined before the first read. */
export function clockOffsetMaxMs(ledger: NovaReportLedger): number | undefined {
  return ledger.offsetSamplesMs.length > 0 ? Math.min(...ledger.offsetSamplesMs) : undefined;
}

/** What one service's reports say about its host at `now`, judged against the host's last heartbeat. */
export type NovaReportJudgement =
  | { says: 'alive'; observedAt: number; why: string }
  | { says: 'dead'; observedAt: number; why: string }
  | {
      says: 'neutral';
      observedAt?: number;
      why: string;
      /**
       * Nova's newest report of this service may have been written after the host's last heartbeat,
       * and its next one is not overdue yet: Nova may still say the host runs. Peers alone must not
       * confirm meanwhile (a host cut from the controller and its peers still reports to Nova).
       */
      mayBeAlive?: true;
    };

export interface NovaJudgeArgs {
  track: NovaReportTrack | undefined;
  offsetMaxMs: number | undefined;
  /** Our clock: the host's last heartbeat. */
  lastHeartbeatAt: number;
  /** The last heartbeat said nova-compute was running; otherwise Nova's silence predates this episode. */
  novaComputeWasOk: boolean;
  now: number;
  fallbackCadenceMs: number;
  toleranceMs: number;
}

export function judgeNovaReports(a: NovaJudgeArgs): NovaReportJudgement {
  const t = a.track;
  if (!t) return { says: 'neutral', why: 'no report of this service in the service list' };
  const cadence = reportCadenceMs(t, a.fallbackCadenceMs);
  // The latest our-clock moment Nova can have written updated_at, and when the next report was due.
  const writtenBy =
    a.offsetMaxMs === undefined ? t.firstReadAt : Math.min(t.firstReadAt, t.updatedAtMs + a.offsetMaxMs);
  const nextDue = writtenBy + cadence;
  const missedBy = a.now - nextDue;
  // Checked before "alive": a report missed after the last advance is fresher than that advance.
  const canSpeak = a.novaComputeWasOk || t.advancedAfter !== undefined;
  if (canSpeak && missedBy > a.toleranceMs && nextDue > a.lastHeartbeatAt)
    return {
      says: 'dead',
      observedAt: nextDue + a.toleranceMs,
      why: `missed the report due ${secs(nextDue - a.lastHeartbeatAt)} after the last heartbeat by ${secs(missedBy)} (cadence ${secs(cadence)})`,
    };
  // Nova's own `state` down (not forced) means it missed reports for service_down_time: the slow
  // form of the rule above, computed by Nova from its last report, so it also outranks an advance we saw earlier.
  if (canSpeak && t.state === 'down' && !t.forcedDown)
    return {
      says: 'dead',
      observedAt: t.firstReadAt,
      why: 'state down (service_down_time passed, not forced)',
    };
  // An advance first seen after a read that itself followed the last heartbeat: nova-compute wrote
  // its record after the host went silent to us, so the host runs and our path to it is what broke.
  // forced_down does not stop nova-compute's reports, so it changes nothing here.
  if (t.advancedAfter !== undefined && t.advancedAfter >= a.lastHeartbeatAt)
    return {
      says: 'alive',
      observedAt: t.firstReadAt,
      why: `updated_at advanced after ${secs(t.advancedAfter - a.lastHeartbeatAt)} past the last heartbeat`,
    };
  if (!a.novaComputeWasOk)
    return { says: 'neutral', why: 'nova-compute was already failed at the last heartbeat' };
  if (t.forcedDown)
    return {
      says: 'neutral',
      observedAt: t.firstReadAt,
      why: 'forced_down (set by Vigil or an operator): says nothing about the host',
    };
  // `writtenBy` is the latest moment the report can have been written: at or after the last
  // heartbeat, it may be fresher than our silence (Nova's clock allows no tighter placement).
  if (writtenBy >= a.lastHeartbeatAt)
    return {
      says: 'neutral',
      observedAt: t.firstReadAt,
      why: `service up, updated_at possibly written after the last heartbeat; next report due ${secs(nextDue - a.now)} from now`,
      mayBeAlive: true,
    };
  return {
    says: 'neutral',
    observedAt: t.firstReadAt,
    why: `next report due ${secs(nextDue - a.now)} from now`,
  };
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
