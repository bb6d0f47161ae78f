/** What the controller says about one incident (GET /vigil/v1/incidents). */
export interface IncidentView {
  id: string;
  type: string;
  host: string;
  status: string;
  createdAt: string;
  reason?: string;
  finishedAt?: string;
  fence?: { mode: string; at: string; detail: string };
}

/** `error` is not final: the controller runs the incident once more after `errorRetryDelayMs`. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['finished', 'failed', 'ignored']);

/** One real failure of one host, from its injection until the runner repaired it. */
export interface FailureEpoch {
  host: string;
  kind: string;
  round: number;
  atMs: number;
  repairedAtMs?: number;
}

/** The sim's power log entry (ground truth: what the host's power did, why, and who asked). */
export interface PowerFact {
  atMs: number;
  host: string;
  from: 'On' | 'Off';
  to: 'On' | 'Off';
  cause: string;
  by: string;
}

export interface SoakFacts {
  epochs: readonly FailureEpoch[];
  /** Epochs whose incident must be over by now (their round and the next are done). */
  dueEpochs: readonly FailureEpoch[];
  powerLog: readonly PowerFact[];
  /** Every evacuation migration the Nova fake recorded. */
  evacuations: ReadonlyArray<{
    instanceUuid: string;
    sourceCompute: string;
    status: string;
    createdMs: number;
  }>;
  incidents: readonly IncidentView[];
  /** First successful, authenticated read or reset of the host's BMC at or after `sinceMs`. */
  bmcAccessSince: (host: string, sinceMs: number) => number | undefined;
}

const FAILED_MIGRATION: ReadonlySet<string> = new Set(['error', 'failed']);
/** The controller stamps incidents in its own clock, on the same machine: allow rounding. */
const CLOCK_SLACK_MS = 1_000;

function epochAt(facts: SoakFacts, host: string, atMs: number): FailureEpoch | undefined {
  return [...facts.epochs]
    .reverse()
    .find((e) => e.host === host && e.atMs - CLOCK_SLACK_MS <= atMs && (e.repairedAtMs ?? Infinity) >= atMs);
}

function powerAt(facts: SoakFacts, host: string, atMs: number): 'On' | 'Off' {
  let power: 'On' | 'Off' = 'On';
  for (const t of facts.powerLog) if (t.host === host && t.atMs <= atMs) power = t.to;
  return power;
}

function incidentsOf(facts: SoakFacts, epoch: FailureEpoch): IncidentView[] {
  return facts.incidents.filter(
    (i) =>
      i.type === 'COMPUTE_HOST' &&
      i.host === epoch.host &&
      Date.parse(i.createdAt) >= epoch.atMs - CLOCK_SLACK_MS &&
      Date.parse(i.createdAt) <= (epoch.repairedAtMs ?? Infinity),
  );
}

/**
 * The soak's invariants, each from the sim's ground truth (power log, Nova's migrations, BMC accesses)
 * against what the controller recorded. Each violation names its evidence.
 */
export function checkSoakInvariants(facts: SoakFacts): string[] {
  const violations: string[] = [];

  // (1) No evacuation without a confirmed fence: Off at the power log, an incident of that failure that
  // recorded its fence, and the controller had read the BMC since that incident opened (or an operator confirmed).
  const perFailure = new Map<string, number>();
  for (const m of facts.evacuations) {
    const what = `evacuation of ${m.instanceUuid} from ${m.sourceCompute} at ${new Date(m.createdMs).toISOString()}`;
    const epoch = epochAt(facts, m.sourceCompute, m.createdMs);
    if (!epoch) {
      violations.push(`(fence) ${what}: the host had not failed`);
      continue;
    }
    if (!FAILED_MIGRATION.has(m.status)) {
      const key = `${m.instanceUuid}@${m.sourceCompute}#${epoch.atMs}`;
      perFailure.set(key, (perFailure.get(key) ?? 0) + 1);
    }
    if (powerAt(facts, m.sourceCompute, m.createdMs) !== 'Off') {
      violations.push(`(fence) ${what}: the host was not Off (power log)`);
      continue;
    }
    const incident = incidentsOf(facts, epoch).find(
      (i) => Date.parse(i.createdAt) <= m.createdMs + CLOCK_SLACK_MS,
    );
    if (!incident) {
      violations.push(`(fence) ${what}: no incident for this failure`);
      continue;
    }
    if (!incident.fence) {
      violations.push(`(fence) ${what}: incident ${incident.id} records no fence`);
      continue;
    }
    if (incident.fence.mode === 'operator') continue;
    const sinceMs = Math.floor(Date.parse(incident.createdAt) / 1000) * 1000;
    const readMs = facts.bmcAccessSince(m.sourceCompute, sinceMs);
    if (readMs === undefined || readMs > m.createdMs)
      violations.push(`(fence) ${what}: the controller had not read the BMC since incident ${incident.id}`);
  }

  // (2) No instance evacuated twice for one failure.
  for (const [key, n] of perFailure)
    if (n > 1) violations.push(`(twice) instance evacuated ${n} times for one failure: ${key}`);

  // (3) No healthy host powered off: every transition to Off falls inside a real failure of that host.
  for (const t of facts.powerLog)
    if (t.to === 'Off' && !epochAt(facts, t.host, t.atMs))
      violations.push(
        `(healthy-off) ${t.host} powered off at ${new Date(t.atMs).toISOString()} (${t.cause}, by ${t.by}) while healthy`,
      );

  // (4) Every real failure recovered or blocked with a stated reason; exactly one notification each (none lost).
  for (const epoch of facts.dueEpochs) {
    const incidents = incidentsOf(facts, epoch);
    const what = `${epoch.kind} of ${epoch.host} (round ${epoch.round})`;
    if (incidents.length !== 1) {
      violations.push(`(notification) ${what}: ${incidents.length} COMPUTE_HOST incidents, expected 1`);
      continue;
    }
    const [incident] = incidents as [IncidentView];
    if (!FINAL_STATUSES.has(incident.status))
      violations.push(`(stuck) ${what}: incident ${incident.id} still ${incident.status}`);
    else if (incident.status !== 'finished' && !(incident.reason ?? '').trim())
      violations.push(`(reason) ${what}: incident ${incident.id} ${incident.status} without a stated reason`);
  }

  // (5) No incident for a host that did not fail.
  for (const i of facts.incidents)
    if (
      i.type === 'COMPUTE_HOST' &&
      i.status !== 'ignored' &&
      !epochAt(facts, i.host, Date.parse(i.createdAt))
    )
      violations.push(
        `(healthy-incident) incident ${i.id} (${i.status}) for ${i.host}, which had not failed`,
      );
  return violations;
}
