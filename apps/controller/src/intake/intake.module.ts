import { Module } from '@nestjs/common';
import { DetectionPortsModule } from '../detection/ports.module';
import { HeartbeatLedger } from './heartbeat-ledger';
import { IntakeController } from './intake.controller';
import { IntakeService } from './intake.service';
import { IntakeStore } from './intake-store';

@Module({
  imports: [DetectionPortsModule],
  controllers: [IntakeController],
  providers: [
    IntakeService,
    IntakeStore,
    { provide: HeartbeatLedger, useFactory: () => new HeartbeatLedger() },
  ],
  exports: [IntakeService, IntakeStore],
})
export class IntakeModule {}
