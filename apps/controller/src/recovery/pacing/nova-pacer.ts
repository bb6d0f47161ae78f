import { type RecoveryConfig } from '@vigil/config';
import { ErrorCode, isVigilError } from '@vigil/contracts';
import { type Clock } from '../ports';
import { type SlotScope } from '../store/concurrency-slots';
import {
  initialState,
  type NovaSample,
  observe,
  type PacingDecision,
  type ScopeBounds,
  type ScopeState,
  slotsOf,
} from './aimd';
import { bookSlot, nextPollDelayMs, reserve, type SlotBook, type SpacingBudget } from './schedule';

export type ScopeKind = 'global' | 'segment' | 'incident';

/** One change of a scope's limit, with the incident whose move saw the answer that caused it. */
export interface PacingEvent {
  at: string;
  scope: string;
  kind: ScopeKind;
  incidentId: string;
  decision: PacingDecision;
  /** The scope's upper bound (the operator's). */
  max: number;
}

export interface ScopeLimit {
  scope: string;
  kind: ScopeKind;
  limit: number;
  min: number;
  max: number;
}

export interface PacingSnapshot {
  enabled: boolean;
  scopes: ScopeLimit[];
  evacuateCallsPerSecond: number;
  pollsPerSecond: number;
  /** Learned rebuild time the confirmation polls aim at (null until a rebuild was seen), ms. */
  expectedRebuildMs: number | null;
  /** Newest last. */
  recentDecisions: PacingEvent[];
}

/** Incident scopes remembered at most; the oldest is forgotten (it restarts at `startConcurrency`). */
const MAX_INCIDENT_SCOPES = 1000;
const RECENT_DECISIONS = 50;
const REBUILD_EWMA_WEIGHT = 0.3;

/**
 * The leader's live pacing toward Nova: one AIMD state per scope, the evacuate-call and poll budgets,
 * the learned rebuild time. In memory on purpose: only the leader runs evacuations, and a new leader
 * starting again from `startConcurrency` is the cautious choice after whatever made leadership move.
 */
export class NovaPacer {
  private readonly states = new Map<string, ScopeState>();
  private evacuateBudget: SpacingBudget = { nextFreeAt: 0 };
  private readonly pollBook: SlotBook = new Map();
  private expectedRebuildMs: number | null = null;
  private readonly recent: PacingEvent[] = [];
  private readonly listeners: ((event: PacingEvent) => void)[] = [];

  constructor(
    private readonly config: RecoveryConfig,
    private readonly clock: Clock,
  ) {}

  /** Told of every limit change (metrics); must not throw. */
  onDecision(listener: (event: PacingEvent) => void): void {
    this.listeners.push(listener);
  }

  /** The three scopes a move of this incident takes a slot in, at their current limits. */
  scopes(incidentId: string, segmentId: string | undefined): SlotScope[] {
    return [
      { key: 'global', limit: this.limitOf('global', 'global') },
      {
        key: `segment:${segmentId ?? 'none'}`,
        limit: this.limitOf(`segment:${segmentId ?? 'none'}`, 'segment'),
      },
      { key: `incident:${incidentId}`, limit: this.limitOf(`incident:${incidentId}`, 'incident') },
    ];
  }

  /** Feeds one of Nova's answers to every scope the move belongs to; returns the limit changes. */
  observe(scopes: readonly SlotScope[], incidentId: string, sample: NovaSample): PacingEvent[] {
    if (sample.kind === 'rebuild' && sample.outcome === 'ok')
      this.expectedRebuildMs =
        this.expectedRebuildMs === null
          ? sample.durationMs
          : this.expectedRebuildMs + REBUILD_EWMA_WEIGHT * (sample.durationMs - this.expectedRebuildMs);
    if (!this.config.pacing.enabled) return [];
    const events: PacingEvent[] = [];
    for (const { key } of scopes) {
      const kind = kindOf(key);
      const bounds = this.boundsOf(kind);
      const result = observe(this.stateOf(key, kind), bounds, this.tuning(), sample);
      this.states.set(key, result.state);
      if (!result.decision) continue;
      const event: PacingEvent = {
        at: new Date(sample.at).toISOString(),
        scope: key,
        kind,
        incidentId,
        decision: result.decision,
        max: bounds.max,
      };
      events.push(event);
      this.recent.push(event);
      if (this.recent.length > RECENT_DECISIONS) this.recent.shift();
      for (const l of this.listeners) l(event);
    }
    return events;
  }

