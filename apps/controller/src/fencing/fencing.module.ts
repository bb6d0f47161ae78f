import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory';
import { HostFencingDrivers } from './host-fencing-drivers';

/** Hosts' BMC drivers, shared by detection (power-state evidence) and recovery (power-off). */
@Module({ imports: [InventoryModule], providers: [HostFencingDrivers], exports: [HostFencingDrivers] })
export class FencingModule {}
