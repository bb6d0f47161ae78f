import { type DetectionPolicy, type Evidence, type HostObservation } from './model';

/** Peer witness reports about one host, from hosts that are themselves heartbeating. */
export interface PeerWitness {
  reporter: string;
  reachable: boolean;
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
      list.push({ reporter: o.host, reachable: p.reachable });
      byTarget.set(p.host, list);
    }
  }
  return byTarget;
}

export type Fusion =
  | { verdict: 'dead'; dead: string[]; alive: string[] }
  | { verdict: 'alive-elsewhere'; dead: string[]; alive: string[] }
  | { verdict: 'undecided'; dead: string[]; alive: string[] };

/**
 * Fuses the independent evidence about a silent host. Silence alone never confirms a failure:
 * `minEvidence` other sources must agree it is dead, and none may see it alive. A peer that still
 * reaches the host always wins (the host is alive; our path to it is broken). Nova's "up" loses
 * only to a BMC that reads power off, because Nova notices a dead host late (service_down_time).
 */
export function fuseEvidence(args: {
  observation: HostObservation;
  witnesses: readonly PeerWitness[];
  policy: DetectionPolicy;
  now: number;
  evidenceMaxAgeMs: number;
}): Fusion {
  const { observation: o, witnesses, policy, now, evidenceMaxAgeMs } = args;
  const uses = new Set(policy.evidenceSources);
  const dead: string[] = [];
  const alive: string[] = [];
  const probes = o.probes ?? { nova: 'unknown', bmc: 'unknown' };
  const bmcOff = uses.has('bmc') && probes.bmc === 'off';
  if (bmcOff) dead.push('bmc-power-off');
  if (uses.has('nova')) {
    if (probes.nova === 'down') dead.push('nova-service-down');
    if (probes.nova === 'up') alive.push('nova-service-up');
  }
  if (uses.has('peers') && witnesses.length > 0) {
    const reaching = witnesses.filter((w) => w.reachable).map((w) => w.reporter);
    if (reaching.length > 0) alive.push(`peer-reachable:${reaching.join(',')}`);
    else dead.push(`peers-unreachable:${witnesses.length}`);
  }
  // Evidence older than the last heartbeat describes an earlier episode.
  const lastAlive = o.heartbeat?.receivedAt ?? Number.NEGATIVE_INFINITY;
  const recent = (e: Evidence): boolean => e.at >= lastAlive && now - e.at <= evidenceMaxAgeMs;
  if (uses.has('masakari') && o.evidence.some((e) => e.kind === 'masakari-host-stopped' && recent(e)))
    dead.push('masakari-host-stopped');
  if (uses.has('alerts') && o.evidence.some((e) => e.kind === 'alert-host-down' && recent(e)))
    dead.push('alert-host-down');

  const peerSeesIt = alive.some((a) => a.startsWith('peer-reachable'));
  const novaSeesIt = alive.includes('nova-service-up');
  if (peerSeesIt) return { verdict: 'alive-elsewhere', dead, alive };
  if (dead.length >= policy.minEvidence && (bmcOff || !novaSeesIt)) return { verdict: 'dead', dead, alive };
  if (novaSeesIt) return { verdict: 'alive-elsewhere', dead, alive };
  return { verdict: 'undecided', dead, alive };
}
