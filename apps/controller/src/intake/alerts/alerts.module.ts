import { Module } from '@nestjs/common';
import { DetectionModule } from '../../detection/detection.module';
import { AlertDedupStore } from './alert-dedup.store';
import { AlertIntakeService } from './alert-intake.service';
import { AlertsController } from './alerts.controller';
import { DetectionEvidenceSink } from './detection-evidence-sink';
import { AlertEvidenceSinks } from './alert-evidence-sinks';

/** Alertmanager and generic webhooks → evidence for detection. */
@Module({
  imports: [DetectionModule],
  controllers: [AlertsController],
  providers: [AlertIntakeService, AlertDedupStore, AlertEvidenceSinks, DetectionEvidenceSink],
  exports: [AlertEvidenceSinks],
})
export class AlertsModule {}
