import { type ComponentStatus } from '@vigil/contracts';

/** Components whose crash the simulated monitors report (names as the controller's triage reads them). */
export const SIM_COMPONENTS = ['nova-compute', 'libvirtd', 'ovs'] as const;
export type SimComponent = (typeof SIM_COMPONENTS)[number];

/**
 * What a network partition cuts a host off from, weakest first:
 * - `controller`: only the controller stops hearing it (a controller-side link or ACL); its rack
 *   peers and Nova still do.
 * - `controller-and-peers`: its management network is cut (no heartbeats, no peer probes) but
 *   nova-compute still reaches Nova's message bus by another path.
 * - `everything`: the host is cut off from every network, Nova included (the classic partition).
 */
export const PARTITION_SCOPES = ['controller', 'controller-and-peers', 'everything'] as const;
export type PartitionScope = (typeof PARTITION_SCOPES)[number];

/** The stronger of two scopes (more cut off). */
export function strongerScope(a: PartitionScope | null, b: PartitionScope | null): PartitionScope | null {
  if (a === null) return b;
  if (b === null) return a;
  return PARTITION_SCOPES.indexOf(a) >= PARTITION_SCOPES.indexOf(b) ? a : b;
}

/** What is wrong with one simulated host right now. */
export interface HostCondition {
  power: 'on' | 'off';
  /** Kernel hang: nothing runs, but the BMC still reads On. */
  hung: boolean;
  /** What a network partition cuts it off from; null when none does. */
  partition: PartitionScope | null;
  crashed: readonly SimComponent[];
  /** Bumped on every power-on: a new kernel boot id. */
  boots: number;
}

export const HEALTHY: HostCondition = { power: 'on', hung: false, partition: null, crashed: [], boots: 1 };

export type HostFault =
  | { kind: 'power-off' }
  | { kind: 'power-on' }
  | { kind: 'kernel-hang' }
  /** Default scope `everything`. */
  | { kind: 'partition'; scope?: PartitionScope }
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
      return { ...c, partition: fault.scope ?? 'everything' };
    case 'heal':
      return { ...c, partition: null };
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
  /** Its rack peers' probes reach it (and its own probes reach them). */
  peersReach: boolean;
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
    heartbeatsDelivered: running && c.partition === null && !controllerCliff,
    peersReach: running && (c.partition === null || c.partition === 'controller'),
    novaComputeReporting: running && c.partition !== 'everything' && !c.crashed.includes('nova-compute'),
    instancesRunning: running,
    components,
  };
}
