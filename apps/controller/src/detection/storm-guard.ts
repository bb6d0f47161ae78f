import {
  type DetectionPolicy,
  type GlobalDetectionSettings,
  SELF_RELEASE_BY,
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
  /** Guards that released themselves in this sweep (the storm they counted is over, quiet long enough). */
  selfReleased: StormGuardState[];
  /** Every guard whose stored state changed in this sweep (engaged, quiet started or ended, released). */
  changed: StormGuardState[];
}

export const segmentScope = (segmentUuid: string): StormScope => `segment:${segmentUuid}`;

/**
 * Layered storm limits. Per segment: more than `maxFailedPercent` (never for a lone suspect, so small
 * segments still recover) or more than `maxFailedHosts` of its hosts starting a failure episode within
 * `windowMs`. Globally, a heartbeat cliff: `cliffPercent` of all monitored hosts going silent within
 * `cliffWindowMs` says our own network failed. An engaged guard stays engaged until an operator
 * releases it, or until it releases itself (`selfReleaseQuietMs` after the storm is over, unless
 * pinned); episodes that started before a release are acknowledged and no longer count.
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
  const selfReleased: StormGuardState[] = [];
  const changed = new Map<StormScope, StormGuardState>();
  const counts = (scope: StormScope, windowMs: number, inScope: (e: Episode) => boolean): Episode[] => {
    const releasedAt = guards.get(scope)?.releasedAt ?? Number.NEGATIVE_INFINITY;
    return episodes.filter((e) => inScope(e) && now - e.startedAt <= windowMs && e.startedAt > releasedAt);
  };
  const engage = (scope: StormScope, reason: string, hosts: Episode[]): void => {
    const current = guards.get(scope);
    if (current?.engaged) return;
    const next: StormGuardState = {
      ...(current ? withoutQuiet(current) : {}),
      scope,
      engaged: true,
      engagedAt: now,
      reason,
      hosts: hosts.map((e) => e.host).sort(),
    };
    guards.set(scope, next);
    newlyEngaged.push(next);
    changed.set(scope, next);
  };
  /**
   * An engaged guard whose storm is over (`over`: the hosts still in an episode would not trip it by
   * themselves) for `quietMs` releases itself: episodes that started before now are acknowledged, so a
   * host that stayed silent is judged again as a single failure.
   */
  const settle = (scope: StormScope, over: boolean, quietMs: number, stillSilent: number): void => {
    const current = guards.get(scope);
    if (!current?.engaged || current.pinned || quietMs <= 0) return;
    let next: StormGuardState = current;
    if (!over) {
      if (current.quietSince === undefined) return;
      next = withoutQuiet(current);
    } else if (current.quietSince === undefined) next = { ...current, quietSince: now };
    else if (now - current.quietSince >= quietMs) {
      const counted = current.hosts?.length ?? 0;
      next = {
        ...current,
        engaged: false,
        releasedAt: now,
        releasedBy: SELF_RELEASE_BY,
        releaseReason:
          `self-release: ${counted - stillSilent} of the ${counted} hosts it counted heartbeat again` +
          `${stillSilent > 0 ? ` (${stillSilent} still silent, now judged alone)` : ''}, no storm for ${quietMs} ms`,
      };
      selfReleased.push(next);
    } else return;
    guards.set(scope, next);
    changed.set(scope, next);
  };
  const trips = (count: number, size: number, stormGuard: DetectionPolicy['stormGuard']): boolean =>
    (count > 1 && size > 0 && (count * 100) / size > stormGuard.maxFailedPercent) ||
    (stormGuard.maxFailedHosts !== undefined && count > stormGuard.maxFailedHosts);

  for (const [segmentUuid, size] of segmentSizes) {
    const { stormGuard } = policyOf(segmentUuid);
    const scope = segmentScope(segmentUuid);
    const failing = counts(scope, stormGuard.windowMs, (e) => e.segmentUuid === segmentUuid);
    const percent = size > 0 ? (failing.length * 100) / size : 0;
    const ongoing = episodes.filter((e) => e.segmentUuid === segmentUuid);
    settle(
      scope,
      !trips(ongoing.length, size, stormGuard),
      stormGuard.selfReleaseQuietMs,
      stillIn(scope, ongoing),
    );
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
    const ongoing = episodes.filter((e) => e.silent);
    settle(
      'global',
      (ongoing.length * 100) / total < settings.cliffPercent,
      settings.stormGuard.selfReleaseQuietMs,
      stillIn('global', ongoing),
    );
    const silent = counts('global', settings.cliffWindowMs, (e) => e.silent);
    if ((silent.length * 100) / total >= settings.cliffPercent)
      engage(
        'global',
        `heartbeat cliff: ${silent.length} of ${total} hosts went silent within ${settings.cliffWindowMs} ms; the controller's own network is the likely cause`,
        silent,
      );
  }
  return { guards, newlyEngaged, selfReleased, changed: [...changed.values()] };

  function stillIn(scope: StormScope, ongoing: readonly Episode[]): number {
    const counted = new Set(guards.get(scope)?.hosts ?? []);
    return ongoing.filter((e) => counted.has(e.host)).length;
  }
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

function withoutQuiet(guard: StormGuardState): StormGuardState {
  const copy = { ...guard };
  delete copy.quietSince;
  return copy;
}
