import { connect } from 'node:net';
import { type MonitorPeerConfig, type Logger } from '@vigil/config';
import { type PeerReport } from '@vigil/contracts';
import { type Clock } from '@vigil/heartbeat';

/**
 * Probes configured peers with a TCP connect to their monitor port and keeps who is reachable. The
 * controller compares it with its own view: a host it cannot hear but its peers can is cut off from the
 * controller, not dead. Reachability changes are logged once.
 */
/** A probe result and when it started (monotonic), so each heartbeat can say how old it is. */
interface PeerProbe {
  report: PeerReport;
  startedMono: number;
}

/** The peer's TCP connect ended: accepted, refused by its kernel (host up, monitor down), or no answer. */
type ConnectResult = 'connected' | 'refused' | 'no-answer';

/**
 * A peer that stops answering is probed again after this instead of a whole interval, so its
 * failure reaches the controller within about one heartbeat (each probe is bounded by its timeout).
 */
const RETRY_UNANSWERED_MS = 100;

export class PeerWitness {
  private readonly latest = new Map<string, PeerProbe>();

  constructor(
    private readonly peers: readonly MonitorPeerConfig[],
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The latest result per peer with its age now; a peer not probed yet is unreachable, with no age. */
  snapshot(): PeerReport[] | undefined {
    if (this.peers.length === 0) return undefined;
    const now = this.clock.monoMs();
    return this.peers.map((p) => {
      const probe = this.latest.get(p.host);
      if (!probe) return { host: p.host, reachable: false };
      return { ...probe.report, ageMs: Math.max(0, Math.round(now - probe.startedMono)) };
    });
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.peers.map((p) => this.probeOne(p)));
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const unanswered = [...this.latest.values()].some((p) => !p.report.reachable && !p.report.refused);
      await this.clock.sleep(
        unanswered ? Math.min(RETRY_UNANSWERED_MS, this.intervalMs) : this.intervalMs,
        signal,
      );
      if (!signal.aborted) await this.probeAll();
    }
  }

  private async probeOne(peer: MonitorPeerConfig): Promise<void> {
    const started = this.clock.monoMs();
    const result = await this.connect(peer);
    const reachable = result === 'connected';
    const report: PeerReport = reachable
      ? { host: peer.host, reachable, rttMs: Math.round(this.clock.monoMs() - started) }
      : { host: peer.host, reachable, ...(result === 'refused' ? { refused: true } : {}) };
    const previous = this.latest.get(peer.host)?.report;
    this.latest.set(peer.host, { report, startedMono: started });
    if (previous?.reachable !== reachable)
      this.logger.info(
        { peer: peer.host, address: peer.address, port: peer.port, reachable },
        'peer reachability',
      );
  }

  private connect(peer: MonitorPeerConfig): Promise<ConnectResult> {
    return new Promise((resolve) => {
      const socket = connect({ host: peer.address, port: peer.port });
      const finish = (result: ConnectResult): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish('no-answer'), this.timeoutMs);
      socket.once('connect', () => finish('connected'));
      // A refusal is an answer from the peer's kernel: a hung or powered-off host cannot send one.
      socket.once('error', (err: NodeJS.ErrnoException) =>
        finish(err.code === 'ECONNREFUSED' ? 'refused' : 'no-answer'),
      );
    });
  }
}
