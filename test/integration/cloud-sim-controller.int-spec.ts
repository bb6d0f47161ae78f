import { readFileSync } from 'node:fs';
import { waitFor } from '@vigil/testing';
import { type DemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { type SimulatedCloud, startSimulatedCloud } from './cloud-sim-support/simulated-cloud';
import { ensureBuilt } from './support/ensure-built';

// The sim against the real controller (dist build, child process, embedded Redis): the controller takes
// the sim's segments, hosts and BMCs, and accepts the signed heartbeats of every simulated monitor.
describe('cloud-sim with the real controller', () => {
  let cloud: SimulatedCloud;
  let stack: DemoStack;

  beforeAll(async () => {
    cloud = await startSimulatedCloud({
      scenario: {
        hosts: 6,
        hostsPerRack: 3,
        segments: 2,
        instances: 20,
        timing: { heartbeatIntervalMs: 300 },
      },
      controllerMainJs: ensureBuilt('controller'),
      logLevel: 'info',
    });
    stack = cloud.stack;
  }, 300_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  it('registers every host with its BMC, and the controller accepts every monitor heartbeat', async () => {
    expect([...stack.hostUuids.keys()]).toEqual(stack.sim.plan.hosts.map((h) => h.name));
    await waitFor(
      () => stack.sim.plan.hosts.every((h) => (stack.sim.monitor(h.name)?.stats().accepted ?? 0) >= 3),
      { timeoutMs: 20_000, what: 'three accepted heartbeats from every host' },
    );
    for (const h of stack.sim.plan.hosts)
      expect(stack.sim.monitor(h.name)?.stats()).toMatchObject({ failed: 0, lastOutcome: 'accepted' });
    // Detection sees every host up from those heartbeats.
    const up = await waitFor(
      async () => {
        const hosts = (await stack.api.cluster()).up ?? [];
        return hosts.length === 6 ? hosts : undefined;
      },
      { timeoutMs: 20_000, what: 'all 6 hosts up at the controller' },
    );
    expect(up.sort()).toEqual(stack.sim.plan.hosts.map((h) => h.name));
    // The BMC password went to the controller through its API, encrypted at rest: never in its log or config argv.
    expect(readFileSync(stack.controller.logFile, 'utf8')).not.toContain(stack.sim.bmc.password);
    expect(cloud.logs.text()).not.toContain(stack.sim.bmc.password);
  });

  it('a host that loses power stops heartbeating to the controller while the others go on', async () => {
    const res = await fetch(`${stack.simApiUrl}/sim/hosts/cmp-0002/power-off`, { method: 'POST' });
    expect(res.status).toBe(200);
    const monitor = stack.sim.monitor('cmp-0002');
    expect(monitor?.isRunning).toBe(false);
    const frozen = monitor?.stats().accepted;
    const other = stack.sim.monitor('cmp-0001');
    const before = other?.stats().accepted ?? 0;
    await waitFor(() => (other?.stats().accepted ?? 0) >= before + 3, { what: 'cmp-0001 to go on' });
    expect(monitor?.stats().accepted).toBe(frozen);
    // The controller's detection notices the silence (3 s heartbeat timeout in the demo config).
    const state = await waitFor(
      async () => {
        const s = (await stack.api.hostState('cmp-0002'))?.state;
        return s && s !== 'up' ? s : undefined;
      },
      { timeoutMs: 20_000, what: 'cmp-0002 to leave up at the controller' },
    );
    expect(['suspect', 'failed', 'fenced', 'recovering']).toContain(state);
    expect((await stack.api.hostState('cmp-0001'))?.state).toBe('up');
  });
});
