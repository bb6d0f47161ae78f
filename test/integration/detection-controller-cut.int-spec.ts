import { waitFor } from '@vigil/testing';
import { runCli } from '../../apps/cli/src/run';
import { ShapesStack } from './failure-shapes-support/shapes-stack';

// Issue 13's last "must show": a controller-side cut (the controller stops hearing a host while its
// rack peers and Nova still do) → isolated-from-controller, never fenced, for as long as the cut lasts.
// The built controller on cloud-sim; the cut is the sim's `controller` partition scope.
describe('controller-side cut on cloud-sim with the production controller', () => {
  const shapes = new ShapesStack();

  beforeAll(async () => {
    await shapes.start(
      {
        seed: 11,
        hosts: 6,
        hostsPerRack: 3,
        segments: 1,
        reservedPerSegment: 1,
        instances: 16,
        timing: {
          heartbeatIntervalMs: 300,
          reportIntervalMs: 1_000,
          serviceDownTimeMs: 6_000,
          rebuildMs: 300,
        },
      },
      {
        detection: {
          // cmp-0001 from the config, cmp-0002 from its Nova aggregate (created below), read every second.
          failureDomains: { 'cmp-0001': 'dc1/rack-01' },
          failureDomainsFrom: { source: 'aggregate-metadata', key: 'rack' },
          failureDomainsRefreshMs: 1_000,
        },
      },
    );
    const { aggregates } = shapes.stack.sim.openstack.nova.model;
    const rack = aggregates.create('rack-01', ['cmp-0002']);
    aggregates.setMetadata(rack.id, { rack: 'dc1/rack-01' });
    aggregates.create('ssd', ['cmp-0002', 'cmp-0004']);
  }, 300_000);

  afterAll(async () => {
    await shapes.stop();
  });

  it('a host silent to the controller only: isolated-from-controller, 0 power-offs while the cut lasts, up after', async () => {
    const victim = 'cmp-0002';
    const since = Date.now();
    const cut = await shapes.partition([victim], 'controller');
    const watch = shapes.watchStates([victim]);
    await shapes.waitState(victim, ['isolated-from-controller'], 30_000);
    // Longer than the heartbeat timeout, several Nova reports and service_down_time: nothing may tip it.
    const heldUntil = Date.now() + 10_000;
    while (Date.now() < heldUntil) {
      expect(await shapes.state(victim)).toBe('isolated-from-controller');
      await new Promise((r) => setTimeout(r, 500));
    }
    await shapes.sim('DELETE', `/sim/partitions/${cut.id}`);
    await shapes.waitState(victim, ['up'], 30_000);
    const seen = await watch.stop();
    expect(
      [...(seen.get(victim) ?? [])].filter((s) => !['up', 'suspect', 'isolated-from-controller'].includes(s)),
    ).toEqual([]);
    expect(await shapes.powerLog(since)).toEqual([]);
    expect(await shapes.stack.api.notifications()).toEqual([]);
  });

  it('failure domains (config, and Nova aggregate metadata) show in the API, the CLI and /metrics', async () => {
    await waitFor(async () => (await shapes.view('cmp-0002'))?.failureDomain === 'dc1/rack-01', {
      timeoutMs: 30_000,
      what: 'cmp-0002 in dc1/rack-01, read from its Nova aggregate',
    });
    expect((await shapes.view('cmp-0001'))?.failureDomain).toBe('dc1/rack-01');
    expect((await shapes.view('cmp-0004'))?.failureDomain).toBeUndefined();
    let out = '';
    const code = await runCli(
      ['--url', shapes.stack.controllerUrl, '--noauth', 'host', 'cmp-0002'],
      {},
      (text) => (out += text),
    );
    expect(code).toBe(0);
    expect(out).toContain('failure domain: dc1/rack-01');
    const metrics = await (await fetch(`${shapes.stack.controllerUrl}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_failure_domain_hosts\{domain="dc1\/rack-01",state="up"\} 2$/m);
  });
});
