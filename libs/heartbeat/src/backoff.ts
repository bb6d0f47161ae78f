import { backoffMs } from '@vigil/contracts';

/** No wait between heartbeat attempts grows beyond this: a controller that comes back must hear us soon. */
export const HEARTBEAT_BACKOFF_MAX_MS = 5_000;
/** Restart delay cap of the libvirt event stream command. */
export const EVENT_STREAM_RESTART_MAX_MS = 30_000;

/**
 * Capped exponential backoff, used when no controller answers or the event stream dies. Deterministic
 * (no jitter): every host already sends at its own phase, and tests can assert exact delays.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** Delay after one more consecutive failure: base, base·2, base·4 … capped at `maxMs`. */
  next(): number {
    const delay = backoffMs(this.failures + 1, { baseMs: this.baseMs, maxMs: this.maxMs, jitter: 'none' });
    this.failures = Math.min(this.failures + 1, 30);
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
