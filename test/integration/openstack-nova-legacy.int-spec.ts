import { createLogger, novaSchema } from '@vigil/config';
import { ErrorCode } from '@vigil/contracts';
import { KeystoneSession, NovaClient, formatMicroversion } from '@vigil/openstack';
import { LogCapture, startOpenStack, waitFor, type OpenStackFixture } from '@vigil/testing';

// Clouds below 2.53: legacy os-services/{action} routes, integer ids, onSharedStorage below 2.14.
describe.each([
  ['2.1', '2.1'],
  ['2.52', '2.52'],
])('NovaClient on a cloud with max microversion %s', (max, pinned) => {
  let os: OpenStackFixture;
  let nova: NovaClient;
  const logs = new LogCapture();
  const minor = Number(pinned.split('.')[1]);

  beforeAll(async () => {
    os = await startOpenStack({
      nova: { maxMicroversion: max, serviceDownTimeMs: 300, reportIntervalMs: 100, rebuildDurationMs: 100 },
    });
    for (const host of ['cmp-01', 'cmp-02']) os.nova.model.addHost({ host });
    const logger = createLogger({ name: 'legacy-test', destination: logs });
    nova = new NovaClient({
      session: new KeystoneSession({ config: os.keystoneConfig, logger }),
      config: novaSchema.parse({ timeoutMs: 2_000 }),
      logger,
    });
  });

  afterAll(async () => {
    await os.stop();
  });

  it(`pins ${pinned} and lists services with integer ids`, async () => {
    expect(formatMicroversion((await nova.microversion()).pinned)).toBe(pinned);
    const service = await nova.findComputeService('cmp-01');
    expect(service?.id).toBe(os.nova.model.host('cmp-01')?.serviceId);
    expect(service?.forcedDown).toBe(minor >= 11 ? false : undefined);
  });

  it('disables with a reason and enables through the legacy routes', async () => {
    await nova.disableService('cmp-02', 'vigil: maintenance');
    expect(os.nova.requests.at(-1)).toMatchObject({
      path: '/v2.1/os-services/disable-log-reason',
      body: { host: 'cmp-02', binary: 'nova-compute', disabled_reason: 'vigil: maintenance' },
    });
    expect(os.nova.model.host('cmp-02')).toMatchObject({
      status: 'disabled',
      disabledReason: 'vigil: maintenance',
    });
    await nova.enableService('cmp-02');
    expect(os.nova.requests.at(-1)?.path).toBe('/v2.1/os-services/enable');
    expect(os.nova.model.host('cmp-02')).toMatchObject({ status: 'enabled', disabledReason: null });
  });

  it('forces down through PUT os-services/force-down from 2.11, refuses (NOT_ACCEPTABLE) below', async () => {
    const canForce = minor >= 11;
    const outcome = await nova.forceDownAndDisable('cmp-01', 'vigil: fenced').then(
      () => 'done',
      (err: { code?: string }) => err.code,
    );
    expect(outcome).toBe(canForce ? 'done' : ErrorCode.NOT_ACCEPTABLE);
    expect(os.nova.requests.filter((r) => r.path === '/v2.1/os-services/force-down')).toHaveLength(
      canForce ? 1 : 0,
    );
    expect(os.nova.model.host('cmp-01')).toMatchObject(
      canForce ? { forcedDown: true, status: 'disabled' } : { forcedDown: false, status: 'enabled' },
    );
    expect((await nova.findComputeService('cmp-01'))?.state).toBe(canForce ? 'down' : 'up');
    os.nova.model.updateService('cmp-01', { forcedDown: false, status: 'enabled' });
  });

  it('evacuates with the body of the version once the source is down by heartbeat', async () => {
    const vm = os.nova.model.addServer({ host: 'cmp-01' });
    await expect(nova.evacuate(vm.id)).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
    os.nova.model.setAlive('cmp-01', false);
    await waitFor(async () => (await nova.findComputeService('cmp-01'))?.state === 'down');
    await nova.evacuate(vm.id, { targetHost: 'cmp-02' });
    const evacuations = os.nova.requests.filter((r) => r.route === 'POST /servers/{id}/action:evacuate');
    expect(evacuations.at(-1)?.body).toEqual({
      evacuate: minor < 14 ? { host: 'cmp-02', onSharedStorage: false } : { host: 'cmp-02' },
    });
    await waitFor(async () => (await nova.getServer(vm.id)).host === 'cmp-02');
    const migrations = await nova.listEvacuations(vm.id);
    expect(migrations).toEqual([expect.objectContaining({ status: 'done', sourceCompute: 'cmp-01' })]);
    expect(migrations[0]?.uuid).toBeUndefined();
    os.nova.model.setAlive('cmp-01', true);
  });

  it('lists hypervisors with integer ids and capacity', async () => {
    const hypervisors = await nova.listHypervisors();
    expect(hypervisors.map((h) => h.host).sort()).toEqual(['cmp-01', 'cmp-02']);
    expect(typeof hypervisors[0]?.id).toBe('number');
    expect(hypervisors.find((h) => h.host === 'cmp-02')?.runningVms).toBe(1);
  });
});
