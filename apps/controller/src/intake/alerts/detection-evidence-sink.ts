import { Inject, Injectable } from '@nestjs/common';
import { type Logger } from '@vigil/config';
import { DetectionService } from '../../detection/detection.service';
import { LOGGER } from '../../platform/tokens';
import { type AlertEvidence, type EvidenceSink } from './evidence-sink';

/**
 * Adapter to detection. Detection's model knows one alert kind, `alert-host-down`, which counts
 * towards confirming a *silent* host: only `host-unreachable` maps to it. Component kinds (libvirt,
 * OVS, nova-compute, BMC) have no detection counterpart yet; they are logged at debug level.
 * Detection cannot withdraw evidence: a resolved alert is left to age out (`detection.evidenceMaxAgeMs`),
 * and evidence older than the host's last heartbeat is ignored by detection anyway.
 */
@Injectable()
export class DetectionEvidenceSink implements EvidenceSink {
  constructor(
    private readonly detection: DetectionService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async recordAlertEvidence(e: AlertEvidence): Promise<void> {
    if (e.kind !== 'host-unreachable' || e.state !== 'firing') {
      this.logger.debug(
        { host: e.host, kind: e.kind, state: e.state, source: e.source },
        'alert evidence not used by detection',
      );
      return;
    }
    await this.detection.recordEvidence(e.host, {
      kind: 'alert-host-down',
      at: Date.now(),
      alertName: e.labels.alertname ?? e.source,
    });
  }
}
