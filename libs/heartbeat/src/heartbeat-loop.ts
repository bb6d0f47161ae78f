import { HEARTBEAT_PATH, type PeerReport, type ComponentStatus } from '@vigil/contracts';
import { type Logger } from '@vigil/config';
import { Backoff, HEARTBEAT_BACKOFF_MAX_MS } from './backoff';
import { type Clock } from './clock';
import { type ControllerLink, type SendOutcome } from './controller-link';
import { type HeartbeatBuilder } from './heartbeat-builder';

export interface HeartbeatSources {
  components(): Record<string, ComponentStatus>;
  /** undefined when no peers are configured (the field is then left out). */
  peers(): PeerReport[] | undefined;
}

export interface HeartbeatStats {
  accepted: number;
  failed: number;
  lastOutcome?: SendOutcome['kind'];
  lastAcceptedUrl?: string;
}

/**
 * Sends one heartbeat per interval. When no controller answers it waits with capped backoff, but every
 * attempt is a newly built heartbeat from the current snapshot, so nothing stale is ever delivered.
 */
export class HeartbeatLoop {
  readonly stats: HeartbeatStats = { accepted: 0, failed: 0 };
  private lastRejectedStatus: number | undefined;

  constructor(
    private readonly builder: HeartbeatBuilder,
    private readonly link: ControllerLink,
    private readonly sources: HeartbeatSources,
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.intervalMs, Math.max(HEARTBEAT_BACKOFF_MAX_MS, this.intervalMs));
    while (!signal.aborted) {
      const started = this.clock.monoMs();
      const delayMs = await this.tick(backoff);
      const elapsed = this.clock.monoMs() - started;
      await this.clock.sleep(Math.max(0, delayMs - elapsed), signal);
    }
  }

  /**
   * The last gasp: one heartbeat marked `goingDown`, sent once (no retry: the host is going away) after
   * the loop stopped. True when a controller accepted it.
   */
  async lastGasp(): Promise<boolean> {
    const { body } = this.builder.build(this.sources.components(), this.sources.peers(), true);
    try {
      const outcome = await this.link.post(HEARTBEAT_PATH, body);
      return outcome.kind === 'accepted';
    } catch (err) {
      this.logger.warn({ err }, 'last-gasp heartbeat not sent');
      return false;
    }
  }

  /** Sends one heartbeat; returns how long to wait (from the start of this tick) before the next one. */
  async tick(backoff: Backoff): Promise<number> {
    const { body } = this.builder.build(this.sources.components(), this.sources.peers());
    let outcome: SendOutcome;
    try {
      outcome = await this.link.post(HEARTBEAT_PATH, body);
    } catch (err) {
      this.logger.error({ err }, 'heartbeat send crashed');
      outcome = { kind: 'unavailable', errors: [] };
    }
    this.stats.lastOutcome = outcome.kind;
    switch (outcome.kind) {
      case 'accepted':
        this.stats.accepted += 1;
        this.stats.lastAcceptedUrl = outcome.url;
        this.lastRejectedStatus = undefined;
        backoff.reset();
        return this.intervalMs;
      case 'stale':
        this.stats.failed += 1;
        this.logger.warn(
          { url: outcome.url },
          'controller refused heartbeat as replay/stale; check clock sync',
        );
        return this.intervalMs;
      case 'rejected':
        this.stats.failed += 1;
        if (this.lastRejectedStatus !== outcome.status)
          this.logger.error(
            { url: outcome.url, status: outcome.status },
            'controller rejected heartbeat (401: wrong host secret or unknown host)',
          );
        this.lastRejectedStatus = outcome.status;
        return backoff.next();
      case 'unavailable':
        this.stats.failed += 1;
        return backoff.next();
    }
  }
}
