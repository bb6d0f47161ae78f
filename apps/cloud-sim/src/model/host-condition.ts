import { type ComponentStatus } from '@vigil/contracts';

/** Components whose crash the simulated monitors report (names as the controller's triage reads them). */
export const SIM_COMPONENTS = ['nova-compute', 'libvirtd', 'ovs'] as const;
export type SimComponent = (typeof SIM_COMPONENTS)[number];

/** What is wrong with one simulated host right now. */
export interface HostCondition {
  power: 'on' | 'off';
  /** Kernel hang: nothing runs, but the BMC still reads On. */
  hung: boolean;
  /** Cut off from the management network (its own, or its rack's). */
  partitioned: boolean;
  crashed: readonly SimComponent[];
  /** Bumped on every power-on: a new kernel boot id. */
  boots: number;
}

export const HEALTHY: HostCondition = { power: 'on', hung: false, partitioned: false, crashed: [], boots: 1 };

export type HostFault =
  | { kind: 'power-off' }
  | { kind: 'power-on' }
  | { kind: 'kernel-hang' }
  | { kind: 'partition' }
  | { kind: 'heal' }
  | { kind: 'crash'; component: SimComponent }
  | { kind: 'restart'; component: SimComponent }
  /** Back to healthy, as an operator's repair would leave it (a hung host is rebooted). */
  | { kind: 'recover' };

/** A host's condition after a fault or repair. Pure: the sim applies the effects it derives. */
export function applyFault(c: HostCondition, fault: HostFault): HostCondition {
  switch (fault.kind) {
    case 'power-off':
      return { ...c, power: 'off', hung: false, crashed: [] };
    case 'power-on':
      return c.power === 'on' ? c : { ...c, power: 'on', boots: c.boots + 1 };
    case 'kernel-hang':
      return c.power === 'on' ? { ...c, hung: true } : c;
    case 'partition':
      return { ...c, partitioned: true };
    case 'heal':
      return { ...c, partitioned: false };
    case 'crash':
      return c.crashed.includes(fault.component) ? c : { ...c, crashed: [...c.crashed, fault.component] };
    case 'restart':
      return { ...c, crashed: c.crashed.filter((x) => x !== fault.component) };
    case 'recover':
      return {
        ...HEALTHY,
        boots: c.power === 'off' || c.hung ? c.boots + 1 : c.boots,
      };
  }
}

/** How a host's condition shows from outside. */
export interface HostEffects {
  bmcPower: 'On' | 'Off';
  /** The monitor process runs (false: powered off or hung). */
  monitorRunning: boolean;
  /** Its heartbeats reach the controller. */
  heartbeatsDelivered: boolean;
  /** nova-compute reports to Nova's database (drives the service's up/down). */
  novaComputeReporting: boolean;
  /** Instances on it keep running. */
  instancesRunning: boolean;
  components: Record<SimComponent, ComponentStatus>;
}

/**
 * `controllerCliff`: the controller's side of the network failed, so no heartbeat arrives from anyone
 * although every host (and Nova) is fine: what the controller's cliff detector must not fence for.
 */
export function effectsOf(c: HostCondition, controllerCliff = false): HostEffects {
  const running = c.power === 'on' && !c.hung;
  const components = Object.fromEntries(
    SIM_COMPONENTS.map((name): [SimComponent, ComponentStatus] => [
      name,
      c.crashed.includes(name) ? { state: 'failed', reason: `${name} is not running` } : { state: 'ok' },
    ]),
  ) as Record<SimComponent, ComponentStatus>;
  return {
    bmcPower: c.power === 'on' ? 'On' : 'Off',
    monitorRunning: running,
    heartbeatsDelivered: running && !c.partitioned && !controllerCliff,
    novaComputeReporting: running && !c.partitioned && !c.crashed.includes('nova-compute'),
    instancesRunning: running,
    components,
  };
}
