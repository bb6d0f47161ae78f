import { Injectable, type OnModuleInit } from '@nestjs/common';
import { NotificationService } from '../../inventory';
import { DetectionService } from '../detection.service';
import { evidenceFromMasakariNotification } from '../masakari-evidence';

/** Masakari notifications (e.g. from masakari-hostmonitor) are evidence for detection, like any other. */
@Injectable()
export class MasakariEvidenceForwarder implements OnModuleInit {
  constructor(
    private readonly notifications: NotificationService,
    private readonly detection: DetectionService,
  ) {}

  onModuleInit(): void {
    this.notifications.onCreated(async (n) => {
      if (n.origin === 'vigil-detection') return;
      const evidence = evidenceFromMasakariNotification({ ...n, hostname: n.source_host_name }, Date.now());
      if (evidence) await this.detection.recordEvidence(n.source_host_name, evidence);
    });
  }
}
