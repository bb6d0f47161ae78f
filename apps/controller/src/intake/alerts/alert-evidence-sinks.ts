import { Injectable } from '@nestjs/common';
import { DetectionEvidenceSink } from './detection-evidence-sink';
import { type AlertEvidence, type EvidenceSink } from './evidence-sink';

/**
 * The sinks every accepted alert fans out to: detection by default, plus any the lead or a test adds.
 * A sink failure fails the request (503) so that Alertmanager retries it.
 */
@Injectable()
export class AlertEvidenceSinks {
  private readonly sinks: EvidenceSink[] = [];

  constructor(detection: DetectionEvidenceSink) {
    this.sinks.push(detection);
  }

  add(sink: EvidenceSink): void {
    this.sinks.push(sink);
  }

  async record(evidence: AlertEvidence): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.recordAlertEvidence(evidence)));
  }
}
