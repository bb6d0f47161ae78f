import { Global, Module } from '@nestjs/common';
import { FencingModule } from '../../fencing/fencing.module';
import { InventoryModule } from '../../inventory';
import { DetectionModule } from '../detection.module';
import { MasakariEvidenceForwarder } from './masakari-evidence-forwarder';
import {
  COMPUTE_SERVICE_ACTIONS,
  EVIDENCE_PROBE,
  INCIDENT_OPENER,
  INSTANCE_EVENT_SINK,
  MONITORED_HOST_DIRECTORY,
  NOVA_PLACEMENT_READER,
} from '../ports';
import {
  InventoryHostDirectory,
  NotificationIncidentOpener,
  NotificationInstanceEventSink,
} from './inventory-adapters';
import { NovaAndBmcEvidence, NovaComputeActions, NovaPlacementFromApi } from './openstack-adapters';

/** Connects detection's ports to the inventory, Nova and the BMCs (global: the ports are optional injections). */
@Global()
@Module({
  imports: [InventoryModule, FencingModule, DetectionModule],
  providers: [
    MasakariEvidenceForwarder,
    { provide: MONITORED_HOST_DIRECTORY, useClass: InventoryHostDirectory },
    { provide: INCIDENT_OPENER, useClass: NotificationIncidentOpener },
    { provide: INSTANCE_EVENT_SINK, useClass: NotificationInstanceEventSink },
    { provide: EVIDENCE_PROBE, useClass: NovaAndBmcEvidence },
    { provide: COMPUTE_SERVICE_ACTIONS, useClass: NovaComputeActions },
    { provide: NOVA_PLACEMENT_READER, useClass: NovaPlacementFromApi },
  ],
  exports: [
    MONITORED_HOST_DIRECTORY,
    INCIDENT_OPENER,
    INSTANCE_EVENT_SINK,
    EVIDENCE_PROBE,
    COMPUTE_SERVICE_ACTIONS,
    NOVA_PLACEMENT_READER,
  ],
})
export class DetectionAdaptersModule {}
