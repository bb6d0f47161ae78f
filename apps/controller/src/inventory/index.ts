/** What other stages (detection, recovery, fencing) may use from the inventory. */
export { InventoryModule } from './inventory.module';
export { SegmentService } from './segment.service';
export { HostService, type HostWithSegment } from './host.service';
export { NotificationService, type VMoveInput } from './notification.service';
export { HostFencingService, type HostFencingSettings, type HostFencingView } from './host-fencing.service';
export {
  COMPUTE_HOST_DIRECTORY,
  ConfiguredComputeHostDirectory,
  StaticComputeHostDirectory,
  type ComputeHostDirectory,
} from './compute-host-directory';
export * from './model';
export { formatTimestamp, parseIso8601 } from './time';
export { isExecutableOptionKey } from './host-fencing.validation';
