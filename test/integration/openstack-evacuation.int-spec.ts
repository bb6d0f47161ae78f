import { createLogger, novaSchema } from '@vigil/config';
import { ErrorCode } from '@vigil/contracts';
import { KeystoneSession, NovaClient, type Server } from '@vigil/openstack';
import { LogCapture, startOpenStack, waitFor, type OpenStackFixture } from '@vigil/testing';

// A whole host evacuation through NovaClient against the Nova fake, as the recovery workflow runs it.
describe('host evacuation through NovaClient', () => {
  let os: OpenStackFixture;
  let nova: NovaClient;
  const logs = new LogCapture();

  beforeAll(async () => {
    os = await startOpenStack({ nova: { rebuildDurationMs: 300, hostSwitchDelayMs: 30 } });
    os.nova.model.addHost({ host: 'cmp-01' });
    os.nova.model.addHost({ host: 'cmp-02', memoryMb: 65_536 });
    os.nova.model.addHost({ host: 'cmp-03', enabled: false, disabledReason: 'reserved spare' });
    const logger = createLogger({ name: 'evac-test', level: 'debug', destination: logs });
    nova = new NovaClient({
      session: new KeystoneSession({ config: os.keystoneConfig, logger }),
      config: novaSchema.parse({ timeoutMs: 2_000 }),
      logger,
    });
  });

  afterAll(async () => {
    await os.stop();
  });

  /** Polls as the workflow does: done when off the failed host, no task, expected vm_state. */
  const settled = (id: string, failedHost: string, vmState: string): Promise<Server> =>
    waitFor(
      async () => {
        const s = await nova.getServer(id);
        return s.host !== failedHost && s.taskState === null && s.vmState === vmState ? s : undefined;
      },
      { timeoutMs: 10_000, what: `server ${id} ${vmState} off ${failedHost}` },
    );

  it('fences in order, evacuates every server to an enabled host and records done migrations', async () => {
    const active = os.nova.model.addServer({ host: 'cmp-01', name: 'web' });
    const stopped = os.nova.model.addServer({ host: 'cmp-01', name: 'batch', vmState: 'stopped' });
    const broken = os.nova.model.addServer({ host: 'cmp-01', name: 'db', vmState: 'error' });
    const usedBefore = os.nova.model.usage('cmp-02').memoryMbUsed;
    os.nova.model.setAlive('cmp-01', false);

    await nova.forceDownAndDisable('cmp-01', 'vigil: cmp-01 fenced');
    const servers = await nova.listServersOnHost('cmp-01');
    expect(servers.map((s) => s.name).sort()).toEqual(['batch', 'db', 'web']);
    for (const s of servers) await nova.evacuate(s.id);
    expect((await nova.getServer(active.id)).status).toBe('REBUILD');
    expect((await nova.listEvacuations(active.id))[0]?.status).toMatch(/accepted|pre-migrating/);

    expect(await settled(active.id, 'cmp-01', 'active')).toMatchObject({ host: 'cmp-02', status: 'ACTIVE' });
    expect(await settled(stopped.id, 'cmp-01', 'stopped')).toMatchObject({
      host: 'cmp-02',
      status: 'SHUTOFF',
    });
    // An error instance ends active (Zed).
    expect(await settled(broken.id, 'cmp-01', 'active')).toMatchObject({ host: 'cmp-02' });
    for (const s of servers)
      expect(await nova.listEvacuations(s.id)).toEqual([
        expect.objectContaining({
          status: 'done',
          sourceCompute: 'cmp-01',
          destCompute: 'cmp-02',
          migrationType: 'evacuation',
        }),
      ]);

    const routes = os.nova.requests.map((r) => r.route);
    expect(routes.indexOf('PUT /os-services/{id}')).toBeLessThan(
      routes.indexOf('POST /servers/{id}/action:evacuate'),
    );
    expect(os.nova.model.usage('cmp-02').memoryMbUsed - usedBefore).toBe(3 * 4096);
    expect((await nova.listHypervisors()).find((h) => h.host === 'cmp-01')?.runningVms).toBe(0);
  });

  it('refuses forced_down=false while done evacuations remain, accepts it after the compute restarts', async () => {
    await expect(nova.setForcedDown('cmp-01', false)).rejects.toMatchObject({
      code: ErrorCode.BAD_REQUEST,
      message: expect.stringContaining('`done` evacuation migration records remain'),
    });
    os.nova.model.setAlive('cmp-01', true);
    await nova.setForcedDown('cmp-01', false);
    await nova.enableService('cmp-01');
    expect(await nova.findComputeService('cmp-01')).toMatchObject({
      state: 'up',
      status: 'enabled',
      forcedDown: false,
    });
  });

  it('leaves a server in ERROR with a failed migration when the rebuild fails, and allows a new evacuate', async () => {
    const vm = os.nova.model.addServer({ host: 'cmp-01' });
    os.nova.model.setAlive('cmp-01', false);
    await nova.setForcedDown('cmp-01', true);
    os.nova.failEvacuations(vm.id, 1);
    await nova.evacuate(vm.id);
    await expect(nova.evacuate(vm.id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
    const failed = await waitFor(async () => {
      const s = await nova.getServer(vm.id);
      return s.vmState === 'error' ? s : undefined;
    });
    expect(failed).toMatchObject({ host: 'cmp-01', taskState: null, status: 'ERROR' });
    expect(failed.faultMessage).toContain('failed');
    expect((await nova.listEvacuations(vm.id))[0]?.status).toBe('failed');

    await nova.evacuate(vm.id);
    expect(await settled(vm.id, 'cmp-01', 'active')).toMatchObject({ host: 'cmp-02' });
    expect((await nova.listEvacuations(vm.id)).map((m) => m.status)).toEqual(['done', 'failed']);
    expect(os.nova.evacuateCalls(vm.id)).toBe(3);
  });

  it('targets a host: 404 when unknown, ERROR (NoValidHost) when disabled, moves when enabled', async () => {
    const vm = os.nova.model.addServer({ host: 'cmp-01' });
    await expect(nova.evacuate(vm.id, { targetHost: 'cmp-99' })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: expect.stringContaining('Compute host cmp-99 not found'),
    });
    await nova.evacuate(vm.id, { targetHost: 'cmp-03' });
    await waitFor(async () => (await nova.getServer(vm.id)).vmState === 'error');
    expect((await nova.listEvacuations(vm.id))[0]).toMatchObject({ status: 'error', destCompute: 'cmp-03' });

    await nova.enableService('cmp-03');
    await nova.evacuate(vm.id, { targetHost: 'cmp-03' });
    expect(await settled(vm.id, 'cmp-01', 'active')).toMatchObject({ host: 'cmp-03' });
  });

  it('never logs the password or a token', () => {
    expect(logs.linesContaining(os.servicePassword, ...os.keystone.issuedTokens())).toEqual([]);
  });
});
