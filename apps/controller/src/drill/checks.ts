import { type DrillCheck } from './model';

/** What the drill read from Nova and the BMCs once the incident settled. */
export interface GroundTruth {
  failedHost: string;
  canaries: ReadonlyArray<{ id: string; name: string; status?: string; host?: string; evacuations: number }>;
  /** nova-compute of the failed host as Nova shows it; undefined when Nova lists none. */
  service?: { forcedDown: boolean; status: string };
  /** Power state of every other host with a BMC, before the failure and now. */
  otherBmcs: ReadonlyArray<{ host: string; before: string; after: string }>;
  /** The incident Vigil opened for the failure, if any, and how it ended. */
  incident?: { id: string; phase: string };
}

/** Pure: the drill's verdict from ground truth. Every check names what it saw. */
export function judgeDrill(truth: GroundTruth): DrillCheck[] {
  const checks: DrillCheck[] = [];
  checks.push({
    name: 'incident finished',
    ok: truth.incident?.phase === 'finished',
    detail: truth.incident
      ? `incident ${truth.incident.id} ended ${truth.incident.phase}`
      : 'Vigil opened no incident for the failure',
  });
  for (const c of truth.canaries) {
    const elsewhere = c.status === 'ACTIVE' && c.host !== undefined && c.host !== truth.failedHost;
    checks.push({
      name: `${c.name} ACTIVE on another host`,
      ok: elsewhere,
      detail: `Nova shows ${c.status ?? 'nothing'} on ${c.host ?? 'no host'}`,
    });
    checks.push({
      name: `${c.name} evacuated exactly once`,
      ok: c.evacuations === 1,
      detail: `${c.evacuations} evacuation migration record(s) in Nova`,
    });
  }
  const poweredOff = truth.otherBmcs.filter((b) => b.before === 'on' && b.after !== 'on');
  checks.push({
    name: 'no other BMC powered off',
    ok: poweredOff.length === 0,
    detail:
      poweredOff.length === 0
        ? `${truth.otherBmcs.length} other BMC(s) read: ${truth.otherBmcs.map((b) => `${b.host} ${b.after}`).join(', ') || 'none configured'}`
        : `powered off: ${poweredOff.map((b) => `${b.host} (${b.after})`).join(', ')}`,
  });
  checks.push({
    name: `${truth.failedHost} forced down and disabled in Nova`,
    ok: truth.service?.forcedDown === true && truth.service.status === 'disabled',
    detail: truth.service
      ? `forced_down ${truth.service.forcedDown}, status ${truth.service.status}`
      : 'Nova lists no nova-compute service for the host',
  });
  return checks;
}

/** Refusals before anything is created: each names what blocks the drill. */
export interface Preflight {
  host: string;
  confirm: string;
  /** BMC power state, or why it did not answer; undefined without fencing settings. */
  power?: string;
  /** nova-compute of the host as Nova shows it; undefined when Nova lists none. */
  compute?: { state?: string; status: string; forcedDown: boolean };
  /** Vigil's detection state of the host (`up` = its monitor heartbeats with every component ok). */
  detectionState?: string;
  /** Other hosts of the segment Nova shows up and enabled (where canaries can go). */
  spareHosts: readonly string[];
  /** Servers on the host that are not the drill's. */
  otherInstances: readonly string[];
  allowOtherInstances: boolean;
  failure: { kind: 'power-off' } | { kind: 'command'; name: string; known: boolean };
}

export function preflightBlockers(p: Preflight): string[] {
  const blockers: string[] = [];
  if (p.confirm !== p.host)
    blockers.push(`the host name was not typed back: got "${p.confirm}", expected "${p.host}"`);
  if (p.power === undefined) blockers.push(`${p.host} has no fencing settings: Vigil could not power it off`);
  else if (p.power !== 'on') blockers.push(`${p.host}'s BMC does not read on (${p.power})`);
  if (!p.compute) blockers.push(`Nova has no nova-compute service on ${p.host}`);
  else if (p.compute.state !== 'up' || p.compute.status !== 'enabled' || p.compute.forcedDown)
    blockers.push(
      `Nova does not show ${p.host}'s nova-compute up and enabled (state ${p.compute.state ?? 'unknown'}, status ${p.compute.status}${p.compute.forcedDown ? ', forced down' : ''}): canaries could not boot there`,
    );
  if (p.detectionState !== 'up')
    blockers.push(
      `${p.host}'s host monitor is not heartbeating healthy (detection state ${p.detectionState ?? 'unknown'})`,
    );
  if (p.spareHosts.length === 0)
    blockers.push(`no other host of the segment is up and enabled in Nova: the canaries could not move`);
  if (p.otherInstances.length > 0 && !p.allowOtherInstances)
    blockers.push(
      `${p.host} carries ${p.otherInstances.length} instance(s) that are not the drill's (${p.otherInstances.slice(0, 5).join(', ')}${p.otherInstances.length > 5 ? ', ...' : ''}); pass allowOtherInstances to fail it anyway`,
    );
  if (p.failure.kind === 'command' && !p.failure.known)
    blockers.push(`no fail command named "${p.failure.name}" in the controller's drill.failCommands`);
  return blockers;
}
