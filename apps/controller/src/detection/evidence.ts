import {
  type DetectionPolicy,
  type EvidenceItem,
  type GlobalDetectionSettings,
  type HostObservation,
} from './model';
import { judgeNovaReports } from './nova-reports';

/** Peer witness reports about one host, from hosts that are themselves heartbeating. */
export interface PeerWitness {
  reporter: string;
  reachable: boolean;
  /** The target's kernel refused the connection (its monitor is down, the host is not). */
  refused: boolean;
  /** When the probe started, our clock: the reporter's heartbeat arrival minus the probe's age. */
  probedAt?: number;
}

/** Who says what about whom: built from the `peers` field of every fresh heartbeat. */
export function collectPeerWitnesses(
  hosts: readonly HostObservation[],
  isFresh: (o: HostObservation) => boolean,
): Map<string, PeerWitness[]> {
  const byTarget = new Map<string, PeerWitness[]>();
  for (const o of hosts) {
    // A silent reporter's last word is stale: it may describe a world before the failure.
    if (!o.heartbeat || !isFresh(o)) continue;
    for (const p of o.heartbeat.peers ?? []) {
      if (p.host === o.host) continue;
      const list = byTarget.get(p.host) ?? [];
      list.push({
        reporter: o.host,
        reachable: p.reachable,
        refused: p.refused === true,
        // Mapping by the reporter's own age field keeps the monitor's clock out of it; the network
        // delay makes the probe look slightly later than it was, by milliseconds.
        ...(p.ageMs !== undefined ? { probedAt: o.heartbeat.receivedAt - p.ageMs } : {}),
      });
      byTarget.set(p.host, list);
    }
  }
  return byTarget;
}

export type Fusion = {
  verdict: 'dead' | 'alive-elsewhere' | 'undecided';
  /** One label per source that counts as dead evidence. */
  dead: string[];
  /** One label per item that says the host is alive. */
  alive: string[];
  /** Every item considered, counting or not, for the explanation. */
  items: EvidenceItem[];
};

/**
 * Fuses the independent evidence about a silent host. Every item is judged against the host's last
 * heartbeat: alive evidence counts only if observed after it (an older "alive" describes the world
 * before the host went silent), dead evidence only if it belongs to this failure episode. Then:
 *  - a fresh peer that reaches the host (or whose connection its kernel refuses) always wins: the
 *    host runs, our path to it broke;
 *  - Nova's reports advancing after the last heartbeat win too, unless the BMC now reads Off (read
 *    this sweep, so fresher than any Nova report);
 *  - peers alone never confirm while Nova may still contradict them: its newest report may have
 *    been written after the last heartbeat (its next one not overdue), or it did not answer;
 *  - otherwise `minEvidence` dead sources confirm the failure.
 * Nova's `state: up` is no evidence at all: it only says the last report is younger than
 * service_down_time, which stays true for a minute after the host died.
 */
