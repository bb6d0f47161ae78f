import { type CloudSim } from './cloud-sim';

/** `GET /sim/state`: what the cloud looks like now. No secrets (BMC password, service password). */
export function simState(sim: CloudSim, onlyHost?: string): object {
  const { model } = sim.openstack.nova;
  const hosts = sim.plan.hosts
    .filter((h) => onlyHost === undefined || h.name === onlyHost)
    .map((h) => {
      const service = model.host(h.name);
      const monitor = sim.monitor(h.name);
      return {
        name: h.name,
        rack: h.rack,
        segment: h.segment,
        reserved: h.reserved,
        condition: sim.condition(h.name),
        effects: sim.effects(h.name),
        bmc: { power: sim.bmc.power(h.name), ...sim.bmc.behaviourDetail(h.name) },
        nova: service && {
          state: model.isUp(service) ? 'up' : 'down',
          status: service.status,
          forcedDown: service.forcedDown,
          instances: model.usage(h.name).runningVms,
        },
        monitor: monitor && { running: monitor.isRunning, ...monitor.stats() },
      };
    });
  return {
    endpoints: sim.endpoints,
    controllerCliff: sim.controllerCliff,
    partitions: sim.activePartitions(),
    nova: { faults: sim.openstack.nova.http.faults },
    counts: {
      hosts: sim.plan.hosts.length,
      instances: sim.plan.instances.length,
      unplaced: sim.plan.unplaced,
      racks: sim.plan.racks.length,
      segments: sim.plan.segments.length,
    },
    hosts,
    events: sim.events.slice(-100),
  };
}
