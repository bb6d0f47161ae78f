import { type ComponentStatus, type Heartbeat, type PeerReport } from '@vigil/contracts';
import { type Clock } from './clock';

/** Who this monitor run is; fixed for the life of the process. */
export interface MonitorIdentity {
  host: string;
  bootId: string;
  runId: string;
}

/**
 * Builds each heartbeat with the next sequence number. A body is signed and sent as built, never
 * rebuilt for a retry to another URL, and never resent on a later tick (the controller rejects replays).
 */
export class HeartbeatBuilder {
  private seq = 0;

  constructor(
    private readonly identity: MonitorIdentity,
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  build(
    components: Record<string, ComponentStatus>,
    peers?: PeerReport[],
    goingDown = false,
  ): { heartbeat: Heartbeat; body: string } {
    this.seq += 1;
    const heartbeat: Heartbeat = {
      v: 1,
      host: this.identity.host,
      bootId: this.identity.bootId,
      seq: this.seq,
      runId: this.identity.runId,
      monoMs: Math.round(this.clock.monoMs()),
      intervalMs: this.intervalMs,
      components,
      ...(peers ? { peers } : {}),
      ...(goingDown ? { goingDown: true as const } : {}),
    };
    return { heartbeat, body: JSON.stringify(heartbeat) };
  }
}
