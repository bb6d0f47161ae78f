/**
 * PURE: how many evacuations one scope (global, a segment, an incident) may have in flight, learned from
 * how Nova answers. AIMD as in TCP congestion control: slow start (+1 per healthy answer) until the
 * first sign of trouble, then +1/limit per healthy answer (one more slot per "window" of answers), and
 * ×`decreaseFactor` on a 5xx/429, a timeout, a failed rebuild or latency well above the best seen. One
 * burst of bad answers from one window of calls is one decrease (`cooldownMs`). Always inside the
 * operator's bounds.
 */

export interface ScopeBounds {
  /** Never fewer slots than this (≥ 1: recovery never stops on its own). */
  min: number;
  /** Never more slots than this: the operator's bound (`recovery.*Concurrency`). */
  max: number;
  /** Where a scope starts before Nova has answered anything. */
  start: number;
}

export interface PacingTuning {
  /** The limit is multiplied by this on trouble (0 < f < 1). */
  decreaseFactor: number;
  /** At most one decrease per scope within this window, ms. */
  cooldownMs: number;
  /** Latency (EWMA) above baseline × this, and above baseline + `latencySlackMs`, is "rising". */
  latencyFactor: number;
  /** Absolute slack so that a 2 ms → 6 ms wobble on an idle Nova is not read as overload, ms. */
  latencySlackMs: number;
}

export const DEFAULT_TUNING: PacingTuning = {
  decreaseFactor: 0.5,
  cooldownMs: 1000,
  latencyFactor: 3,
  latencySlackMs: 250,
};

/** Weight of the newest sample in the latency EWMA. */
const EWMA_WEIGHT = 0.2;
/** The baseline creeps toward the EWMA so a Nova that became slower for good is not punished forever. */
const BASELINE_DRIFT = 0.01;
/** Rebuilds take seconds and vary with images: a larger slack before a slower rebuild counts as rising. */
const REBUILD_SLACK_FACTOR = 20;

/** What Nova just did, as seen from one move. */
export type NovaSample =
  | {
      kind: 'call';
      at: number;
      latencyMs: number;
      /** ok: answered 2xx; overload: 5xx or 429; timeout: no answer in time. 4xx refusals are not samples. */
      outcome: 'ok' | 'overload' | 'timeout';
      what: string;
    }
  | { kind: 'rebuild'; at: number; durationMs: number; outcome: 'ok' | 'failed' };

export interface ScopeState {
  /** Fractional: additive increase adds 1/limit per healthy answer. */
  limit: number;
  slowStart: boolean;
  lastDecreaseAt: number | null;
  callBaselineMs: number | null;
  callEwmaMs: number | null;
  rebuildBaselineMs: number | null;
  rebuildEwmaMs: number | null;
}

export interface PacingDecision {
  from: number;
  to: number;
  direction: 'up' | 'down';
  reason: string;
}

export function initialState(bounds: ScopeBounds): ScopeState {
  return {
    limit: clamp(bounds.start, bounds),
    slowStart: true,
    lastDecreaseAt: null,
    callBaselineMs: null,
    callEwmaMs: null,
    rebuildBaselineMs: null,
    rebuildEwmaMs: null,
  };
}

/** The whole slots a scope has now. */
export function slotsOf(state: ScopeState, bounds: ScopeBounds): number {
  return Math.floor(clamp(state.limit, bounds));
}

export function observe(
  state: ScopeState,
  bounds: ScopeBounds,
  tuning: PacingTuning,
  sample: NovaSample,
): { state: ScopeState; decision?: PacingDecision } {
  const next = learnLatency(state, sample);
  const trouble = troubleOf(next, tuning, sample);
  const before = slotsOf(state, bounds);
  if (trouble) {
    if (next.lastDecreaseAt !== null && sample.at - next.lastDecreaseAt < tuning.cooldownMs)
      return { state: next };
    const decreased: ScopeState = {
      ...next,
      limit: clamp(Math.max(bounds.min, state.limit * tuning.decreaseFactor), bounds),
      slowStart: false,
      lastDecreaseAt: sample.at,
    };
    return withDecision(decreased, bounds, before, trouble);
  }
  const grown = clamp(next.slowStart ? next.limit + 1 : next.limit + 1 / Math.max(1, next.limit), bounds);
  return withDecision(
    { ...next, limit: grown },
    bounds,
    before,
    sample.kind === 'call' ? `${sample.what} answered in ${Math.round(sample.latencyMs)} ms` : 'rebuild done',
  );
}

function withDecision(
  state: ScopeState,
  bounds: ScopeBounds,
  before: number,
  reason: string,
): { state: ScopeState; decision?: PacingDecision } {
  const after = slotsOf(state, bounds);
  if (after === before) return { state };
  return { state, decision: { from: before, to: after, direction: after > before ? 'up' : 'down', reason } };
}

/** Why this sample says "back off", or undefined when it is healthy. */
function troubleOf(state: ScopeState, tuning: PacingTuning, sample: NovaSample): string | undefined {
  if (sample.kind === 'call') {
    if (sample.outcome === 'overload') return `Nova refused ${sample.what} (5xx/429)`;
    if (sample.outcome === 'timeout') return `${sample.what} timed out`;
    if (rising(state.callEwmaMs, state.callBaselineMs, tuning, tuning.latencySlackMs))
      return `Nova latency rising: ${Math.round(state.callEwmaMs ?? 0)} ms against ${Math.round(state.callBaselineMs ?? 0)} ms`;
    return undefined;
  }
  if (sample.outcome === 'failed') return 'a rebuild failed';
  if (
    rising(state.rebuildEwmaMs, state.rebuildBaselineMs, tuning, tuning.latencySlackMs * REBUILD_SLACK_FACTOR)
  )
    return `rebuilds slowing: ${Math.round(state.rebuildEwmaMs ?? 0)} ms against ${Math.round(state.rebuildBaselineMs ?? 0)} ms`;
  return undefined;
}

function rising(
  ewma: number | null,
  baseline: number | null,
  tuning: PacingTuning,
  slackMs: number,
): boolean {
  if (ewma === null || baseline === null) return false;
  return ewma > baseline * tuning.latencyFactor && ewma > baseline + slackMs;
}

/** Healthy answers feed the latency model; a timeout has no latency worth learning. */
function learnLatency(state: ScopeState, sample: NovaSample): ScopeState {
  if (sample.kind === 'call') {
    if (sample.outcome !== 'ok') return state;
    const [ewma, baseline] = track(state.callEwmaMs, state.callBaselineMs, sample.latencyMs);
    return { ...state, callEwmaMs: ewma, callBaselineMs: baseline };
  }
  if (sample.outcome !== 'ok') return state;
  const [ewma, baseline] = track(state.rebuildEwmaMs, state.rebuildBaselineMs, sample.durationMs);
  return { ...state, rebuildEwmaMs: ewma, rebuildBaselineMs: baseline };
}

function track(ewma: number | null, baseline: number | null, value: number): [number, number] {
  const nextEwma = ewma === null ? value : ewma + EWMA_WEIGHT * (value - ewma);
  const drifted = baseline === null ? value : baseline + BASELINE_DRIFT * (nextEwma - baseline);
  return [nextEwma, Math.min(drifted, value)];
}

function clamp(value: number, bounds: ScopeBounds): number {
  const min = Math.max(1, Math.min(bounds.min, bounds.max));
  return Math.min(bounds.max, Math.max(min, value));
}
