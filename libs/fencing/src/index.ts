export * from './fencing-driver';
export * from './fencing-target';
export { Deadline } from './deadline';
export { DEFAULT_POLL_INTERVAL_MS, type PowerReading } from './confirm-power-state';
export { FenceAgentDriver, FENCE_AGENT_DIRS, type FenceAgentDeps } from './fence-agent-driver';
export { IpmitoolDriver } from './ipmitool-driver';
export { RedfishDriver } from './redfish-driver';
export {
  FakeFencingDriver,
  type FakeFencingBehaviour,
  type FakeFencingCall,
  type FakeFencingOperation,
} from './fake-fencing-driver';
export { createFencingDriver, parseFencingTarget } from './create-fencing-driver';
