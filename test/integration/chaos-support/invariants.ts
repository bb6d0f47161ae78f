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

/** Ground truth from the sim and its fakes, plus the controller's incidents, at the end of a round. */
export interface ChaosFacts {
  /** Hosts the runner powered off, with when. */
  failedHosts: ReadonlyMap<string, number>;
  /** Every power change of every host, as the sim recorded it (injection or BMC reset), oldest first. */
  powerEvents: ReadonlyArray<{ atMs: number; kind: string; target: string; source: string }>;
  /** Every evacuation the Nova fake accepted. */
  evacuations: ReadonlyArray<{
    instanceUuid: string;
    sourceCompute: string;
    status: string;
    createdMs: number;
  }>;
  incidents: readonly IncidentView[];
  /** First successful, authenticated read or reset of the host's BMC at or after `sinceMs`. */
  bmcAccessSince: (host: string, sinceMs: number) => number | undefined;
  /** Hosts whose power-off was accepted at a BMC (Redfish ForceOff/PowerOff answered 2xx). */
  resetHosts: readonly string[];
}

/** `error` is not final: the controller runs the incident once more after `errorRetryDelayMs`. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['finished', 'failed', 'ignored']);
const FAILED_MIGRATION: ReadonlySet<string> = new Set(['error', 'failed']);

/** The host's power at `atMs` per the sim's event log (hosts start On). */
function powerAt(facts: ChaosFacts, host: string, atMs: number): 'On' | 'Off' {
  let power: 'On' | 'Off' = 'On';
  for (const e of facts.powerEvents) {
    if (e.target !== host || e.atMs > atMs) continue;
    if (e.kind === 'power-off') power = 'Off';
    if (e.kind === 'power-on') power = 'On';
  }
  return power;
}

/**
 * The safety and liveness invariants of the chaos run; each violated one is described with its
 * evidence. (d), every incident settled, is the runner's, since it depends on when it is asked.
 */
export function checkInvariants(facts: ChaosFacts): string[] {
  const violations: string[] = [];
  const hostIncidents = facts.incidents.filter((i) => i.type === 'COMPUTE_HOST');

  // (a) An instance is evacuated at most once per failure of its host.
  const accepted = new Map<string, number>();
  for (const m of facts.evacuations) {
    if (FAILED_MIGRATION.has(m.status)) continue;
    const key = `${m.instanceUuid}@${m.sourceCompute}`;
    accepted.set(key, (accepted.get(key) ?? 0) + 1);
  }
  for (const [key, count] of accepted)
    if (count > 1) violations.push(`(a) instance evacuated ${count} times from one failure: ${key}`);

  // (b) No evacuation before its source host was fenced: Off at the BMC, read back by the controller.
  for (const m of facts.evacuations) {
    const incident = hostIncidents.find((i) => i.host === m.sourceCompute);
    const what = `evacuation of ${m.instanceUuid} from ${m.sourceCompute} at ${m.createdMs}`;
    if (powerAt(facts, m.sourceCompute, m.createdMs) !== 'Off') {
      violations.push(`(b) ${what}: the host was not Off at its BMC`);
      continue;
    }
    if (!incident) {
      violations.push(`(b) ${what}: no incident for the host`);
      continue;
    }
    if (!incident.fence) violations.push(`(b) ${what}: incident ${incident.id} records no fence`);
    // Detection reads the BMC as evidence too; only a read once the incident exists is its fencing.
    const sinceMs = Math.floor(Date.parse(incident.createdAt) / 1000) * 1000;
    const readMs = facts.bmcAccessSince(m.sourceCompute, sinceMs);
    if (readMs === undefined || readMs > m.createdMs)
      violations.push(`(b) ${what}: the controller had not read the BMC since incident ${incident.id}`);
  }

  // (c) Only hosts the runner failed ever lose power.
  for (const e of facts.powerEvents)
    if (e.kind === 'power-off' && !facts.failedHosts.has(e.target))
      violations.push(`(c) healthy host ${e.target} powered off (${e.source}) at ${e.atMs}`);
  for (const host of new Set(facts.resetHosts))
    if (!facts.failedHosts.has(host))
      violations.push(`(c) healthy host ${host} got an accepted BMC power-off`);

  // (e) Exactly one incident per host failure, none for healthy hosts.
  for (const host of facts.failedHosts.keys()) {
    const n = hostIncidents.filter((i) => i.host === host).length;
    if (n !== 1) violations.push(`(e) host ${host} failed once but has ${n} COMPUTE_HOST incidents`);
  }
  for (const i of hostIncidents)
    if (!facts.failedHosts.has(i.host))
      violations.push(`(e) incident ${i.id} (${i.status}) for healthy host ${i.host}`);
  return violations;
}
