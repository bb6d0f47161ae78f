import { type BenchApi, type HostStateView } from '../support/api-client';
import { type LoadFleet } from './load-fleet';

const POLL_MS = 50;
/** In-flight heartbeats of the silenced host are answered well within this. */
const DRAIN_MS = 1_500;

export interface StateReached {
  /** When the controller recorded the transition (timeline `at`), ms after the last accepted heartbeat. */
  recordedAfterMs: number | null;
  /** When a poll of GET /vigil/v1/hosts/{host}/state first showed it, ms after the last accepted heartbeat. */
  observedAfterMs: number | null;
  reason?: string;
}

export interface DetectionFigures {
  host: string;
  lastAcceptedHeartbeatAt: string | null;
  suspect: StateReached;
  /** Silence alone, no evidence: `failed` is expected never to come (the controller needs evidence). */
  failedWithoutEvidence: StateReached;
  /** After a Masakari COMPUTE_HOST STOPPED notification (one piece of evidence) is posted. */
  failedAfterMasakariEvidence: StateReached & { notificationAfterMs: number | null };
  finalState: string | null;
  finalNote?: string;
}

/**
 * Silences one host under full load and watches its detection state: silence → suspect, whether silence
 * alone ever makes it failed (it must not), then one piece of Masakari evidence → failed.
 */
export async function measureDetection(
  api: BenchApi,
  fleet: LoadFleet,
  host: string,
  options: { heartbeatTimeoutMs: number; failedWaitMs: number },
): Promise<DetectionFigures> {
  fleet.silence(host);
  await sleep(DRAIN_MS);
  const lastAt = (await fleet.lastAcceptedSentAt(host)) ?? null;
  const base = lastAt ?? Date.now();
  const suspect = await waitForState(api, host, 'suspect', base, options.heartbeatTimeoutMs + 20_000);
  const failedWithoutEvidence = await waitForState(api, host, 'failed', base, options.failedWaitMs);
  let failedAfterMasakariEvidence: DetectionFigures['failedAfterMasakariEvidence'] = {
    recordedAfterMs: null,
    observedAfterMs: null,
    notificationAfterMs: null,
  };
  if (failedWithoutEvidence.observedAfterMs === null) {
    const notifiedAt = Date.now();
    await api.notifyHostDown(host);
    const reached = await waitForState(api, host, 'failed', notifiedAt, 20_000);
    failedAfterMasakariEvidence = { ...reached, notificationAfterMs: notifiedAt - base };
  }
  const final = await api.hostState(host);
  return {
    host,
    lastAcceptedHeartbeatAt: lastAt === null ? null : new Date(lastAt).toISOString(),
    suspect,
    failedWithoutEvidence,
    failedAfterMasakariEvidence,
    finalState: final?.state ?? null,
    finalNote: final?.note,
  };
}

async function waitForState(
  api: BenchApi,
  host: string,
  state: string,
  baseMs: number,
  timeoutMs: number,
): Promise<StateReached> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const view = await api.hostState(host).catch(() => undefined);
    if (view && reached(view, state, baseMs)) {
      const entry = view.timeline.find((e) => e.to === state && e.at >= baseMs);
      return {
        recordedAfterMs: entry ? entry.at - baseMs : null,
        observedAfterMs: Date.now() - baseMs,
        reason: entry?.reason,
      };
    }
    await sleep(POLL_MS);
  }
  return { recordedAfterMs: null, observedAfterMs: null };
}

function reached(view: HostStateView, state: string, baseMs: number): boolean {
  return view.state === state || view.timeline.some((e) => e.to === state && e.at >= baseMs);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
