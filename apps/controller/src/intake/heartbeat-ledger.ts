import { type HeartbeatSighting } from '../detection/model';

/** Where a host's monitor run stands: a heartbeat must carry a higher `seq` within one (bootId, runId). */
export interface RunPosition {
  bootId: string;
  runId: string;
  seq: number;
}

/**
 * The replay rule: a new boot or a restarted monitor starts its own sequence; within a run, seq only
 * grows. (The Redis admission script applies the same rule across replicas; this is its local mirror.)
 */
export function replays(at: RunPosition | undefined, next: RunPosition): boolean {
  return at !== undefined && at.bootId === next.bootId && at.runId === next.runId && next.seq <= at.seq;
}

/**
 * What this replica has seen admitted: the latest sighting per host (the detector on this replica
 * reads it before Redis has it from other replicas) and the run position, which refuses a replay of a
 * heartbeat this replica admitted without asking Redis. Redis stays the authority (any replica may
 * have admitted a later seq); no I/O here.
 */
export class HeartbeatLedger {
  private readonly latest = new Map<string, HeartbeatSighting>();

  /** True when the heartbeat replays one this replica already saw admitted. */
  isReplay(host: string, sighting: HeartbeatSighting): boolean {
    return replays(this.latest.get(host), sighting);
  }

  /** Remembers a heartbeat Redis admitted, unless a later one of the same run is already known. */
  record(host: string, sighting: HeartbeatSighting): void {
    if (!replays(this.latest.get(host), sighting)) this.latest.set(host, sighting);
  }

  latestSightings(): ReadonlyMap<string, HeartbeatSighting> {
    return this.latest;
  }
}
