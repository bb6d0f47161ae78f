import { connect } from 'node:net';
import { type MonitorPeerConfig, type Logger } from '@vigil/config';
import { type PeerReport } from '@vigil/contracts';
import { type Clock } from '@vigil/heartbeat';

/**
 * Probes configured peers with a TCP connect to their monitor port and keeps who is reachable. The
 * controller compares it with its own view: a host it cannot hear but its peers can is cut off from the
 * controller, not dead. Reachability changes are logged once.
 */
export class PeerWitness {
  private readonly latest = new Map<string, PeerReport>();

  constructor(
    private readonly peers: readonly MonitorPeerConfig[],
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  snapshot(): PeerReport[] | undefined {
    if (this.peers.length === 0) return undefined;
    return this.peers.map((p) => ({ ...(this.latest.get(p.host) ?? { host: p.host, reachable: false }) }));
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.peers.map((p) => this.probeOne(p)));
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.clock.sleep(this.intervalMs, signal);
      if (!signal.aborted) await this.probeAll();
    }
  }

  private async probeOne(peer: MonitorPeerConfig): Promise<void> {
    const started = this.clock.monoMs();
    const reachable = await this.connect(peer);
    const report: PeerReport = reachable
      ? { host: peer.host, reachable, rttMs: Math.round(this.clock.monoMs() - started) }
      : { host: peer.host, reachable };
    const previous = this.latest.get(peer.host);
    this.latest.set(peer.host, report);
    if (previous?.reachable !== reachable)
      this.logger.info(
        { peer: peer.host, address: peer.address, port: peer.port, reachable },
        'peer reachability',
      );
  }

  private connect(peer: MonitorPeerConfig): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: peer.address, port: peer.port });
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), this.timeoutMs);
      socket.once('connect', () => finish(true));
      socket.once('error', () => finish(false));
    });
  }
}
