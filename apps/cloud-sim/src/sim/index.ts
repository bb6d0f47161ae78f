export {
  CloudSim,
  type CloudSimOptions,
  type SimControllerLink,
  type SimEvent,
  type NovaFaultSettings,
} from './cloud-sim';
export { InjectionApi } from './injection-api';
export { BmcFarm, type BmcAccess, type BmcBehaviour, BMC_BEHAVIOURS } from './bmc-farm';
export { SimulatedMonitor } from './simulated-monitor';
