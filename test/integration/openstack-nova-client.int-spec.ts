import { createLogger, novaSchema } from '@vigil/config';
import { ErrorCode } from '@vigil/contracts';
import { KeystoneSession, NovaClient, formatMicroversion } from '@vigil/openstack';
import { LogCapture, NovaFake, startOpenStack, type OpenStackFixture, waitFor } from '@vigil/testing';

// NovaClient against the Nova fake of a Zed cloud (max 2.93): every call at the pinned 2.73.
describe('NovaClient on a 2.93 cloud', () => {
  let os: OpenStackFixture;
  let nova: NovaClient;
  let session: KeystoneSession;
  const logs = new LogCapture();
  const logger = createLogger({ name: 'nova-test', level: 'debug', destination: logs });
  const sleeps: number[] = [];

  beforeAll(async () => {
    os = await startOpenStack({ nova: { serviceDownTimeMs: 60_000, rebuildDurationMs: 200 } });
    for (const host of ['cmp-01', 'cmp-02', 'cmp-03']) os.nova.model.addHost({ host });
    session = new KeystoneSession({ config: os.keystoneConfig, logger });
    nova = new NovaClient({
      session,
      config: novaSchema.parse({ timeoutMs: 500, maxRetries: 2, retryBaseDelayMs: 1 }),
      logger,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await os.stop();
  });

  beforeEach(() => {
    os.nova.http.clearFaults();
    sleeps.length = 0;
  });

  it('negotiates the microversion once and pins 2.73 on every request, with a request id', async () => {
    expect(formatMicroversion((await nova.microversion()).pinned)).toBe('2.73');
    await nova.listComputeServices();
    await nova.findComputeService('cmp-01');
    const seen = os.nova.requests.filter((r) => r.route === 'GET /os-services');
    expect(seen.map((r) => r.microversion)).toEqual([73, 73]);
    expect(seen.every((r) => /^req-[0-9a-f-]{36}$/.test(r.clientRequestId ?? ''))).toBe(true);
  });

  it('finds a compute service by host, with its UUID', async () => {
    const service = await nova.findComputeService('cmp-01');
    expect(service).toMatchObject({
      host: 'cmp-01',
      binary: 'nova-compute',
      status: 'enabled',
      state: 'up',
      forcedDown: false,
    });
    expect(service?.id).toBe(os.nova.model.host('cmp-01')?.serviceUuid);
    expect(await nova.findComputeService('nope')).toBeUndefined();
  });

  it('forces down and disables in one PUT by UUID, then forces up and enables', async () => {
    const before = os.nova.calls('PUT /os-services/{id}');
    await nova.forceDownAndDisable('cmp-03', 'vigil: fenced');
    expect(os.nova.calls('PUT /os-services/{id}')).toBe(before + 1);
    expect(os.nova.requests.at(-1)?.body).toEqual({
      forced_down: true,
      status: 'disabled',
      disabled_reason: 'vigil: fenced',
    });
    expect(await nova.findComputeService('cmp-03')).toMatchObject({
      state: 'down',
      status: 'disabled',
      forcedDown: true,
      disabledReason: 'vigil: fenced',
    });
    await nova.setForcedDown('cmp-03', false);
    await nova.enableService('cmp-03');
    expect(await nova.findComputeService('cmp-03')).toMatchObject({
      state: 'up',
      status: 'enabled',
      forcedDown: false,
    });
    await nova.disableService('cmp-03', 'maintenance');
    expect(os.nova.model.host('cmp-03')).toMatchObject({ status: 'disabled', disabledReason: 'maintenance' });
    await nova.enableService('cmp-03');
  });

  it('shows, locks with a reason, stops, starts and resets a server', async () => {
    const vm = os.nova.model.addServer({
      host: 'cmp-02',
      metadata: { HA_Enabled: 'True' },
      flavor: { vcpus: 4, ramMb: 8192, diskGb: 80 },
    });
    expect(await nova.getServer(vm.id)).toMatchObject({
      id: vm.id,
      // The embedded flavor (>= 2.47) is what capacity planning counts.
      flavor: { vcpus: 4, ram: 8192, disk: 80 },
      status: 'ACTIVE',
      vmState: 'active',
      taskState: null,
      host: 'cmp-02',
      hypervisorHostname: 'cmp-02.example',
      metadata: { HA_Enabled: 'True' },
      locked: false,
      hostStatus: 'UP',
    });
    await nova.lockServer(vm.id, 'vigil: evacuating');
    expect(os.nova.model.server(vm.id)).toMatchObject({ locked: true, lockedReason: 'vigil: evacuating' });
    await nova.unlockServer(vm.id);
    await nova.stopServer(vm.id);
    expect((await nova.getServer(vm.id)).status).toBe('SHUTOFF');
    await nova.startServer(vm.id);
    await nova.resetState(vm.id, 'error');
    expect(await nova.getServer(vm.id)).toMatchObject({
      status: 'ERROR',
      vmState: 'error',
      taskState: null,
      locked: false,
    });
  });

  it('maps Nova faults to coded errors keeping the fault message', async () => {
    await expect(nova.getServer('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      details: expect.objectContaining({ status: 404, fault: expect.stringContaining('could not be found') }),
    });
    const vm = os.nova.model.addServer({ host: 'cmp-02', vmState: 'stopped' });
    await expect(nova.stopServer(vm.id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
    await expect(nova.addHostToAggregate(999, 'cmp-01')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('refuses to evacuate while the source service is up (400), without retrying', async () => {
    const vm = os.nova.model.addServer({ host: 'cmp-01' });
    await expect(nova.evacuate(vm.id)).rejects.toMatchObject({
      code: ErrorCode.BAD_REQUEST,
      message: expect.stringContaining('Compute service of cmp-01 is still in use'),
    });
    expect(os.nova.evacuateCalls(vm.id)).toBe(1);
    expect(os.nova.model.server(vm.id)).toMatchObject({ host: 'cmp-01', taskState: null });
  });

  it('retries GETs on 5xx with backoff, but never an evacuate', async () => {
    os.nova.http.failNext(2, 503, /^GET .*\/os-services/);
    expect(await nova.findComputeService('cmp-01')).toBeDefined();
    expect(sleeps).toHaveLength(2);

    os.nova.http.failNext(3, 500, /^GET .*\/os-services/);
    await expect(nova.findComputeService('cmp-01')).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });

    const vm = os.nova.model.addServer({ host: 'cmp-01' });
    sleeps.length = 0;
    os.nova.http.failNext(1, 503, /\/action$/);
    await expect(nova.evacuate(vm.id)).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(sleeps).toHaveLength(0);
    expect(os.nova.http.receivedCount(new RegExp(`^POST .*/servers/${vm.id}/action$`))).toBe(1);
    expect(os.nova.model.server(vm.id)?.taskState).toBeNull();
  });

  it('times out a request that gets no answer (TIMEOUT), retrying GETs only', async () => {
    os.nova.http.hangNext(1, /\/servers\/[^/]+$/);
    const vm = os.nova.model.addServer({ host: 'cmp-02' });
    expect((await nova.getServer(vm.id)).id).toBe(vm.id);
    expect(sleeps).toHaveLength(1);
    os.nova.http.hangNext(1, /\/action$/);
    await nova.unlockServer(vm.id);
    expect(sleeps).toHaveLength(2);
    await nova.stopServer(vm.id);
    os.nova.http.hangNext(1, /\/action$/);
    await expect(nova.startServer(vm.id)).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
  });

  it('re-authenticates once when Nova rejects an expired token', async () => {
    await nova.findComputeService('cmp-01');
    const issues = os.keystone.issueCalls;
    os.keystone.expireAll();
    expect(await nova.findComputeService('cmp-01')).toBeDefined();
    expect(os.keystone.issueCalls).toBe(issues + 1);
  });

  it('gives up with AUTH_FAILED when the new token is rejected too', async () => {
    const issues = os.keystone.issueCalls;
    // A Nova whose keystonemiddleware accepts no token: 401 whatever we send.
    const strict = new NovaFake({ authenticate: () => undefined });
    const endpoint = await strict.start();
    try {
      const client = new NovaClient({
        session,
        config: novaSchema.parse({ endpointOverride: endpoint, maxRetries: 2 }),
        logger,
      });
      await expect(client.listAggregates()).rejects.toMatchObject({ code: ErrorCode.AUTH_FAILED });
      expect(strict.calls('GET /os-aggregates')).toBe(2);
      expect(os.keystone.issueCalls).toBe(issues + 1);
    } finally {
      await strict.stop();
    }
  });

  it('adds and removes aggregate hosts by integer id (409 when already a member)', async () => {
    const agg = os.nova.model.aggregates.create('rack-a', ['cmp-01']);
    expect((await nova.listAggregates()).find((a) => a.id === agg.id)).toMatchObject({
      name: 'rack-a',
      hosts: ['cmp-01'],
      uuid: agg.uuid,
    });
    expect((await nova.addHostToAggregate(agg.id, 'cmp-02')).hosts).toEqual(['cmp-01', 'cmp-02']);
    await expect(nova.addHostToAggregate(agg.id, 'cmp-02')).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
    });
    expect((await nova.removeHostFromAggregate(agg.id, 'cmp-02')).hosts).toEqual(['cmp-01']);
    await expect(nova.removeHostFromAggregate(agg.id, 'cmp-02')).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
  });

  it('reports hypervisor capacity with the counters (asked at 2.73 < 2.88)', async () => {
    os.nova.model.addHost({ host: 'cmp-cap', vcpus: 16, memoryMb: 32_768, localGb: 500 });
    os.nova.model.addServer({ host: 'cmp-cap', flavor: { vcpus: 4, ramMb: 8192, diskGb: 80 } });
    const cap = (await nova.listHypervisors()).find((h) => h.host === 'cmp-cap');
    expect(cap).toMatchObject({
      hypervisorHostname: 'cmp-cap.example',
      vcpus: 16,
      vcpusUsed: 4,
      memoryMb: 32_768,
      memoryMbUsed: 8192,
      localGb: 500,
      localGbUsed: 80,
      runningVms: 1,
    });
    expect(typeof cap?.id).toBe('string');
  });

  it('pages through 500 servers of a host, verifying each host', async () => {
    os.nova.model.addHost({ host: 'cmp-big', vcpus: 2000, memoryMb: 4_000_000 });
    const ids = new Set<string>();
    for (let i = 0; i < 500; i++)
      ids.add(os.nova.model.addServer({ host: 'cmp-big', projectId: `p-${i % 7}` }).id);
    const before = os.nova.calls('GET /servers/detail');
    const servers = await nova.listServersOnHost('cmp-big', { pageSize: 120 });
    expect(new Set(servers.map((s) => s.id))).toEqual(ids);
    expect(servers).toHaveLength(500);
    expect(os.nova.calls('GET /servers/detail') - before).toBe(5);
    expect(os.nova.requests.at(-1)?.path).toBe('/v2.1/servers/detail');
  });

  it('never logs the password or a token', async () => {
    os.nova.http.failNext(1, 503, /^GET /);
    await nova.listAggregates();
    const tokens = os.keystone.issuedTokens();
    expect(tokens.length).toBeGreaterThan(1);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.linesContaining(os.servicePassword, ...tokens)).toEqual([]);
  });

  it('boots a server pinned to a host (zone:host, no network) that settles ACTIVE there, and deletes it', async () => {
    const id = await nova.createServer({
      name: 'canary-1',
      flavorRef: '100',
      imageRef: 'img-1',
      zone: 'nova',
      host: 'cmp-02',
      metadata: { vigil_drill: 'd-1' },
    });
    const sent = os.nova.requests.filter((r) => r.route === 'POST /servers').at(-1);
    expect(sent).toMatchObject({
      microversion: 73,
      status: 202,
      body: {
        server: { availability_zone: 'nova:cmp-02', networks: 'none', metadata: { vigil_drill: 'd-1' } },
      },
    });
    expect((await nova.getServer(id)).status).toBe('BUILD');
    await waitFor(async () => (await nova.getServer(id)).status === 'ACTIVE', { what: 'canary ACTIVE' });
    expect(await nova.getServer(id)).toMatchObject({ host: 'cmp-02', metadata: { vigil_drill: 'd-1' } });
    await nova.deleteServer(id);
    await expect(nova.getServer(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(nova.deleteServer(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('a server pinned to a host Nova shows down goes ERROR, as with a forced host', async () => {
    os.nova.model.addHost({ host: 'cmp-dead', alive: false });
    os.nova.model.updateService('cmp-dead', { forcedDown: true });
    const id = await nova.createServer({
      name: 'c',
      flavorRef: '1',
      imageRef: 'i',
      zone: 'nova',
      host: 'cmp-dead',
    });
    await waitFor(async () => (await nova.getServer(id)).status === 'ERROR', { what: 'server ERROR' });
    await expect(
      nova.createServer({ name: 'c', flavorRef: '1', imageRef: 'i', zone: 'nova', host: 'no-such-host' }),
    ).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
  });
});
