/**
 * Proactive quarantine, the pure part: whether a degradation signal (PSU or NIC redundancy lost,
 * correctable memory errors: the host still works, but is likely to fail) moves its host to
 * `quarantine`, and what then leaves it. No I/O, no clock: the service passes time and state in.
 *
 * A quarantined host is disabled in Nova for new instances and, in `drain` mode, emptied by live
 * migration at a bounded rate. It is never fenced: nothing here ever powers a host off.
 */

/** What a segment does with a degraded host: nothing, disable it only (`flag`), or disable and empty it. */
export type QuarantineMode = 'off' | 'flag' | 'drain';

/** The storm limits of the host's segment (detection's `stormGuard`), applied to quarantines as well. */
export interface QuarantineStormLimits {
  windowMs: number;
  maxFailedPercent: number;
  maxFailedHosts?: number;
}

export interface QuarantineRecord {
  host: string;
  segmentId: string;
  /** When the host entered quarantine, epoch ms. */
  since: number;
  /** Alert names (or monitor reports) that put it there; later ones are added. */
  signals: string[];
  mode: 'flag' | 'drain';
}

/** The host as Vigil sees it when the signal arrives. */
export interface QuarantineCandidate {
  host: string;
  segmentId: string;
  /** Detection's state (`up`, `suspect`, `failed`, `maintenance`, ...). Only an `up` host is quarantined. */
  state: string;
  reserved: boolean;
}

export type QuarantineDecision =
  | { kind: 'quarantine'; mode: 'flag' | 'drain' }
  /** Already quarantined: the signal is added to its record, nothing else changes. */
  | { kind: 'already' }
  | { kind: 'skip'; why: string }
  /** The storm limits refuse it: too many hosts of the segment degraded at once to move them all. */
  | { kind: 'limited'; why: string };

/**
 * Pure. `active`: quarantines in force (all segments). `segmentSize`: hosts of the segment that are
 * monitored and not in maintenance, as for the storm guard.
 */
export function decideQuarantine(args: {
  now: number;
  candidate: QuarantineCandidate;
  mode: QuarantineMode;
  limits: QuarantineStormLimits;
  segmentSize: number;
  active: readonly QuarantineRecord[];
}): QuarantineDecision {
  const { now, candidate, mode, limits, segmentSize, active } = args;
  if (active.some((q) => q.host === candidate.host)) return { kind: 'already' };
  if (mode === 'off') return { kind: 'skip', why: 'quarantine is off for this segment' };
  if (candidate.reserved)
    return { kind: 'skip', why: `${candidate.host} is a reserved host: it holds no instances to move` };
  if (candidate.state !== 'up')
    return { kind: 'skip', why: `${candidate.host} is ${candidate.state}, not up: failure handling owns it` };
  // The same rule as the storm guard: a lone host always passes; more than maxFailedHosts, or more than
  // maxFailedPercent of the segment, entering quarantine within windowMs is a storm (a rack-wide PSU
  // feed, a bad firmware push): moving them all would overload the rest, so the extra ones wait.
  const recent = active.filter(
    (q) => q.segmentId === candidate.segmentId && now - q.since <= limits.windowMs,
  );
  const count = recent.length + 1;
  const overHosts = limits.maxFailedHosts !== undefined && count > limits.maxFailedHosts;
  const overPercent = count > 1 && (count * 100) / Math.max(segmentSize, 1) > limits.maxFailedPercent;
  if (overHosts || overPercent) {
    const limit = overHosts
      ? `at most ${limits.maxFailedHosts ?? 0} hosts`
      : `at most ${limits.maxFailedPercent}% of its ${segmentSize} hosts`;
    return {
      kind: 'limited',
      why: `storm limit: ${recent.length} hosts of the segment entered quarantine within ${limits.windowMs} ms (${recent
        .map((q) => q.host)
        .sort()
        .join(', ')}); ${limit} at once`,
    };
  }
  return { kind: 'quarantine', mode };
}

/** A server on a quarantined host, as the mover sees it. */
export interface DrainCandidate {
  id: string;
  vmState: string;
  taskState: string | null;
}

/**
 * Pure: which servers the mover live-migrates next. Only `active` servers with no task running move
 * (Nova refuses others: 409); at most `maxInFlight` migrations of the host run at once.
 */
export function nextLiveMigrations(
  servers: readonly DrainCandidate[],
  maxInFlight: number,
): { start: string[]; inFlight: number; stuck: string[] } {
  const inFlight = servers.filter((s) => s.taskState === 'migrating').length;
  const movable = servers.filter((s) => s.vmState === 'active' && s.taskState === null).map((s) => s.id);
  const stuck = servers.filter((s) => s.vmState !== 'active' && s.taskState !== 'migrating').map((s) => s.id);
  return { start: movable.slice(0, Math.max(0, maxInFlight - inFlight)), inFlight, stuck };
}
