import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { DetectionModule } from '../detection/detection.module';
import { EventsModule } from '../events/events.module';
import { IntakeModule } from '../intake/intake.module';
import { InventoryModule } from '../inventory/inventory.module';
import { OperatorViewController } from './operator-view.controller';
import { UiSessionStore } from './session-store';
import { UiSessionMiddleware } from './session.middleware';

/** The browser view under `/ui/` (see README.md). Registered explicitly, before any catch-all 404. */
@Module({
  imports: [DetectionModule, EventsModule, IntakeModule, InventoryModule],
  controllers: [OperatorViewController],
  providers: [UiSessionStore, UiSessionMiddleware],
})
export class OperatorViewModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(UiSessionMiddleware).forRoutes('*');
  }
}
