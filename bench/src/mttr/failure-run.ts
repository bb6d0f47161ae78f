import { round } from '../support/proc-stats';
import { hostNotifications, type HostIncidentTimes, readHostIncident } from './incident-read';
import { type SimStack } from './sim-stack';

const POLL_MS = 20;
/** No instance moved and no evacuate issued for this long after the first move: the run is stuck. */
const STALL_MS = 30_000;

export interface FailureRunOptions {
  /** Hosts that lose power at once. */
  victims: readonly string[];
  /** Give up (recovery) or stop observing (a held storm) after this long from the power loss, ms. */
  timeoutMs: number;
  /** True when the run is expected to hold (storm guard): observe for `timeoutMs`, expect no move. */
  expectHeld?: boolean;
  /** `power-off` (default): BMC reads Off. `kernel-hang`: silent, BMC still On, Nova reports stop. */
  fault?: 'power-off' | 'kernel-hang';
}

/**
 * Stage times of one failure, ms from the reference: the latest last-answered heartbeat among the
 * victims (for one host: its last heartbeat). Each stage is when the LAST victim reached it; null = never.
 */
export interface FailureRunFigures {
  victims: number;
  instances: number;
  /** Power loss minus reference (how long before the cut the last heartbeat was answered). */
  powerLossMs: number;
  suspectMs: number | null;
  failedMs: number | null;
  /** BMC read back Off (FenceHostTask's last progress entry). */
  fencedMs: number | null;
  /** force-down + disable done (IsolateHostTask's last progress entry). */
  isolatedMs: number | null;
  firstEvacuateMs: number | null;
  allEvacuatesIssuedMs: number | null;
  allActiveElsewhereMs: number | null;
  /** From the failure itself (not the last heartbeat) to every instance ACTIVE elsewhere. */
  failureToAllActiveMs: number | null;
  evacuateCalls: number;
  /** Most evacuate calls Nova accepted within any one second. */
  peakEvacuatesPerSecond: number;
  /** Accepted evacuations from first to last, per second. */
  meanEvacuatesPerSecond: number | null;
  /** Victims whose incident recorded a completed fence (BMC read back Off, whether or not a reset was needed). */
  hostsFenced: number;
  /** Hosts whose BMC accepted a power-off reset (a host already off is read, not reset). */
  bmcPowerOffResets: number;
  /** Instances ACTIVE on another host when the run ended. */
  instancesMoved: number;
  notifications: number;
  hostStates: Record<string, number>;
  complete: boolean;
}

export async function runFailure(stack: SimStack, options: FailureRunOptions): Promise<FailureRunFigures> {
  const { victims } = options;
  const instances = [...stack.instances.values()].filter((h) => victims.includes(h)).length;
  stack.watchHeartbeats(victims);
  // Let the sampler see a heartbeat or two so "last heartbeat" is known to within its sampling step.
  await new Promise((r) => setTimeout(r, 1_500));
  const evacuationsBefore = stack.novaClock.acceptedEvacuations().length;
  const t0 = Date.now();
  for (const host of victims) stack.sim.inject(host, { kind: options.fault ?? 'power-off' });
  const reference = Math.max(...victims.map((h) => stack.lastHeartbeatMs(h) ?? t0));

  let allActiveAt: number | undefined;
  let progress = '';
  let progressAt = Date.now();
  const deadline = t0 + options.timeoutMs;
  while (Date.now() < deadline && allActiveAt === undefined) {
    const moved = stack.movedCount();
    if (!options.expectHeld) {
      const now = `${stack.novaClock.evacuateCalls()}|${moved}`;
      if (now !== progress) [progress, progressAt] = [now, Date.now()];
      if (Date.now() - progressAt > STALL_MS) break;
    }
    if (instances > 0 && moved === instances) allActiveAt = Date.now();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }

  const byUuid = await hostNotifications(stack.api);
  const incidents: HostIncidentTimes[] = [];
  for (const host of victims) {
    const uuid = stack.hostUuids.get(host);
    incidents.push(
      await readHostIncident(stack.api, host, uuid === undefined ? undefined : byUuid.get(uuid)),
    );
  }
  const summary = await stack.api.clusterSummary();
  const evacuations = stack.novaClock.acceptedEvacuations().slice(evacuationsBefore);
  const since = (at: number | undefined): number | null => (at === undefined ? null : at - reference);
  const lastOf = (pick: (i: HostIncidentTimes) => number | undefined): number | null => {
    const times = incidents.map(pick);
    if (times.some((t) => t === undefined)) return null;
    return since(Math.max(...(times as number[])));
  };
  const first = evacuations[0];
  const last = evacuations[evacuations.length - 1];
  return {
    victims: victims.length,
    instances,
    powerLossMs: t0 - reference,
    suspectMs: lastOf((i) => i.suspectAtMs),
    failedMs: lastOf((i) => i.failedAtMs),
    fencedMs: lastOf((i) => i.fencedAtMs),
    isolatedMs: lastOf((i) => i.isolatedAtMs),
    firstEvacuateMs: since(first),
    allEvacuatesIssuedMs:
      instances > 0 && evacuations.length >= instances ? since(evacuations[instances - 1]) : null,
    allActiveElsewhereMs: since(allActiveAt),
    failureToAllActiveMs: allActiveAt === undefined ? null : allActiveAt - t0,
    evacuateCalls: evacuations.length,
    peakEvacuatesPerSecond: peakPerSecond(evacuations),
    meanEvacuatesPerSecond:
      first !== undefined && last !== undefined && last > first
        ? round(((evacuations.length - 1) * 1000) / (last - first), 2)
        : null,
    hostsFenced: incidents.filter((i) => i.fencedAtMs !== undefined).length,
    bmcPowerOffResets: stack.fencedHosts().length,
    instancesMoved: stack.movedCount(),
    notifications: incidents.filter((i) => i.notificationUuid !== undefined).length,
    hostStates: summary.hostsByState,
    complete: options.expectHeld ? true : allActiveAt !== undefined,
  };
}

/** Largest number of times within any window of one second. */
export function peakPerSecond(sortedTimesMs: readonly number[]): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < sortedTimesMs.length; end++) {
    while ((sortedTimesMs[end] ?? 0) - (sortedTimesMs[start] ?? 0) >= 1000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
