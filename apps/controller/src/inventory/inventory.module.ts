import { Module } from '@nestjs/common';
import { type ControllerConfig } from '@vigil/config';
import { CONFIG } from '../platform/tokens';
import { SecretsModule } from '../secrets/secrets.module';
import { COMPUTE_HOST_DIRECTORY, ConfiguredComputeHostDirectory } from './compute-host-directory';
import { HostFencingService } from './host-fencing.service';
import { HostFencingStore } from './host-fencing.store';
import { HostService } from './host.service';
import { HostStore } from './host.store';
import { InventoryKeys } from './inventory-keys';
import { NotificationService } from './notification.service';
import { NotificationStore } from './notification.store';
import { SegmentService } from './segment.service';
import { SegmentStore } from './segment.store';
import { INVENTORY_KEYS } from './tokens';

/** Segments, hosts, notifications and per-host fencing settings: the only owner of their Redis keys. */
@Module({
  imports: [SecretsModule],
  providers: [
    {
      provide: INVENTORY_KEYS,
      inject: [CONFIG],
      useFactory: (config: ControllerConfig) => new InventoryKeys(config.redis.keyPrefix),
    },
    ConfiguredComputeHostDirectory,
    { provide: COMPUTE_HOST_DIRECTORY, useExisting: ConfiguredComputeHostDirectory },
    SegmentStore,
    HostStore,
    NotificationStore,
    HostFencingStore,
    SegmentService,
    HostService,
    NotificationService,
    HostFencingService,
  ],
  exports: [
    SegmentService,
    HostService,
    NotificationService,
    HostFencingService,
    ConfiguredComputeHostDirectory,
    COMPUTE_HOST_DIRECTORY,
  ],
})
export class InventoryModule {}
