import {
  type DetectionPolicy,
  type GlobalDetectionSettings,
  type StormGuardState,
  type StormScope,
} from './model';

/** A failure episode in progress: the host went silent (or must be fenced) at `startedAt`. */
export interface Episode {
  host: string;
  segmentUuid: string;
  startedAt: number;
  /** False when the host heartbeats but a component failure calls for fencing; only silence counts for the cliff. */
  silent: boolean;
}

export interface StormAssessment {
  /** Every guard after this sweep, engaged or not. */
  guards: Map<StormScope, StormGuardState>;
  /** Guards that engaged in this sweep. */
  newlyEngaged: StormGuardState[];
}

export const segmentScope = (segmentUuid: string): StormScope => `segment:${segmentUuid}`;

/**
 * Layered storm limits. Per segment: more than `maxFailedPercent` (never for a lone suspect, so small
 * segments still recover) or more than `maxFailedHosts` of its hosts starting a failure episode within
 * `windowMs`. Globally, a heartbeat cliff: `cliffPercent` of all monitored hosts going silent within
 * `cliffWindowMs` says our own network failed. An engaged guard stays engaged until an operator
 * releases it; episodes that started before the release are acknowledged and no longer count.
 */
export function assessStorm(args: {
  now: number;
  episodes: readonly Episode[];
  /** Monitored hosts not in maintenance, per segment. */
  segmentSizes: ReadonlyMap<string, number>;
  guards: ReadonlyMap<StormScope, StormGuardState>;
  policyOf: (segmentUuid: string) => DetectionPolicy;
  settings: GlobalDetectionSettings;
}): StormAssessment {
  const { now, episodes, segmentSizes, policyOf, settings } = args;
  const guards = new Map(args.guards);
  const newlyEngaged: StormGuardState[] = [];
  const counts = (scope: StormScope, windowMs: number, inScope: (e: Episode) => boolean): Episode[] => {
    const releasedAt = guards.get(scope)?.releasedAt ?? Number.NEGATIVE_INFINITY;
    return episodes.filter((e) => inScope(e) && now - e.startedAt <= windowMs && e.startedAt > releasedAt);
  };
  const engage = (scope: StormScope, reason: string, hosts: Episode[]): void => {
    const current = guards.get(scope);
    if (current?.engaged) return;
    const next: StormGuardState = {
      ...current,
      scope,
      engaged: true,
      engagedAt: now,
      reason,
      hosts: hosts.map((e) => e.host).sort(),
    };
    guards.set(scope, next);
    newlyEngaged.push(next);
  };

  for (const [segmentUuid, size] of segmentSizes) {
    const { stormGuard } = policyOf(segmentUuid);
    const scope = segmentScope(segmentUuid);
    const failing = counts(scope, stormGuard.windowMs, (e) => e.segmentUuid === segmentUuid);
    const percent = size > 0 ? (failing.length * 100) / size : 0;
    if (failing.length > 1 && percent > stormGuard.maxFailedPercent)
      engage(
        scope,
        `${failing.length} of ${size} hosts failing within ${stormGuard.windowMs} ms (> ${stormGuard.maxFailedPercent}%)`,
        failing,
      );
    else if (stormGuard.maxFailedHosts !== undefined && failing.length > stormGuard.maxFailedHosts)
      engage(
        scope,
        `${failing.length} hosts failing within ${stormGuard.windowMs} ms (> ${stormGuard.maxFailedHosts})`,
        failing,
      );
  }

  let total = 0;
  for (const size of segmentSizes.values()) total += size;
  if (total >= settings.cliffMinHosts) {
    const silent = counts('global', settings.cliffWindowMs, (e) => e.silent);
    if ((silent.length * 100) / total >= settings.cliffPercent)
      engage(
        'global',
        `heartbeat cliff: ${silent.length} of ${total} hosts went silent within ${settings.cliffWindowMs} ms; the controller's own network is the likely cause`,
        silent,
      );
  }
  return { guards, newlyEngaged };
}

/** The engaged guard that holds fencing of a host, if any (global first). */
export function holdingGuard(
  guards: ReadonlyMap<StormScope, StormGuardState>,
  segmentUuid: string,
): StormGuardState | undefined {
  const global = guards.get('global');
  if (global?.engaged) return global;
  const segment = guards.get(segmentScope(segmentUuid));
  return segment?.engaged ? segment : undefined;
}
