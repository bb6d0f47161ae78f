import { collectPeerWitnesses, explainItem, fuseEvidence, type PeerWitness } from './evidence';
import { type Candidate, EPISODE_STATES, type Liveness, RECOVERY_STATES, triage } from './candidate';
import {
  type DetectionAction,
  type DetectionInput,
  type DetectionOutput,
  type DetectionPolicy,
  type GlobalDetectionSettings,
  type HostObservation,
  type HostRecord,
  type HostState,
  type TimelineEntry,
} from './model';
import { correlatedSilences } from './failure-domains';
import { assessStorm, holdingGuard, type Episode } from './storm-guard';

/**
 * One detection step: a pure function of (now, observations, previous records, storm guards, policy)
 * to (changed records, timeline entries, changed guards, actions). See README.md for the state machine.
 */
export function evaluate(input: DetectionInput): DetectionOutput {
  const { now, hosts, previous, policyOf, settings } = input;
  const heard = (o: HostObservation): boolean =>
    o.heartbeat !== undefined && now - o.heartbeat.receivedAt <= policyOf(o.segmentUuid).heartbeatTimeoutMs;
  // A fresh leader has not been listening long enough to call anyone silent.
  const judgeable = (o: HostObservation): boolean =>
    now - input.observingSince > policyOf(o.segmentUuid).heartbeatTimeoutMs;
  const witnesses = collectPeerWitnesses(hosts, heard);

  const candidates: Candidate[] = [];
  for (const o of hosts) {
    const prev = previous.get(o.host);
    // A host that never heartbeated and that we never tracked has no monitor yet: nothing to judge.
    if (!prev && !o.heartbeat) continue;
    const liveness: Liveness = heard(o) ? 'heard' : judgeable(o) ? 'silent' : 'pending';
    const policy = policyOf(o.segmentUuid);
    const c = classify(o, prev, policy, liveness, witnesses.get(o.host) ?? [], now, settings);
    if (c) candidates.push(c);
  }

  const segmentSizes = new Map<string, number>();
  const episodes: Episode[] = [];
  for (const c of candidates) {
    if (c.state === 'maintenance') continue;
    const seg = c.observation.segmentUuid;
    segmentSizes.set(seg, (segmentSizes.get(seg) ?? 0) + 1);
    // A BMC reading Off (out of band) is no ambiguous silence: such a host is neither counted by the
    // storm guards nor held by them (fencing it is a read-back; evacuating it is what a rack power
    // loss needs). The guards are for silence that might be our own network.
    const poweredOff = c.observation.probes?.bmc === 'off';
    if ((c.fenceCandidate || EPISODE_STATES.has(c.state)) && !poweredOff)
      episodes.push({
        host: c.observation.host,
        segmentUuid: seg,
        startedAt: episodeStart(c, now),
        silent: c.silent,
      });
  }
  const storm = assessStorm({ now, episodes, segmentSizes, guards: input.guards, policyOf, settings });
  const correlated = correlatedSilences(
    candidates
      .filter((c) => c.silent && EPISODE_STATES.has(c.state))
      .map((c) => ({
        host: c.observation.host,
        domain: input.domainOf?.(c.observation.host),
        startedAt: episodeStart(c, now),
        bmc: c.observation.probes?.bmc ?? 'unknown',
        lastGasp: c.observation.heartbeat?.goingDown === true,
        windowMs: c.policy.correlatedSilenceWindowMs,
      })),
  );

  const records: HostRecord[] = [];
  const timeline: TimelineEntry[] = [];
  const actions: DetectionAction[] = [
    ...storm.newlyEngaged.map((guard): DetectionAction => ({ kind: 'storm-guard-engaged', guard })),
    ...storm.selfReleased.map((guard): DetectionAction => ({ kind: 'storm-guard-released', guard })),
  ];
  for (const c of candidates) {
    const host = c.observation.host;
    const prev = c.prev;
    const { reason } = c;
    let { state } = c;
    let note: string | undefined;
    let evidence = c.evidence;
    if (state === 'failed' && prev?.state !== 'failed') {
      const guard = holdingGuard(storm.guards, c.observation.segmentUuid);
      const started = episodeStart(c, now);
      const held = c.policy.suspectHoldMs > 0 && now - started < c.policy.suspectHoldMs;
      const correlation = c.silent ? correlated.get(host) : undefined;
      const domainHoldEnds = started + c.policy.correlatedSilenceHoldMs;
      if (guard && c.observation.probes?.bmc !== 'off') {
        state = 'suspect';
        note = `fencing suspended by storm guard ${guard.scope}`;
        // Dead to every observer and no BMC answer: a rack that lost power and one whose switch died
        // look the same from here. Say what settles it, and how (docs/detection.md, "BMCs unreachable").
        if (c.observation.probes?.bmc !== 'on') note += bmcUnreachableNote(guard.scope);
      } else if (correlation && now < domainHoldEnds) {
        // A switch or link event silences a whole domain of running hosts: wait it out, then judge
        // each host alone on evidence gathered after the hold.
        state = 'suspect';
        note =
          `correlated silence in failure domain ${correlation.domain} with ${correlation.with.join(', ')} ` +
          `(BMCs On): fencing held until ${new Date(domainHoldEnds).toISOString()}, then judged alone`;
        evidence = { ...evidence, correlatedSilence: { ...correlation, holdEndsAt: domainHoldEnds } };
      } else if (held && c.silent) {
        state = 'suspect';
        note = 'confirmed; holding suspectHoldMs so a storm is counted first';
      }
    }
    const newEpisode = EPISODE_STATES.has(state) && (!prev || !EPISODE_STATES.has(prev.state));
    const generation = (prev?.generation ?? 0) + (newEpisode ? 1 : 0);
    const inEpisode = EPISODE_STATES.has(state);
    const record: HostRecord = {
      host,
      segmentUuid: c.observation.segmentUuid,
      state,
      since: prev && prev.state === state ? prev.since : now,
      generation,
      failedComponents: c.failedComponents,
      ...(c.failedSince && Object.keys(c.failedSince).length > 0 ? { failedSince: c.failedSince } : {}),
      ...(inEpisode ? { silentSince: newEpisode ? now : (prev?.silentSince ?? now) } : {}),
      ...(inEpisode && !newEpisode && prev?.incidentId ? { incidentId: prev.incidentId } : {}),
      ...(RECOVERY_STATES.has(state) && prev?.incidentId ? { incidentId: prev.incidentId } : {}),
      ...(note ? { note } : {}),
      ...maintenanceHealth(c, now),
    };
    if (!sameRecord(prev, record)) records.push(record);
    if (prev?.state !== state)
      timeline.push({
        at: now,
        host,
        from: prev?.state ?? 'unknown',
        to: state,
        generation,
        reason: note ?? reason,
        evidence,
      });
    actions.push(...c.actions);
    if (state === 'failed' && !record.incidentId)
      actions.push({
        kind: 'open-incident',
        verdict: { host, segmentUuid: record.segmentUuid, generation, reason, evidence: c.evidence, at: now },
      });
  }
  return { records, timeline, guards: storm.changed, actions };
}

