import { Module } from '@nestjs/common';
import { InventoryModule } from '../../inventory';
import { HostFencingController } from './host-fencing.controller';

/** Vigil's own routes under /vigil/v1 (outside Masakari's strict schemas). */
@Module({
  imports: [InventoryModule],
  controllers: [HostFencingController],
})
export class VigilApiModule {}
