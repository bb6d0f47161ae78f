import { createLogger, novaSchema } from '@vigil/config';
import { createFencingDriver } from '@vigil/fencing';
import { KeystoneSession, NovaClient } from '@vigil/openstack';
import { LogCapture, waitFor } from '@vigil/testing';
import { parseScenario } from '../../apps/cloud-sim/src/scenario/scenario';
import { CloudSim, InjectionApi, type Partition, type PowerTransition } from '../../apps/cloud-sim/src/sim';
import { HeartbeatReceiver } from './cloud-sim-support/heartbeat-receiver';

const MASTER_KEY = 'cloud-sim-injections-master-key-0123456789';

// Issue 14's injections against the real clients: partitions of three scopes that heal by
// themselves, hung / slow / act-then-hang BMCs through the real Redfish driver, rack power loss,
// and the ground-truth power log that says who powered what off.
describe('cloud-sim injections: partitions, BMC misbehaviour, power log', () => {
  let receiver: HeartbeatReceiver;
  let sim: CloudSim;
  let api: InjectionApi;
  let nova: NovaClient;
  const logger = createLogger({ name: 'cloud-sim-injections', level: 'warn', destination: new LogCapture() });

  const call = async (
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-sim-actor': 'injections-spec' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const serviceState = async (host: string): Promise<string | undefined> =>
    (await nova.findComputeService(host))?.state;
  /** What `reporter`'s latest heartbeat says about `peer`, once it probed after `sinceMs`. */
  const peerSeen = (reporter: string, peer: string, sinceMs: number): boolean | undefined => {
    const last = receiver.heartbeats.filter((h) => h.hb.host === reporter).at(-1);
    const report = last?.hb.peers?.find((p) => p.host === peer);
    if (!last || !report || report.ageMs === undefined || last.atMs - report.ageMs < sinceMs)
      return undefined;
    return report.reachable;
  };
  const beatsAgain = (host: string): Promise<boolean> => {
    const since = Date.now();
    return waitFor(() => receiver.countFrom(host, since) >= 2, { what: `heartbeats from ${host}` });
  };
  const silentFor = async (host: string, reference: string): Promise<boolean> => {
    await waitFor(() => sim.monitor(host)?.stats().lastOutcome !== 'accepted', { what: `${host} cut` });
    const since = Date.now();
    await waitFor(() => receiver.countFrom(reference, since) >= 3, { what: `beats from ${reference}` });
    return receiver.countFrom(host, since) === 0;
  };
  const powerLog = async (query = ''): Promise<PowerTransition[]> =>
    (await call('GET', `/sim/power-log${query}`)).body.transitions as PowerTransition[];

  beforeAll(async () => {
    receiver = new HeartbeatReceiver(MASTER_KEY);
    const controllerUrl = await receiver.start();
    sim = await CloudSim.start({
      scenario: parseScenario({
        seed: 5,
        hosts: 6,
        hostsPerRack: 3,
        segments: 1,
        instances: 12,
        timing: { heartbeatIntervalMs: 100, serviceDownTimeMs: 600, reportIntervalMs: 100, rebuildMs: 50 },
      }),
      controller: { urls: [controllerUrl], heartbeatMasterKey: MASTER_KEY },
      logger,
    });
    api = new InjectionApi(sim);
    await api.start();
    const session = new KeystoneSession({ config: { ...sim.openstack.keystoneConfig }, logger });
    nova = new NovaClient({
      session,
      config: novaSchema.parse({ timeoutMs: 1000, maxRetries: 0, retryBaseDelayMs: 1 }),
      logger,
    });
    await waitFor(() => receiver.hosts().size === 6, { what: 'heartbeats from all 6 hosts' });
  });

  afterAll(async () => {
    await api.stop();
    await sim.stop();
    await receiver.stop();
  });

  it('controller-only cut: silent to the controller, its peers and Nova still see it; heals by itself', async () => {
    const opened = await call('POST', '/sim/partitions', {
      hosts: ['cmp-0002'],
      scope: 'controller',
      durationMs: 1500,
      label: 'uplink ACL',
    });
    expect(opened.status).toBe(201);
    const partition = opened.body.partition as Partition;
    expect(partition).toMatchObject({ hosts: ['cmp-0002'], scope: 'controller', label: 'uplink ACL' });
    const since = Date.now();
    expect(await silentFor('cmp-0002', 'cmp-0001')).toBe(true);
    await waitFor(() => peerSeen('cmp-0001', 'cmp-0002', since) === true, { what: 'peer probe answered' });
    expect(await serviceState('cmp-0002')).toBe('up');
    // No heal call: the duration ends it.
    await beatsAgain('cmp-0002');
    expect((await call('GET', '/sim/partitions')).body.partitions).toEqual([]);
    expect((await call('DELETE', `/sim/partitions/${partition.id}`)).status).toBe(404);
  });

  it('cut from controller and peers: peers probe it unreachable, Nova still sees it', async () => {
    const opened = await call('POST', '/sim/partitions', {
      hosts: ['cmp-0005'],
      scope: 'controller-and-peers',
    });
    const since = Date.now();
    expect(await silentFor('cmp-0005', 'cmp-0004')).toBe(true);
    await waitFor(() => peerSeen('cmp-0004', 'cmp-0005', since) === false, { what: 'peer probe unanswered' });
    expect(await serviceState('cmp-0005')).toBe('up');
    const id = (opened.body.partition as Partition).id;
    expect((await call('DELETE', `/sim/partitions/${id}`)).status).toBe(200);
    await beatsAgain('cmp-0005');
  });

  it('a rack cut from everything: Nova reports its hosts down; overlapping partitions keep the stronger scope', async () => {
    const rack = await call('POST', '/sim/partitions', { racks: ['rack-02'], scope: 'everything' });
    const host = await call('POST', '/sim/partitions', { hosts: ['cmp-0004'], scope: 'controller' });
    expect(rack.body.partition).toMatchObject({ hosts: ['cmp-0004', 'cmp-0005', 'cmp-0006'] });
    await waitFor(async () => (await serviceState('cmp-0004')) === 'down', { what: 'cmp-0004 down' });
    await call('DELETE', `/sim/partitions/${(rack.body.partition as Partition).id}`);
    // cmp-0004 is still cut from the controller only: Nova sees it again, heartbeats stay away.
    await waitFor(async () => (await serviceState('cmp-0004')) === 'up', { what: 'cmp-0004 up in Nova' });
    expect(sim.condition('cmp-0004')?.partition).toBe('controller');
    await beatsAgain('cmp-0005');
    await call('DELETE', `/sim/partitions/${(host.body.partition as Partition).id}`);
    await beatsAgain('cmp-0004');
  });

  it('rejects bad partitions with 4xx', async () => {
    expect((await call('POST', '/sim/partitions', { scope: 'controller' })).status).toBe(400);
    expect((await call('POST', '/sim/partitions', { hosts: ['a'], scope: 'moon' })).status).toBe(400);
    expect((await call('POST', '/sim/partitions', { hosts: ['nope'] })).status).toBe(404);
    expect((await call('POST', '/sim/partitions', { racks: ['rack-99'] })).status).toBe(404);
    expect((await call('GET', '/sim/power-log?sinceSeq=-1')).status).toBe(400);
  });

  it('hung BMC: the driver gives up at its deadline; slow BMC: answers late', async () => {
    const hung = await call('POST', '/sim/bmc/cmp-0001/behaviour', { behaviour: 'hang' });
    expect(hung.body).toEqual({ host: 'cmp-0001', behaviour: 'hang' });
    const driver = createFencingDriver({ ...sim.bmc.fencingTarget('cmp-0001'), pollIntervalMs: 20 });
    await expect(driver.status({ timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(driver.powerOff({ timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(sim.condition('cmp-0001')?.power).toBe('on');

    await call('POST', '/sim/bmc/cmp-0001/behaviour', { behaviour: 'slow', delayMs: 5000 });
    expect((await call('GET', '/sim/state?host=cmp-0001')).body.hosts).toEqual([
      expect.objectContaining({ bmc: { power: 'On', behaviour: 'slow', delayMs: 5000 } }),
    ]);
    await expect(driver.status({ timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await call('POST', '/sim/bmc/cmp-0001/behaviour', { behaviour: 'slow', delayMs: 50 });
    await expect(driver.status({ timeoutMs: 5000 })).resolves.toBe('on');
    await call('POST', '/sim/bmc/cmp-0001/behaviour', { behaviour: 'normal' });
  });

  it('a BMC that acts then hangs: the caller times out, the power log shows the host went Off at its request', async () => {
    const before = await powerLog();
    const lastSeq = before.at(-1)?.seq ?? 0;
    await call('POST', '/sim/bmc/cmp-0003/behaviour', { behaviour: 'act-then-hang' });
    const driver = createFencingDriver({ ...sim.bmc.fencingTarget('cmp-0003'), pollIntervalMs: 20 });
    await expect(driver.powerOff({ timeoutMs: 500 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(sim.condition('cmp-0003')?.power).toBe('off');
    expect(await powerLog(`?sinceSeq=${lastSeq}`)).toEqual([
      expect.objectContaining({
        host: 'cmp-0003',
        from: 'On',
        to: 'Off',
        cause: 'bmc ForceOff',
        by: expect.stringMatching(/^bmc client vigil-fencing from .*127\.0\.0\.1$/),
      }),
    ]);
    await call('POST', '/sim/bmc/cmp-0003/behaviour', { behaviour: 'normal' });
    await call('POST', '/sim/hosts/cmp-0003/recover');
    expect(await powerLog(`?host=cmp-0003&sinceSeq=${lastSeq}`)).toEqual([
      expect.objectContaining({ to: 'Off' }),
      expect.objectContaining({
        from: 'Off',
        to: 'On',
        boot: 2,
        cause: 'recover',
        by: 'injection-api (injections-spec)',
      }),
    ]);
  });

  it('rack power loss: BMCs that read Off, or BMCs that went down with it; the power log has every host', async () => {
    const sinceMs = Date.now();
    expect((await call('POST', '/sim/racks/rack-01/power-off', { bmcs: 'read-off' })).status).toBe(200);
    const readOff = createFencingDriver({ ...sim.bmc.fencingTarget('cmp-0001'), pollIntervalMs: 20 });
    await expect(readOff.status({ timeoutMs: 2000 })).resolves.toBe('off');
    await call('POST', '/sim/racks/rack-01/power-on');
    await beatsAgain('cmp-0001');

    await call('POST', '/sim/racks/rack-02/power-off', { bmcs: 'unreachable' });
    const gone = createFencingDriver({ ...sim.bmc.fencingTarget('cmp-0005'), pollIntervalMs: 20 });
    await expect(gone.status({ timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await call('POST', '/sim/racks/rack-02/power-on');
    await expect(gone.status({ timeoutMs: 2000 })).resolves.toBe('on');

    const offs = (await powerLog(`?sinceMs=${sinceMs}`)).filter((t) => t.to === 'Off');
    expect(offs.map((t) => [t.host, t.cause, t.by])).toEqual(
      ['cmp-0001', 'cmp-0002', 'cmp-0003', 'cmp-0004', 'cmp-0005', 'cmp-0006'].map((h) => [
        h,
        'rack-power-off',
        'injection-api (injections-spec)',
      ]),
    );
  });
});
