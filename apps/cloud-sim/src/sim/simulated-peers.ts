import { type PeerReport } from '@vigil/contracts';
import { systemClock } from '@vigil/heartbeat';

/** What a TCP connect from one simulated host to another's monitor port would get. */
export type SimulatedConnect = 'connected' | 'refused' | 'no-answer';

export interface SimulatedPeerOptions {
  peers: readonly string[];
  /** The real agent's `peerProbeIntervalMs` default. */
  intervalMs: number;
  /** The real agent's `peerProbeTimeoutMs` default: an unanswered connect costs this long. */
  timeoutMs: number;
}

/** As the real agent: a peer that stops answering is probed again after this, not a whole interval. */
const RETRY_UNANSWERED_MS = 100;

/**
 * The host monitor's peer witness with its TCP connect replaced by the simulated network: same
 * rounds, same timeout on a silent peer, same immediate re-probe, same `ageMs` on every report.
 */
export class SimulatedPeerWitness {
  private readonly latest = new Map<string, { report: PeerReport; startedMono: number }>();

  constructor(
    private readonly options: SimulatedPeerOptions,
    private readonly connect: (peer: string) => SimulatedConnect,
  ) {}

  snapshot(): PeerReport[] | undefined {
    if (this.options.peers.length === 0) return undefined;
    const now = systemClock.monoMs();
    return this.options.peers.map((host) => {
      const probe = this.latest.get(host);
      if (!probe) return { host, reachable: false };
      return { ...probe.report, ageMs: Math.max(0, Math.round(now - probe.startedMono)) };
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await Promise.all(this.options.peers.map((p) => this.probe(p, signal)));
      const unanswered = [...this.latest.values()].some((p) => !p.report.reachable && !p.report.refused);
      await systemClock.sleep(unanswered ? RETRY_UNANSWERED_MS : this.options.intervalMs, signal);
    }
  }

  private async probe(host: string, signal: AbortSignal): Promise<void> {
    const startedMono = systemClock.monoMs();
    const answer = this.connect(host);
    // A silent peer costs the whole connect timeout, as on a real network.
    if (answer === 'no-answer') await systemClock.sleep(this.options.timeoutMs, signal);
    if (signal.aborted) return;
    const report: PeerReport =
      answer === 'connected'
        ? { host, reachable: true, rttMs: 0 }
        : { host, reachable: false, ...(answer === 'refused' ? { refused: true } : {}) };
    this.latest.set(host, { report, startedMono });
  }
}
