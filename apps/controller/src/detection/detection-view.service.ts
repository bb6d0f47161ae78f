import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { LeaderLease, type LeadershipStatus } from '../leadership/leader-lease';
import { CONFIG, LOGGER } from '../platform/tokens';
import { DetectionStore, type GuardAuditEntry } from './detection-store';
import { FailureDomainMap } from './failure-domain-map';
import {
  HOST_STATES,
  type HostRecord,
  type HostState,
  type StormGuardState,
  type StormScope,
  type TimelineEntry,
} from './model';

export interface HostStateView {
  host: string;
  state: HostState;
  since: number;
  generation: number;
  segmentUuid: string;
  /** Failure-domain path (`detection.failureDomains`, else Nova by `failureDomainsFrom`); absent = none. */
  failureDomain?: string;
  incidentId?: string;
  note?: string;
  /** In maintenance: heartbeating with every component ok since then (what reinstate's probation counts). */
  healthySince?: number;
  failedComponents: string[];
  timeline: TimelineEntry[];
}

export interface ClusterView {
  hostsByState: Record<HostState, string[]>;
  stormGuards: StormGuardState[];
  leadership: LeadershipStatus;
}

/** What operators read and the one thing they do (release a storm guard), on any replica. */
@Injectable()
export class DetectionViewService {
  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: DetectionStore,
    private readonly lease: LeaderLease,
    private readonly domains: FailureDomainMap,
  ) {}

  async hostState(host: string): Promise<HostStateView> {
    const record = await this.store.readRecord(host);
    if (!record) throw new VigilError(ErrorCode.NOT_FOUND, `No detection state for host ${host}.`);
    const timeline = await this.store.readTimeline(host, this.config.detection.timelineMaxEntries);
    const failureDomain = this.domains.of(host);
    return { ...viewOf(record), ...(failureDomain !== undefined ? { failureDomain } : {}), timeline };
  }

  async cluster(): Promise<ClusterView> {
    const [records, guards, leadership] = await Promise.all([
      this.store.readRecords(),
      this.store.readGuards(),
      this.lease.status(),
    ]);
    const hostsByState = Object.fromEntries(HOST_STATES.map((s) => [s, [] as string[]])) as Record<
      HostState,
      string[]
    >;
    for (const r of records.values()) hostsByState[r.state].push(r.host);
    for (const list of Object.values(hostsByState)) list.sort();
    return { hostsByState, stormGuards: [...guards.values()], leadership };
  }

  async pin(scope: StormScope, pinned: boolean, by: string, reason: string): Promise<StormGuardState> {
    return pinGuard(this.store, this.logger, { scope, pinned, by, reason });
  }

  async stormGuards(): Promise<{ guards: StormGuardState[]; audit: GuardAuditEntry[] }> {
    const [guards, audit] = await Promise.all([this.store.readGuards(), this.store.readAudit(50)]);
    return { guards: [...guards.values()], audit };
  }

  /**
   * Releases the engaged guards (all, or one scope). Failure episodes that started before now are
   * acknowledged: the held suspects proceed, and only new failures can trip the guard again.
   */
  async release(by: string, reason: string, scope?: StormScope): Promise<StormGuardState[]> {
    const guards = await this.store.readGuards();
    const engaged = [...guards.values()].filter(
      (g) => g.engaged && (scope === undefined || g.scope === scope),
    );
    if (engaged.length === 0)
      throw new VigilError(
        ErrorCode.CONFLICT,
        scope ? `Storm guard ${scope} is not engaged.` : 'No storm guard is engaged.',
      );
    const now = Date.now();
    const released: StormGuardState[] = [];
    for (const g of engaged) {
      const next: StormGuardState = {
        ...unpinned(g),
        engaged: false,
        releasedAt: now,
        releasedBy: by,
        releaseReason: reason,
      };
      await this.store.writeRelease(next, { at: now, scope: g.scope, by, reason, action: 'release' });
      released.push(next);
      this.logger.warn({ scope: g.scope, by, reason }, `storm guard ${g.scope} released by an operator`);
    }
    return released;
  }
}

/**
 * Pins (or unpins) an engaged guard: a pinned guard never releases itself, only an operator's release
 * ends it (and clears the pin). Audited like a release.
 */
export async function pinGuard(
  store: DetectionStore,
  logger: Logger,
  input: { scope: StormScope; pinned: boolean; by: string; reason: string },
): Promise<StormGuardState> {
  const guard = (await store.readGuards()).get(input.scope);
  if (!guard?.engaged)
    throw new VigilError(
      ErrorCode.CONFLICT,
      `Storm guard ${input.scope} is not engaged; only an engaged guard can be pinned.`,
    );
  const now = Date.now();
  const next: StormGuardState = input.pinned
    ? { ...guard, pinned: true, pinnedBy: input.by, pinnedAt: now, pinReason: input.reason }
    : unpinned(guard);
  await store.writeRelease(next, {
    at: now,
    scope: input.scope,
    by: input.by,
    reason: input.reason,
    action: input.pinned ? 'pin' : 'unpin',
  });
  logger.warn(
    { scope: input.scope, by: input.by, reason: input.reason },
    `storm guard ${input.scope} ${input.pinned ? 'pinned' : 'unpinned'} by an operator`,
  );
  return next;
}

function unpinned(guard: StormGuardState): StormGuardState {
  const copy = { ...guard };
  delete copy.pinned;
  delete copy.pinnedBy;
  delete copy.pinnedAt;
  delete copy.pinReason;
  return copy;
}

function viewOf(r: HostRecord): Omit<HostStateView, 'timeline'> {
  return {
    host: r.host,
    state: r.state,
    since: r.since,
    generation: r.generation,
    segmentUuid: r.segmentUuid,
    failedComponents: r.failedComponents,
    ...(r.incidentId ? { incidentId: r.incidentId } : {}),
    ...(r.note ? { note: r.note } : {}),
    ...(r.healthySince !== undefined ? { healthySince: r.healthySince } : {}),
  };
}
