import { type HeartbeatSighting } from '../detection/model';

/** Where a host's monitor run stands: a heartbeat must carry a higher `seq` within one (bootId, runId). */
export interface RunPosition {
  bootId: string;
  runId: string;
  seq: number;
}

export type Admission = 'accepted' | 'replay';

/**
 * Heartbeats in memory: the latest sighting per host (read by the detector on this replica), the ones
 * not yet flushed to Redis, and replay protection. No I/O: the intake service seeds run positions
 * from Redis and flushes `takePending()`.
 */
export class HeartbeatLedger {
  private readonly latest = new Map<string, HeartbeatSighting>();
  private readonly positions = new Map<string, RunPosition>();
  private pending = new Map<string, HeartbeatSighting>();

  knows(host: string): boolean {
    return this.positions.has(host);
  }

  /** Seeds the run position remembered in Redis, unless a newer one arrived meanwhile. */
  seed(host: string, position: RunPosition | undefined): void {
    if (position && !this.positions.has(host)) this.positions.set(host, position);
  }

  admit(host: string, sighting: HeartbeatSighting): Admission {
    const at = this.positions.get(host);
    // A new boot or a restarted monitor starts its own sequence; within a run, seq only grows.
    if (at && at.bootId === sighting.bootId && at.runId === sighting.runId && sighting.seq <= at.seq)
      return 'replay';
    this.positions.set(host, { bootId: sighting.bootId, runId: sighting.runId, seq: sighting.seq });
    this.latest.set(host, sighting);
    this.pending.set(host, sighting);
    return 'accepted';
  }

  latestSightings(): ReadonlyMap<string, HeartbeatSighting> {
    return this.latest;
  }

  takePending(): Map<string, HeartbeatSighting> {
    const batch = this.pending;
    this.pending = new Map();
    return batch;
  }

  /** Puts back a batch whose flush failed, unless a newer sighting of the host is already pending. */
  restorePending(batch: ReadonlyMap<string, HeartbeatSighting>): void {
    for (const [host, s] of batch) if (!this.pending.has(host)) this.pending.set(host, s);
  }
}
