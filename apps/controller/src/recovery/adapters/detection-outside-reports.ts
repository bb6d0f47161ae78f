import { Injectable } from '@nestjs/common';
import { DetectionService } from '../../detection/detection.service';
import { DetectionStore } from '../../detection/detection-store';
import { type HostState } from '../../detection/model';
import { type OutsideReportContext, type OutsideReportJudge } from '../ports';

/** Detection states in which Vigil's own evidence says the host runs. */
const ALIVE_STATES: ReadonlyMap<HostState, string> = new Map([
  ['up', 'heartbeating'],
  ['degraded', 'heartbeating, a component failed'],
  ['isolated-from-controller', 'silent to the controller, seen alive by fresh peer probes or Nova reports'],
]);

/**
 * Detection's latest verdict on a host (at most one sweep old), and its segment's policy for outside
 * notifications. A host detection never saw heartbeat has no monitor: it is `not-alive`, so a
 * notification about it takes Masakari's path (BMC and Nova checks).
 */
@Injectable()
export class DetectionOutsideReports implements OutsideReportJudge {
  constructor(
    private readonly store: DetectionStore,
    private readonly detection: DetectionService,
  ) {}

  async contextFor(host: string): Promise<OutsideReportContext> {
    const record = (await this.store.readRecords()).get(host);
    if (!record) return { liveness: { kind: 'not-alive' }, outsideNotifications: 'evidence' };
    const policy = await this.detection.policyOf(record.segmentUuid);
    const why = ALIVE_STATES.get(record.state);
    return {
      liveness: why
        ? { kind: 'alive', why: `detection state ${record.state}: ${why}` }
        : { kind: 'not-alive' },
      outsideNotifications: policy.outsideHostNotifications,
    };
  }

  async noteIgnored(host: string, incidentId: string, reason: string): Promise<void> {
    await this.detection.outsideReportIgnored(host, incidentId, reason);
  }
}