/** What an operator must do for a silent host held by a guard whose BMC does not answer. */
export function bmcUnreachableNote(scope: string): string {
  return (
    `; BMC unreachable: power state unknown (rack power loss, or the rack's network). ` +
    `If the host is off: POST /vigil/v1/storm-guard/release {"scope":"${scope}","reason":…}, ` +
    `then its incident stops in error after the fencing attempts: ` +
    `POST /vigil/v1/incidents/{id}/confirm-fenced. If it is not off, fix the network and wait: nothing is fenced`
  );
}

function episodeStart(c: Candidate, now: number): number {
  return c.prev && EPISODE_STATES.has(c.prev.state) ? (c.prev.silentSince ?? now) : now;
}

function classify(
  o: HostObservation,
  prev: HostRecord | undefined,
  policy: DetectionPolicy,
  liveness: Liveness,
  witnesses: readonly PeerWitness[],
  now: number,
  settings: GlobalDetectionSettings,
): Candidate | undefined {
  const fresh = liveness === 'heard';
  const base = {
    observation: o,
    policy,
    prev,
    failedComponents: [] as string[],
    actions: [] as DetectionAction[],
  };
  if (o.onMaintenance || !o.segmentEnabled) {
    const why = o.onMaintenance ? 'host on_maintenance' : 'segment disabled';
    const components = Object.values(o.heartbeat?.components ?? {});
    return {
      ...base,
      state: 'maintenance',
      reason: why,
      evidence: {},
      fenceCandidate: false,
      silent: !fresh,
      healthy: liveness === 'pending' ? 'unknown' : fresh && components.every((c) => c.state !== 'failed'),
    };
  }
  if (prev && RECOVERY_STATES.has(prev.state))
    return {
      ...base,
      state: prev.state,
      reason: 'owned by recovery',
      evidence: {},
      fenceCandidate: false,
      silent: !fresh,
    };
  if (liveness === 'pending')
    // Neither heard nor judgeable yet: keep what the previous leader concluded, change nothing.
    return prev
      ? {
          ...base,
          state: prev.state,
          reason: 'waiting to hear from the host since this replica became leader',
          evidence: {},
          fenceCandidate: prev.state === 'failed',
          silent: EPISODE_STATES.has(prev.state),
          failedComponents: prev.failedComponents,
        }
      : undefined;
  if (!fresh && prev?.state === 'failed')
    // A confirmed failure stays confirmed while the host is silent, even if a probe now answers unknown.
    return {
      ...base,
      state: 'failed',
      reason: 'still silent',
      evidence: {},
      fenceCandidate: true,
      silent: true,
    };
  if (!fresh) {
    const fusion = fuseEvidence({ observation: o, witnesses, policy, now, settings });
    const lastHeartbeatAt = o.heartbeat?.receivedAt;
    const evidence = {
      lastHeartbeatAt: lastHeartbeatAt ?? null,
      timeoutMs: policy.heartbeatTimeoutMs,
      dead: fusion.dead,
      alive: fusion.alive,
      // Every item with its age, counting or not, so a verdict can be checked after the fact.
      items: fusion.items.map((i) => explainItem(i, lastHeartbeatAt, now)),
    };
    const state: HostState =
      fusion.verdict === 'dead'
        ? 'failed'
        : fusion.verdict === 'alive-elsewhere'
          ? 'isolated-from-controller'
          : 'suspect';
    const reason =
      fusion.verdict === 'dead'
        ? `no heartbeat for ${policy.heartbeatTimeoutMs} ms, confirmed by ${fusion.dead.join(', ')}`
        : fusion.verdict === 'alive-elsewhere'
          ? `no heartbeat for ${policy.heartbeatTimeoutMs} ms, but alive: ${fusion.alive.join(', ')}`
          : `no heartbeat for ${policy.heartbeatTimeoutMs} ms`;
    return { ...base, state, reason, evidence, fenceCandidate: state === 'failed', silent: true };
  }
  return triage(o, prev, policy, base, now);
}

/** Keeps `healthySince` across sweeps while a host in maintenance stays healthy (or a new leader listens). */
function maintenanceHealth(c: Candidate, now: number): Pick<HostRecord, 'healthySince'> {
  if (c.state !== 'maintenance' || c.healthy === false) return {};
  const kept = c.prev?.state === 'maintenance' ? c.prev.healthySince : undefined;
  if (c.healthy === 'unknown') return kept === undefined ? {} : { healthySince: kept };
  return { healthySince: kept ?? now };
}

function sameRecord(a: HostRecord | undefined, b: HostRecord): boolean {
  return a !== undefined && JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

function normalise(r: HostRecord): HostRecord {
  return {
    host: r.host,
    segmentUuid: r.segmentUuid,
    state: r.state,
    since: r.since,
    generation: r.generation,
    failedComponents: r.failedComponents,
    ...(r.failedSince !== undefined ? { failedSince: r.failedSince } : {}),
    ...(r.silentSince !== undefined ? { silentSince: r.silentSince } : {}),
    ...(r.incidentId !== undefined ? { incidentId: r.incidentId } : {}),
    ...(r.note !== undefined ? { note: r.note } : {}),
    ...(r.healthySince !== undefined ? { healthySince: r.healthySince } : {}),
  };
}
