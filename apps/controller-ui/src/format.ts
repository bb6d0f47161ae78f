/** Pure helpers of the page (ages, phase labels, what an operator can do about an incident). */

export function age(ms: number): string {
  if (ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

/** `+12.3s` since the failure. */
export function sinceFailure(at: number, t0: number): string {
  const d = (at - t0) / 1000;
  return `${d < 0 ? '−' : '+'}${Math.abs(d).toFixed(1)}s`;
}

/** Every state has its own word and colour class; the word is always shown (readable without colour). */
export const STATE_ORDER = [
  'failed',
  'suspect',
  'fenced',
  'recovering',
  'isolated-from-controller',
  'degraded',
  'maintenance',
  'unknown',
  'up',
] as const;

export const STEP_LABELS: Record<string, string> = {
  detected: 'Detected (heartbeats stopped)',
  confirmed: 'Confirmed by independent evidence',
  intake: 'Incident opened',
  fence: 'Fenced (BMC read-back)',
  isolate: 'Isolated in Nova (force-down, disable)',
  plan: 'Evacuation planned',
  evacuate: 'Instance evacuation',
  finish: 'Finished',
  retry: 'Retried by an operator',
  restart: 'Resumed after a restart',
  reinstate: 'Reinstated',
};

export interface Advice {
  text: string;
  actions: Array<'retry' | 'abort' | 'confirm-fenced'>;
}

/** What the operator can do about an incident in its current status and phase. */
export function adviceFor(i: {
  status: string;
  phase: string;
  resumePhase?: string;
  reason?: string;
}): Advice | undefined {
  // A run that stopped before the host was known off resumes at fencing: the API then accepts an
  // operator's confirmation (confirm-fenced), and only then.
  const awaitsFencing = i.resumePhase === 'fencing' || i.resumePhase === 'received';
  if (i.status === 'error' && awaitsFencing)
    return {
      text: 'Fencing did not complete. Power the host off by hand, check that it is off, then confirm it fenced; or retry once the BMC answers.',
      actions: ['confirm-fenced', 'retry', 'abort'],
    };
  if (i.status === 'error')
    return {
      text: 'This run stopped on an error. Fix the cause above, then retry; abort stops queued moves.',
      actions: ['retry', 'abort'],
    };
  if (i.status === 'failed' && awaitsFencing)
    return {
      text: 'The host was never confirmed off, so nothing was evacuated. Power it off by hand and confirm it fenced, or retry once the BMC answers.',
      actions: ['confirm-fenced', 'retry'],
    };
  if (i.status === 'failed')
    return {
      text: 'Automatic runs are used up. Fix the cause above and retry, or handle the instances by hand.',
      actions: ['retry'],
    };
  if (i.status === 'running' && i.phase === 'fencing')
    return {
      text: 'Waiting for fencing. Recovery continues once the BMC reads the host off.',
      actions: ['abort'],
    };
  if (i.status === 'running' || i.status === 'new')
    return { text: 'Recovery is running.', actions: ['abort'] };
  return undefined;
}

/** What is shown as the domain of hosts that have none, in a segment where others have one. */
export const NO_DOMAIN = '(no failure domain)';

/**
 * A segment's hosts by failure domain, sorted by path with hosts without one last, each group in the
 * order given; a single unnamed group when no host of the segment has a domain.
 */
export function byDomain<H extends { failureDomain?: string }>(
  hosts: readonly H[],
): Array<[string | undefined, H[]]> {
  const groups = new Map<string | undefined, H[]>();
  for (const h of hosts) groups.set(h.failureDomain, [...(groups.get(h.failureDomain) ?? []), h]);
  if (groups.size === 1 && groups.has(undefined)) return [[undefined, hosts.slice()]];
  return [...groups.entries()]
    .sort(([a], [b]) => (a === undefined ? 1 : b === undefined ? -1 : a.localeCompare(b)))
    .map(([d, members]) => [d ?? NO_DOMAIN, members]);
}
