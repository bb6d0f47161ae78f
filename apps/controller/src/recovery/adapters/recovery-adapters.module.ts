import { Module } from '@nestjs/common';
import { DetectionModule } from '../../detection/detection.module';
import { FencingModule } from '../../fencing/fencing.module';
import { HostFencingDrivers } from '../../fencing/host-fencing-drivers';
import { VigilMetrics } from '../../health/vigil-metrics';
import { IntakeModule } from '../../intake/intake.module';
import { InventoryModule } from '../../inventory';
import { LeaderLease, LeadershipModule } from '../../leadership';
import { type OpenStackClients } from '../../platform/openstack-clients';
import { OPENSTACK } from '../../platform/tokens';
import {
  COMPUTE_API,
  FENCING_TOKEN_SOURCE,
  HOST_FENCER,
  HOST_HEALTH,
  INCIDENT_LEDGER,
  INSTANCE_NETWORK,
  OUTSIDE_REPORT_JUDGE,
  SEGMENT_DIRECTORY,
} from '../ports';
import { DetectionOutsideReports } from './detection-outside-reports';
import { DetectionHostHealth } from './detection-host-health';
import { DriverHostFencer } from './driver-host-fencer';
import { InventoryIncidentLedger, InventorySegmentDirectory } from './inventory-ports';
import { LeaderTokenSource } from './leader-token-source';
import { NeutronInstanceNetwork } from './neutron-instance-network';
import { NovaComputeApi } from './nova-compute-api';

/**
 * Binds recovery's ports to the controller's Nova client, the hosts' BMC drivers, the inventory, the
 * leader lease and detection's view of returning hosts.
 */
@Module({
  imports: [InventoryModule, FencingModule, LeadershipModule, DetectionModule, IntakeModule],
  providers: [
    {
      provide: COMPUTE_API,
      inject: [OPENSTACK],
      useFactory: (openstack: OpenStackClients) => new NovaComputeApi(() => openstack.requireNova()),
    },
    {
      provide: INSTANCE_NETWORK,
      inject: [OPENSTACK],
      useFactory: (openstack: OpenStackClients) => NeutronInstanceNetwork.of(openstack),
    },
    {
      provide: HOST_FENCER,
      inject: [HostFencingDrivers, VigilMetrics],
      useFactory: (drivers: HostFencingDrivers, metrics: VigilMetrics) =>
        new DriverHostFencer(
          (host) => drivers.driverFor(host),
          (result, seconds) => metrics.fencingAttempt(result, seconds),
        ),
    },
    { provide: INCIDENT_LEDGER, useClass: InventoryIncidentLedger },
    { provide: HOST_HEALTH, useClass: DetectionHostHealth },
    { provide: OUTSIDE_REPORT_JUDGE, useClass: DetectionOutsideReports },
    { provide: SEGMENT_DIRECTORY, useClass: InventorySegmentDirectory },
    {
      provide: FENCING_TOKEN_SOURCE,
      inject: [LeaderLease],
      useFactory: (lease: LeaderLease) => new LeaderTokenSource(lease),
    },
  ],
  exports: [
    COMPUTE_API,
    INSTANCE_NETWORK,
    HOST_FENCER,
    INCIDENT_LEDGER,
    SEGMENT_DIRECTORY,
    FENCING_TOKEN_SOURCE,
    HOST_HEALTH,
    OUTSIDE_REPORT_JUDGE,
    InventoryModule,
  ],
})
export class RecoveryAdaptersModule {}
