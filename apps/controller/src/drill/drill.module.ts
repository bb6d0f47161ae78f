import { Module } from '@nestjs/common';
import { DetectionModule } from '../detection/detection.module';
import { FencingModule } from '../fencing/fencing.module';
import { DrillController } from './drill.controller';
import { DrillService } from './drill.service';
import { DrillStore } from './drill-store';

/** Failover drills under /vigil/v1/drills; recovery's engine and directory are looked up at run time. */
@Module({
  imports: [DetectionModule, FencingModule],
  controllers: [DrillController],
  providers: [DrillService, DrillStore],
})
export class DrillModule {}
