import { createLogger, novaSchema } from '@vigil/config';
import { createFencingDriver } from '@vigil/fencing';
import { KeystoneSession, NovaClient } from '@vigil/openstack';
import { LogCapture, waitFor } from '@vigil/testing';
import { parseScenario } from '../../apps/cloud-sim/src/scenario/scenario';
import { CloudSim, InjectionApi } from '../../apps/cloud-sim/src/sim';
import { HeartbeatReceiver } from './cloud-sim-support/heartbeat-receiver';

const MASTER_KEY = 'cloud-sim-int-master-key-0123456789abcdef';

// The simulated cloud on loopback: Keystone and Nova answer the real clients, the BMCs the real Redfish
// driver, every simulated monitor heartbeats (signed) to a receiver, and injections change all three.
describe('cloud-sim: simulated OpenStack cloud', () => {
  let receiver: HeartbeatReceiver;
  let sim: CloudSim;
  let api: InjectionApi;
  let nova: NovaClient;
  const logs = new LogCapture();
  const logger = createLogger({ name: 'cloud-sim-test', level: 'info', destination: logs });

  const post = async (path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const serviceState = async (host: string): Promise<string | undefined> =>
    (await nova.findComputeService(host))?.state;
  const stillBeating = (host: string): Promise<boolean> => {
    const since = Date.now();
    return waitFor(() => receiver.countFrom(host, since) >= 2, { what: `heartbeats from ${host}` });
  };
  /** A silent host: nothing arrives from it over several intervals while a healthy reference keeps beating. */
  const silent = async (host: string, reference: string): Promise<boolean> => {
    await waitFor(
      () => sim.monitor(host)?.stats().lastOutcome !== 'accepted' || !sim.monitor(host)?.isRunning,
      {
        what: `${host} to stop delivering`,
      },
    );
    const since = Date.now();
    await waitFor(() => receiver.countFrom(reference, since) >= 3, {
      what: `3 heartbeats from ${reference}`,
    });
    return receiver.countFrom(host, since) === 0;
  };

  beforeAll(async () => {
    receiver = new HeartbeatReceiver(MASTER_KEY);
    const controllerUrl = await receiver.start();
    sim = await CloudSim.start({
      scenario: parseScenario({
        seed: 3,
        hosts: 6,
        hostsPerRack: 3,
        segments: 2,
        instances: 24,
        timing: { heartbeatIntervalMs: 100, serviceDownTimeMs: 600, reportIntervalMs: 100, rebuildMs: 50 },
      }),
      controller: { urls: [controllerUrl], heartbeatMasterKey: MASTER_KEY },
      logger,
    });
    api = new InjectionApi(sim);
    await api.start();
    const session = new KeystoneSession({
      config: { ...sim.openstack.keystoneConfig },
      logger,
    });
    nova = new NovaClient({
      session,
      config: novaSchema.parse({ timeoutMs: 1000, maxRetries: 0, retryBaseDelayMs: 1 }),
      logger,
    });
  });

  afterAll(async () => {
    await api.stop();
    await sim.stop();
    await receiver.stop();
  });

  it('serves Keystone and Nova through the catalog: every host up, every planned instance on its host', async () => {
    const services = await nova.listComputeServices();
    expect(services.map((s) => [s.host, s.state, s.status]).sort()).toEqual(
      sim.plan.hosts.map((h) => [h.name, 'up', 'enabled']),
    );
    for (const host of sim.plan.hosts) {
      const planned = sim.plan.instances.filter((i) => i.host === host.name).map((i) => i.name);
      const servers = await nova.listServersOnHost(host.name);
      expect(servers.map((s) => s.name).sort()).toEqual(planned.sort());
    }
    const reserved = sim.plan.hosts.filter((h) => h.reserved).map((h) => h.name);
    expect(reserved).toEqual(['cmp-0003', 'cmp-0006']);
    for (const host of reserved) expect(await nova.listServersOnHost(host)).toHaveLength(0);
    expect(sim.plan.instances).toHaveLength(24);
  });

  it('every simulated monitor sends signed heartbeats with its components', async () => {
    await waitFor(() => receiver.hosts().size === 6, { what: 'heartbeats from all 6 hosts' });
    expect(receiver.rejected).toBe(0);
    expect(receiver.last('cmp-0002')).toMatchObject({
      v: 1,
      host: 'cmp-0002',
      bootId: 'cmp-0002-boot-1',
      intervalMs: 100,
      components: { 'nova-compute': { state: 'ok' }, libvirtd: { state: 'ok' }, ovs: { state: 'ok' } },
    });
  });

  it('a Redfish ForceOff through the real driver powers the host off: heartbeats stop, Nova marks it down', async () => {
    const driver = createFencingDriver({ ...sim.bmc.fencingTarget('cmp-0001'), pollIntervalMs: 20 });
    await expect(driver.status({ timeoutMs: 2000 })).resolves.toBe('on');
    await expect(driver.powerOff({ timeoutMs: 2000 })).resolves.toMatchObject({
      state: 'off',
      commandSent: true,
    });
    expect(sim.condition('cmp-0001')?.power).toBe('off');
    expect(sim.events.at(-1)).toMatchObject({ kind: 'power-off', target: 'cmp-0001', source: 'bmc' });
    expect(await silent('cmp-0001', 'cmp-0002')).toBe(true);
    await waitFor(async () => (await serviceState('cmp-0001')) === 'down', { what: 'cmp-0001 down in Nova' });
    expect(await serviceState('cmp-0002')).toBe('up');
    // Power on: a new boot id, heartbeats and nova-compute back.
    await driver.powerOn({ timeoutMs: 2000 });
    await stillBeating('cmp-0001');
    expect(receiver.last('cmp-0001')?.bootId).toBe('cmp-0001-boot-2');
    await waitFor(async () => (await serviceState('cmp-0001')) === 'up', { what: 'cmp-0001 up again' });
    // The BMC password never reached the logs.
    expect(logs.text()).not.toContain(sim.bmc.password);
  });

  it('kernel hang: silent and down in Nova, while the BMC still reads On', async () => {
    const res = await post('/sim/hosts/cmp-0003/kernel-hang');
    expect(res).toMatchObject({
      status: 200,
      body: { effects: { bmcPower: 'On', heartbeatsDelivered: false } },
    });
    expect(await silent('cmp-0003', 'cmp-0002')).toBe(true);
    await waitFor(async () => (await serviceState('cmp-0003')) === 'down', { what: 'cmp-0003 down' });
    const driver = createFencingDriver(sim.bmc.fencingTarget('cmp-0003'));
    await expect(driver.status({ timeoutMs: 2000 })).resolves.toBe('on');
    await post('/sim/hosts/cmp-0003/recover');
    await stillBeating('cmp-0003');
  });

  it('nova-compute crash: heartbeats go on reporting it failed, and Nova reports the service down', async () => {
    expect((await post('/sim/hosts/cmp-0002/components/nova-compute/crash')).status).toBe(200);
    await waitFor(() => receiver.last('cmp-0002')?.components['nova-compute']?.state === 'failed', {
      what: 'nova-compute failed in a heartbeat',
    });
    await waitFor(async () => (await serviceState('cmp-0002')) === 'down', { what: 'cmp-0002 down' });
    await post('/sim/hosts/cmp-0002/components/nova-compute/restart');
    await waitFor(() => receiver.last('cmp-0002')?.components['nova-compute']?.state === 'ok', {
      what: 'nova-compute ok again',
    });
  });

  it('rack partition silences the rack; a controller-side cliff silences everyone but leaves Nova up', async () => {
    expect((await post('/sim/racks/rack-02/partition')).status).toBe(200);
    expect(await silent('cmp-0005', 'cmp-0002')).toBe(true);
    expect(sim.effects('cmp-0004')?.heartbeatsDelivered).toBe(false);
    await waitFor(async () => (await serviceState('cmp-0006')) === 'down', { what: 'cmp-0006 down' });
    await post('/sim/racks/rack-02/heal');
    await stillBeating('cmp-0005');

    expect((await post('/sim/cliff', { active: true })).body).toEqual({ cliff: true });
    // Once every monitor has failed a send, nothing sent before the cliff can still be in flight.
    const failedBefore = sim.plan.hosts.map((h) => sim.monitor(h.name)?.stats().failed ?? 0);
    const allFailedAgain = (): boolean =>
      sim.plan.hosts.every((h, i) => (sim.monitor(h.name)?.stats().failed ?? 0) > (failedBefore[i] ?? 0));
    await waitFor(allFailedAgain, { what: 'every monitor to fail a send' });
    const since = Date.now();
    failedBefore.splice(
      0,
      failedBefore.length,
      ...sim.plan.hosts.map((h) => sim.monitor(h.name)?.stats().failed ?? 0),
    );
    await waitFor(allFailedAgain, { what: 'every monitor to fail another send' });
    expect(receiver.heartbeats.filter((h) => h.atMs >= since)).toHaveLength(0);
    expect(await serviceState('cmp-0002')).toBe('up');
    await fetch(`${api.url}/sim/cliff`, { method: 'DELETE' });
    await stillBeating('cmp-0002');
  });

  it('a lying BMC accepts ForceOff and stays On; a refusing one answers 503', async () => {
    await post('/sim/bmc/cmp-0004/behaviour', { behaviour: 'lie' });
    const liar = createFencingDriver({ ...sim.bmc.fencingTarget('cmp-0004'), pollIntervalMs: 20 });
    await expect(liar.powerOff({ timeoutMs: 500 })).rejects.toMatchObject({ code: 'POWER_OFF_UNVERIFIED' });
    expect(sim.condition('cmp-0004')?.power).toBe('on');
    await post('/sim/bmc/cmp-0004/behaviour', { behaviour: 'refuse' });
    await expect(liar.status({ timeoutMs: 500 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await post('/sim/bmc/cmp-0004/behaviour', { behaviour: 'normal' });
    await expect(liar.status({ timeoutMs: 500 })).resolves.toBe('on');
    expect((await post('/sim/bmc/cmp-0004/behaviour', { behaviour: 'sulk' })).status).toBe(400);
  });

  it('failing Nova API and an instance crash', async () => {
    await post('/sim/nova/faults', { failRate: 1, failStatus: 503 });
    await expect(nova.listComputeServices()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await post('/sim/nova/faults', { failRate: 0 });
    const victim = (await nova.listServersOnHost('cmp-0002')).find((s) => s.status === 'ACTIVE');
    expect(victim).toBeDefined();
    const res = await post(`/sim/instances/${victim?.id}/crash`);
    expect(res).toMatchObject({ status: 200, body: { host: 'cmp-0002', reported: true } });
    expect((await nova.getServer(victim?.id ?? '')).status).toBe('SHUTOFF');
    expect(receiver.instanceEvents.at(-1)).toMatchObject({
      host: 'cmp-0002',
      payload: { instance_uuid: victim?.id, vir_domain_event: 'STOPPED_FAILED', event: 'LIFECYCLE' },
    });
    expect((await post('/sim/instances/nope/crash')).status).toBe(404);
    expect((await post('/sim/hosts/nope/power-off')).status).toBe(404);
  });

  it('GET /sim/state shows the cloud and no secret', async () => {
    const res = await fetch(`${api.url}/sim/state?host=cmp-0001`);
    const text = await res.text();
    expect(text).not.toContain(sim.bmc.password);
    expect(text).not.toContain(sim.openstack.servicePassword);
    const state = JSON.parse(text) as { counts: unknown; hosts: unknown[] };
    expect(state.counts).toMatchObject({ hosts: 6, instances: 24, racks: 2, segments: 2 });
    expect(state.hosts).toEqual([
      expect.objectContaining({ name: 'cmp-0001', bmc: { power: 'On', behaviour: 'normal' } }),
    ]);
  });
});

describe('cloud-sim at scale', () => {
  it('serves 2,000 hosts and 30,000 instances through Keystone and Nova', async () => {
    const logger = createLogger({ name: 'cloud-sim-scale', level: 'warn', destination: new LogCapture() });
    const sim = await CloudSim.start({
      scenario: parseScenario({ hosts: 2000, hostsPerRack: 40, segments: 10, instances: 30_000 }),
      logger,
    });
    try {
      const nova = new NovaClient({
        session: new KeystoneSession({ config: sim.openstack.keystoneConfig, logger }),
        config: novaSchema.parse({ timeoutMs: 10_000 }),
        logger,
      });
      const services = await nova.listComputeServices();
      expect(services).toHaveLength(2000);
      expect(services.every((s) => s.state === 'up')).toBe(true);
      const busiest = sim.plan.instances[0]?.host ?? '';
      const planned = sim.plan.instances.filter((i) => i.host === busiest).length;
      expect(await nova.listServersOnHost(busiest)).toHaveLength(planned);
      expect(sim.plan.unplaced).toBe(0);
    } finally {
      await sim.stop();
    }
  });
});
