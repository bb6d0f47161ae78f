export {
  CloudSim,
  type CloudSimOptions,
  type SimControllerLink,
  type SimEvent,
  type NovaFaultSettings,
  type RackPowerLossBmcs,
} from './cloud-sim';
export { InjectionApi } from './injection-api';
export {
  BmcFarm,
  type BmcAccess,
  type BmcBehaviour,
  BMC_BEHAVIOURS,
  DEFAULT_SLOW_BMC_DELAY_MS,
} from './bmc-farm';
export { type Partition, type OpenPartition } from '../model/partitions';
export { type PowerTransition, type PowerLogQuery } from '../model/power-log';
export { PARTITION_SCOPES, type PartitionScope } from '../model/host-condition';
export { SimulatedMonitor } from './simulated-monitor';