  /** Waits for the evacuate-call budget (`novaRateMax` per `novaRateWindowMs`, evenly spaced). */
  async beforeEvacuate(): Promise<void> {
    const perSecond = (this.config.novaRateMax * 1000) / this.config.novaRateWindowMs;
    const r = reserve(this.evacuateBudget, this.clock.now(), perSecond);
    this.evacuateBudget = r.budget;
    if (r.waitMs > 0) await this.clock.delay(r.waitMs);
  }

  /** Delay before the next confirmation poll of a move rebuilding for `elapsedMs`, budget included. */
  pollDelayMs(elapsedMs: number): number {
    const own = nextPollDelayMs(elapsedMs, this.config.pacing.enabled ? this.expectedRebuildMs : null, {
      minMs: this.config.pacing.minPollIntervalMs,
      maxMs: this.config.pollIntervalMs,
    });
    const now = this.clock.now();
    return bookSlot(this.pollBook, now, now + own, this.config.pacing.pollsPerSecond) - now;
  }

  snapshot(): PacingSnapshot {
    const scopes: ScopeLimit[] = [];
    for (const [scope, state] of this.states) {
      const kind = kindOf(scope);
      const bounds = this.boundsOf(kind);
      scopes.push({ scope, kind, limit: slotsOf(state, bounds), min: bounds.min, max: bounds.max });
    }
    if (!this.states.has('global')) {
      const bounds = this.boundsOf('global');
      scopes.unshift({
        scope: 'global',
        kind: 'global',
        limit: this.limitOf('global', 'global'),
        ...pick(bounds),
      });
    }
    return {
      enabled: this.config.pacing.enabled,
      scopes,
      evacuateCallsPerSecond: (this.config.novaRateMax * 1000) / this.config.novaRateWindowMs,
      pollsPerSecond: this.config.pacing.pollsPerSecond,
      expectedRebuildMs: this.expectedRebuildMs === null ? null : Math.round(this.expectedRebuildMs),
      recentDecisions: [...this.recent],
    };
  }

  private limitOf(key: string, kind: ScopeKind): number {
    const bounds = this.boundsOf(kind);
    if (!this.config.pacing.enabled) return bounds.max;
    return slotsOf(this.stateOf(key, kind), bounds);
  }

  private stateOf(key: string, kind: ScopeKind): ScopeState {
    const known = this.states.get(key);
    if (known) return known;
    const fresh = initialState(this.boundsOf(kind));
    if (kind === 'incident') this.forgetOldIncidents();
    this.states.set(key, fresh);
    return fresh;
  }

  private forgetOldIncidents(): void {
    const incidents = [...this.states.keys()].filter((k) => k.startsWith('incident:'));
    for (const k of incidents.slice(0, Math.max(0, incidents.length - MAX_INCIDENT_SCOPES + 1)))
      this.states.delete(k);
  }

  private boundsOf(kind: ScopeKind): ScopeBounds {
    const max =
      kind === 'global'
        ? this.config.globalConcurrency
        : kind === 'segment'
          ? this.config.segmentConcurrency
          : this.config.incidentConcurrency;
    const min = Math.min(this.config.pacing.minConcurrency, max);
    return { min, max, start: Math.max(min, Math.min(this.config.pacing.startConcurrency, max)) };
  }

  private tuning() {
    const p = this.config.pacing;
    return {
      decreaseFactor: p.decreaseFactor,
      cooldownMs: p.cooldownMs,
      latencyFactor: p.latencyFactor,
      latencySlackMs: 250,
    };
  }
}

function pick(bounds: ScopeBounds): { min: number; max: number } {
  return { min: bounds.min, max: bounds.max };
}

function kindOf(scope: string): ScopeKind {
  if (scope === 'global') return 'global';
  return scope.startsWith('segment:') ? 'segment' : 'incident';
}

/** How a failed Nova call counts for pacing: overload (5xx/429), timeout, or not a pacing signal (4xx). */
export function outcomeOfError(err: unknown): 'overload' | 'timeout' | undefined {
  if (!isVigilError(err)) return undefined;
  if (err.code === ErrorCode.UNAVAILABLE) return 'overload';
  if (err.code === ErrorCode.TIMEOUT) return 'timeout';
  return undefined;
}

/** Timeline entries: every decrease; increases only at powers of two and at the bound (slow start is fast). */
export function worthNoting(event: PacingEvent): boolean {
  const to = event.decision.to;
  return event.decision.direction === 'down' || to === event.max || (to & (to - 1)) === 0;
}
