import { Injectable } from '@nestjs/common';
import { DetectionStore } from '../../detection/detection-store';
import { type HeartbeatSighting, type HostRecord } from '../../detection/model';
import { IntakeStore } from '../../intake/intake-store';
import { type HostHealth, type HostHealthView } from '../ports';

/**
 * A returning host is healthy while detection holds it `up`, or in `maintenance` (Vigil leaves a
 * recovered host on_maintenance) with heartbeats whose components are all ok. Either way `since` is
 * when that started, so a flapping host restarts its probation.
 */
@Injectable()
export class DetectionHostHealth implements HostHealthView {
  constructor(
    private readonly detection: DetectionStore,
    private readonly intake: IntakeStore,
  ) {}

  async health(host: string): Promise<HostHealth> {
    const record = await this.detection.readRecord(host);
    const verdict = returningHostHealth(record, undefined, Date.now());
    if (verdict.healthy) return verdict;
    // Only an unhealthy host needs the last heartbeat, to say what is missing.
    return returningHostHealth(record, (await this.intake.readAll()).get(host), Date.now());
  }
}

/** Pure: detection's record (and the last heartbeat, when known) → healthy since when, or what is missing. */
export function returningHostHealth(
  record: HostRecord | undefined,
  lastHeartbeat: HeartbeatSighting | undefined,
  now: number,
): HostHealth {
  if (record?.state === 'up') return { healthy: true, since: record.since };
  if (record?.state === 'maintenance' && record.healthySince !== undefined)
    return { healthy: true, since: record.healthySince };
  if (!lastHeartbeat) return { healthy: false, missing: 'no heartbeat from its host monitor yet' };
  const failed = Object.entries(lastHeartbeat.components)
    .filter(([, c]) => c.state === 'failed')
    .map(([name, c]) => (c.reason ? `${name} (${c.reason})` : name))
    .sort();
  if (failed.length > 0)
    return { healthy: false, missing: `its host monitor reports failed: ${failed.join(', ')}` };
  const state = record ? `detection holds it ${record.state}` : 'detection has not judged it yet';
  const ageS = Math.round((now - lastHeartbeat.receivedAt) / 1000);
  return { healthy: false, missing: `no recent heartbeat (last ${ageS} s ago); ${state}` };
}
