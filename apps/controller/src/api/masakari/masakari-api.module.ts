import { Module } from '@nestjs/common';
import { InventoryModule } from '../../inventory';
import { HostsController } from './hosts.controller';
import { NotificationsController } from './notifications.controller';
import { SegmentsController } from './segments.controller';

/** Masakari v1: /v1/segments, /v1/segments/{id}/hosts, /v1/notifications (+ vmoves at 1.3). */
@Module({
  imports: [InventoryModule],
  controllers: [SegmentsController, HostsController, NotificationsController],
})
export class MasakariApiModule {}
