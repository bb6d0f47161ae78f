import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { InventoryModule } from '../inventory';
import { LeadershipModule } from '../leadership/leadership.module';
import { DetectionController } from './detection.controller';
import { DetectionService } from './detection.service';
import { DetectionStore } from './detection-store';
import { DetectionViewService } from './detection-view.service';
import { FailureDomainMap } from './failure-domain-map';
import { DetectionPortsModule } from './ports.module';

/** Intake → detection → (incident opener). Detection itself runs only while this replica leads. */
@Module({
  imports: [IntakeModule, LeadershipModule, DetectionPortsModule, InventoryModule],
  controllers: [DetectionController],
  providers: [DetectionService, DetectionStore, DetectionViewService, FailureDomainMap],
  exports: [DetectionService, DetectionStore, FailureDomainMap, DetectionPortsModule, LeadershipModule],
})
export class DetectionModule {}