export function fuseEvidence(args: {
  observation: HostObservation;
  witnesses: readonly PeerWitness[];
  policy: DetectionPolicy;
  now: number;
  settings: GlobalDetectionSettings;
}): Fusion {
  const { observation: o, witnesses, policy, now, settings } = args;
  const uses = new Set(policy.evidenceSources);
  const lastHeartbeatAt = o.heartbeat?.receivedAt ?? Number.NEGATIVE_INFINITY;
  const items: EvidenceItem[] = [];
  const dead: string[] = [];

  const bmc = o.probes?.bmc ?? 'unknown';
  if (uses.has('bmc')) {
    items.push({
      source: 'bmc',
      says: bmc === 'off' ? 'dead' : 'neutral',
      label: `BMC: power ${bmc}`,
      observedAt: now,
      why: bmc === 'on' ? 'a hung or cut-off host also reads On' : 'read this sweep',
    });
    if (bmc === 'off') dead.push('bmc-power-off');
  }

  // Nova may still say the host runs: its newest report may postdate the last heartbeat, or it did
  // not answer this sweep. Then a network view alone (peers) must not confirm (see below).
  let novaMayContradict = false;
  const novaComputeWasOk = o.heartbeat?.components['nova-compute']?.state !== 'failed';
  if (uses.has('nova') && o.probes?.nova?.unread) {
    const track = o.probes.nova.track;
    novaMayContradict = novaComputeWasOk && track?.forcedDown !== true && track?.state !== 'down';
    items.push({
      source: 'nova',
      says: 'neutral',
      label: 'Nova: service list not read',
      why: 'GET /os-services failed or timed out this sweep: Nova can neither confirm nor deny',
    });
  } else if (uses.has('nova') && o.probes?.nova) {
    const j = judgeNovaReports({
      track: o.probes.nova.track,
      offsetMaxMs: o.probes.nova.offsetMaxMs,
      lastHeartbeatAt,
      novaComputeWasOk,
      now,
      fallbackCadenceMs: settings.novaReportIntervalMs,
      toleranceMs: settings.novaReportToleranceMs,
    });
    const label =
      j.says === 'alive' ? 'Nova: nova-compute reported' : j.says === 'dead' ? 'Nova: report missed' : 'Nova';
    items.push({
      source: 'nova',
      says: j.says,
      label,
      ...(j.observedAt !== undefined ? { observedAt: j.observedAt } : {}),
      why: j.why,
    });
    if (j.says === 'dead') dead.push('nova-report-missed');
    if (j.says === 'neutral' && j.mayBeAlive) novaMayContradict = true;
  }

  if (uses.has('peers') && witnesses.length > 0) {
    const peerDead = judgePeers(witnesses, lastHeartbeatAt, items);
    if (peerDead) dead.push(peerDead);
  }

  for (const e of o.evidence) {
    const source = e.kind === 'masakari-host-stopped' ? 'masakari' : 'alerts';
    if (!uses.has(source)) continue;
    // Reported before the last heartbeat: describes an earlier episode (or was wrong).
    const inEpisode = e.at >= lastHeartbeatAt && now - e.at <= settings.evidenceMaxAgeMs;
    items.push({
      source,
      says: inEpisode ? 'dead' : 'neutral',
      label:
        e.kind === 'masakari-host-stopped'
          ? 'Masakari notification: host stopped'
          : `alert ${e.alertName}: host down`,
      observedAt: e.at,
      why: inEpisode ? 'received after the last heartbeat' : 'received before the last heartbeat or too old',
    });
    if (inEpisode && !dead.includes(e.kind)) dead.push(e.kind);
  }

  const aliveItems = items.filter((i) => i.says === 'alive');
  const alive = aliveItems.map((i) => i.label);
  const peerSeesIt = aliveItems.some((i) => i.source === 'peers');
  const novaSeesIt = aliveItems.some((i) => i.source === 'nova');
  if (peerSeesIt) return { verdict: 'alive-elsewhere', dead, alive, items };
  if (novaSeesIt && bmc !== 'off') return { verdict: 'alive-elsewhere', dead, alive, items };
  // Peers share the host's network: a host cut from the controller and from its peers looks dead to
  // all of them while nova-compute, on another path, still reports. So peers alone wait for Nova.
  const peersOnly = dead.length > 0 && dead.every((d) => d.startsWith('peers-unreachable'));
  if (peersOnly && novaMayContradict) return { verdict: 'undecided', dead, alive, items };
  if (dead.length >= policy.minEvidence) return { verdict: 'dead', dead, alive, items };
  return { verdict: 'undecided', dead, alive, items };
}

/**
 * Peer quorum: only probes started after the target's last heartbeat count. Any fresh probe that
 * reached the host (or was refused by its kernel) says alive. The peers say dead when a strict
 * majority of the heartbeating reporters that watch the target made a fresh probe and none reached
 * it, so one reporter's bad link cannot speak for the others. Adds one item per witness.
 */
function judgePeers(
  witnesses: readonly PeerWitness[],
  lastHeartbeatAt: number,
  items: EvidenceItem[],
): string | undefined {
  let freshUnreachable = 0;
  let freshAnswer = false;
  for (const w of witnesses) {
    const answered = w.reachable || w.refused;
    const what = w.reachable
      ? 'reachable'
      : w.refused
        ? 'connection refused (kernel up, monitor down)'
        : 'unreachable';
    if (w.probedAt === undefined) {
      // An older monitor gives no probe time: its "reachable" still protects the host, its
      // "unreachable" cannot be placed in this episode.
      items.push({
        source: 'peers',
        says: answered ? 'alive' : 'neutral',
        label: `peer ${w.reporter}: ${what}`,
        why: 'probe time unknown',
      });
      freshAnswer ||= answered;
      continue;
    }
    const fresh = w.probedAt > lastHeartbeatAt;
    if (fresh && answered) freshAnswer = true;
    if (fresh && !answered) freshUnreachable++;
    items.push({
      source: 'peers',
      says: fresh ? (answered ? 'alive' : 'dead') : 'neutral',
      label: `peer ${w.reporter}: ${what}`,
      observedAt: w.probedAt,
      why: fresh ? 'probed after the last heartbeat' : 'probed before the last heartbeat: stale',
    });
  }
  const quorum = Math.floor(witnesses.length / 2) + 1;
  if (freshAnswer || freshUnreachable < quorum) {
    // Below quorum, the individual "unreachable" items do not count yet.
    for (const i of items) if (i.source === 'peers' && i.says === 'dead') i.says = 'neutral';
    return undefined;
  }
  return `peers-unreachable:${freshUnreachable}/${witnesses.length}`;
}

/** "peer compute2: unreachable, probed 0.4 s after the last heartbeat (probed after the last heartbeat)". */
export function explainItem(item: EvidenceItem, lastHeartbeatAt: number | undefined, now: number): string {
  const when =
    item.observedAt === undefined
      ? 'time unknown'
      : lastHeartbeatAt === undefined
        ? `${secs(now - item.observedAt)} ago`
        : item.observedAt >= lastHeartbeatAt
          ? `${secs(item.observedAt - lastHeartbeatAt)} after the last heartbeat`
          : `${secs(lastHeartbeatAt - item.observedAt)} before the last heartbeat`;
  return `${item.label}, ${when}: ${item.says} (${item.why})`;
}

function secs(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
