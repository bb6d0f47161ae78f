import { Module } from '@nestjs/common';
import { DetectionModule } from '../detection/detection.module';
import { AlertsModule } from '../intake/alerts/alerts.module';
import { InventoryModule } from '../inventory';
import { QuarantineController } from './quarantine.controller';
import { QuarantineService } from './quarantine.service';
import { QuarantineStore } from './quarantine.store';

/** Degradation alerts → quarantine → live migrations off the host. */
@Module({
  imports: [AlertsModule, DetectionModule, InventoryModule],
  controllers: [QuarantineController],
  providers: [QuarantineService, QuarantineStore],
})
export class QuarantineModule {}
