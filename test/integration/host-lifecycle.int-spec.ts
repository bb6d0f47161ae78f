import { createFencingDriver } from '@vigil/fencing';
import { waitFor } from '@vigil/testing';
import { runCli } from '../../apps/cli/src/run';
import { type DemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { allHostsUp, type SimulatedCloud, startSimulatedCloud } from './cloud-sim-support/simulated-cloud';
import { controllerCall } from './cloud-sim-support/controller-call';
import { ensureBuilt } from './support/ensure-built';

const PROBATION_MS = 1_500;
const STALL_MS = 60_000;

/**
 * A host's whole life through the production wiring: the built controller as a child process (its Nest
 * module graph, embedded Redis), cloud-sim's Keystone, Nova and Redfish BMCs, and simulated monitors
 * that run the host monitor's own reporting code. The host fails, is recovered, repaired (powered on
 * through its BMC), reinstated with the CLI, fails again and is recovered again.
 */
describe('host lifecycle: enrol, fail, recover, repair, reinstate, fail again', () => {
  let cloud: SimulatedCloud;
  let stack: DemoStack;

  beforeAll(async () => {
    cloud = await startSimulatedCloud({
      scenario: {
        hosts: 5,
        hostsPerRack: 5,
        segments: 1,
        reservedPerSegment: 2,
        instances: 6,
        stoppedPercent: 0,
        // Set explicitly: this spec depends on Nova noticing a dead compute quickly.
        timing: { heartbeatIntervalMs: 300, serviceDownTimeMs: 1_500, rebuildMs: 200 },
      },
      controllerMainJs: ensureBuilt('controller'),
      logLevel: 'info',
      controllerConfig: { recovery: { probationMs: PROBATION_MS } },
    });
    stack = cloud.stack;
    // `auto`: the scheduler places the moved instances, so the second failure does not depend on a
    // reserved host left over from the first (reserved hosts are covered by recovery-methods).
    const segment = (await call<{ segments: Array<{ uuid: string }> }>('GET', '/v1/segments')).body
      .segments[0];
    await call('PUT', `/v1/segments/${segment?.uuid ?? ''}`, { segment: { recovery_method: 'auto' } });
    await allHostsUp(stack, STALL_MS);
  }, 300_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  const nova = () => stack.sim.openstack.nova.model;
  const cli = async (...args: string[]): Promise<{ code: number; out: string }> => {
    let out = '';
    const code = await runCli(['--url', stack.controllerUrl, '--noauth', ...args], {}, (s) => (out += s));
    return { code, out };
  };
  const call = controllerCall(() => stack.controllerUrl);
  const segmentUuid = async (): Promise<string> =>
    (await call<{ segments: Array<{ uuid: string }> }>('GET', '/v1/segments')).body.segments[0]?.uuid ?? '';
  const inventoryHost = async (host: string): Promise<{ on_maintenance: boolean; reserved: boolean }> => {
    const uuid = stack.hostUuids.get(host) ?? '';
    const path = `/v1/segments/${await segmentUuid()}/hosts/${uuid}`;
    return (await call<{ host: { on_maintenance: boolean; reserved: boolean } }>('GET', path)).body.host;
  };
  const hostState = async (host: string): Promise<{ state: string; healthySince?: number }> =>
    (
      await call<{ host_state: { state: string; healthySince?: number } }>(
        'GET',
        `/vigil/v1/hosts/${host}/state`,
      )
    ).body.host_state;
  const incidentsOf = async (host: string): Promise<Array<{ notification_uuid: string; status: string }>> => {
    const uuid = stack.hostUuids.get(host);
    return (await stack.api.notifications()).filter((n) => n.source_host_uuid === uuid);
  };
  /** Waits until `host` has one incident more than `known`, every one finished; returns the new one. */
  const recovered = async (host: string, known: readonly string[]): Promise<string> =>
    waitFor(
      async () => {
        const list = await incidentsOf(host);
        const fresh = list.filter((n) => !known.includes(n.notification_uuid));
        if (fresh.length !== 1 || list.some((n) => n.status !== 'finished')) return undefined;
        return fresh[0]?.notification_uuid;
      },
      { timeoutMs: STALL_MS, what: `incident ${known.length + 1} of ${host} finished` },
    );
  const workload = (): string => {
    const busy = stack.sim.plan.hosts.find((h) => !h.reserved && nova().servers({ host: h.name }).length > 0);
    if (!busy) throw new Error('no host with instances in the scenario');
    return busy.name;
  };

  it('two failures of the same host, both recovered, one reinstate between them; refused while not ready', async () => {
    const host = workload();
    const instances = nova()
      .servers({ host })
      .map((s) => s.id);

    // 1. It fails: power loss. Vigil fences it, isolates it in Nova and moves its instances.
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });
    const first = await recovered(host, []);
    expect(nova().host(host)).toMatchObject({ forcedDown: true, status: 'disabled' });
    expect(await inventoryHost(host)).toMatchObject({ on_maintenance: true });
    for (const id of instances) expect(nova().server(id)?.host).not.toBe(host);

    // Refused while powered off: a 409 that says what is missing.
    const off = await call('POST', `/vigil/v1/hosts/${host}/reinstate`, { reason: 'too early' });
    expect(off.status).toBe(409);
    expect(JSON.stringify(off.body)).toMatch(/not confirmed powered on: power state off/);

    // 2. Repaired: powered on through its BMC, but nova-compute does not start.
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/components/nova-compute/crash`, { method: 'POST' });
    const bmc = createFencingDriver(stack.sim.bmc.fencingTarget(host));
    await bmc.powerOn({ timeoutMs: 10_000 });
    await waitFor(async () => (await hostState(host)).state === 'maintenance', {
      timeoutMs: STALL_MS,
      what: `${host} heartbeating in maintenance`,
    });
    const unhealthy = await waitFor(
      async () => {
        const res = await call('POST', `/vigil/v1/hosts/${host}/reinstate`, { reason: 'too early' });
        return res.status === 409 && /nova-compute/.test(JSON.stringify(res.body)) ? res : undefined;
      },
      { timeoutMs: STALL_MS, what: 'a reinstate refused because nova-compute failed' },
    );
    expect(JSON.stringify(unhealthy.body)).toMatch(
      /not healthy yet: its host monitor reports failed: nova-compute/,
    );
    expect(nova().host(host)).toMatchObject({ forcedDown: true, status: 'disabled' });

    // Services back: detection sees it healthy while it stays on_maintenance (Vigil set it).
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/components/nova-compute/restart`, { method: 'POST' });
    await waitFor(async () => (await hostState(host)).healthySince !== undefined, {
      timeoutMs: STALL_MS,
      what: `${host} healthy in maintenance`,
    });
    expect((await hostState(host)).state).toBe('maintenance');

    // 3. Reinstated with the CLI: probation, force-down off, enabled, on_maintenance cleared.
    const reinstate = await cli('reinstate', host, '--reason', 'PSU replaced');
    expect(reinstate.code).toBe(0);
    expect(reinstate.out).toContain(`reinstate of ${host} accepted`);
    await waitFor(
      async () =>
        nova().host(host)?.status === 'enabled' &&
        nova().host(host)?.forcedDown === false &&
        !(await inventoryHost(host)).on_maintenance,
      { timeoutMs: STALL_MS, what: `${host} back in service` },
    );
    await waitFor(async () => (await hostState(host)).state === 'up', {
      timeoutMs: STALL_MS,
      what: `${host} up at the controller`,
    });
    const shown = await cli('host', host);
    expect(shown.out).toMatch(new RegExp(`${host}: up since`));
    const journal = JSON.stringify((await call('GET', `/vigil/v1/incidents/${first}`)).body);
    expect(journal).toContain(`${host} returned to service`);

    // 4. New instances land on it again, then it fails again: recovered again, the same way.
    const again = nova().addServer({ host, name: 'after-reinstate' });
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });
    const second = await recovered(host, [first]);
    // A new incident, not absorbed by Masakari's duplicate window as a repeat of the first failure.
    const fence = JSON.stringify((await call('GET', `/vigil/v1/incidents/${second}`)).body);
    expect(fence).toContain('powered off and read back off through the BMC');
    expect(nova().host(host)).toMatchObject({ forcedDown: true, status: 'disabled' });
    expect(await inventoryHost(host)).toMatchObject({ on_maintenance: true });
    await waitFor(() => nova().server(again.id)?.host !== host, { what: 'the new instance moved' });
    expect(stack.sim.openstack.nova.evacuateCalls(again.id)).toBe(1);
    for (const id of instances) expect(stack.sim.openstack.nova.evacuateCalls(id)).toBe(1);
  }, 600_000);

  it('a host an operator put into maintenance by hand returns with reinstate', async () => {
    const host = stack.sim.plan.hosts.find(
      (h) =>
        !h.reserved && nova().host(h.name)?.status === 'enabled' && nova().host(h.name)?.forcedDown === false,
    )?.name;
    if (!host) throw new Error('no healthy host left');
    const uuid = stack.hostUuids.get(host) ?? '';
    const put = await call('PUT', `/v1/segments/${await segmentUuid()}/hosts/${uuid}`, {
      host: { on_maintenance: true },
    });
    expect(put.status).toBe(200);
    await waitFor(async () => (await hostState(host)).healthySince !== undefined, {
      timeoutMs: STALL_MS,
      what: `${host} in maintenance and healthy`,
    });
    const reinstate = await cli('--json', 'reinstate', host, '--reason', 'firmware done');
    expect(reinstate.code).toBe(0);
    expect(JSON.parse(reinstate.out)).toMatchObject({ reinstate: { host } });
    await waitFor(async () => !(await inventoryHost(host)).on_maintenance, {
      timeoutMs: STALL_MS,
      what: `${host} out of maintenance`,
    });
    await waitFor(async () => (await hostState(host)).state === 'up', {
      timeoutMs: STALL_MS,
      what: `${host} up`,
    });
    expect(nova().host(host)).toMatchObject({ forcedDown: false, status: 'enabled' });
  }, 300_000);

  it('the dry run asks the BMC: a wrong password is a blocker, the right one answers on', async () => {
    const host = stack.sim.plan.hosts.find((h) => h.reserved)?.name ?? '';
    const uuid = stack.hostUuids.get(host) ?? '';
    type DryRun = { dry_run: { fence: { power?: string }; compute: unknown; blockers: string[] } };
    const dryRun = async () =>
      (await call<DryRun>('POST', '/vigil/v1/recovery/dry-run', { host })).body.dry_run;
    const healthy = await dryRun();
    expect(healthy.fence.power).toBe('on');
    expect(healthy.compute).toMatchObject({ state: 'up' });
    expect(healthy.blockers).toEqual([]);
    await stack.api.setFencing(uuid, { ...stack.sim.bmc.access(host), password: 'wrong-password' });
    const wrong = await dryRun();
    expect(wrong.fence.power).toMatch(/^unreachable: /);
    expect(wrong.blockers.join('\n')).toMatch(/the BMC does not answer with the stored settings/);
    expect(JSON.stringify(wrong)).not.toContain(stack.sim.bmc.password);
    await stack.api.setFencing(uuid, stack.sim.bmc.access(host));
  });
});
