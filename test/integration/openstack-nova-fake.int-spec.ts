import { startOpenStack, type OpenStackFixture } from '@vigil/testing';

// The Nova fake's wire behaviour that NovaClient never provokes, checked raw against openstack-api.md.
describe('Nova fake fidelity (raw HTTP)', () => {
  let os: OpenStackFixture;
  let admin: string;
  let serviceUuid: string;

  beforeAll(async () => {
    os = await startOpenStack();
    serviceUuid = os.nova.model.addHost({ host: 'cmp-01' }).serviceUuid;
    os.keystone.addUser({ name: 'eve', password: 'eve-password', roles: { demo: ['member'] } });
    admin = os.keystone.issueToken('vigil', 'service');
  });

  afterAll(async () => {
    await os.stop();
  });

  const call = async (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: unknown; token?: string } = {},
  ): Promise<{ status: number; headers: Headers; body: unknown }> => {
    const res = await fetch(`${os.nova.endpoint}${path}`, {
      method,
      headers: {
        'X-Auth-Token': options.token ?? admin,
        'Content-Type': 'application/json',
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  };

  it('serves the version document with max 2.93 and min 2.1', async () => {
    const res = await fetch(`${os.nova.endpoint}/`);
    expect(await res.json()).toMatchObject({ version: { id: 'v2.1', version: '2.93', min_version: '2.1' } });
  });

  it.each([
    [{ 'OpenStack-API-Version': 'compute 2.95' }, 406, 'computeFault', 'Minimum is 2.1 and maximum is 2.93'],
    [{ 'X-OpenStack-Nova-API-Version': '2.95' }, 406, 'computeFault', 'Version 2.95 is not supported'],
    [{ 'OpenStack-API-Version': 'compute 2.x' }, 400, 'badRequest', 'invalid format'],
  ])('rejects version headers %j with %i %s', async (headers, status, key, text) => {
    const res = await call('GET', '/os-services', { headers });
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ [key]: { code: status, message: expect.stringContaining(text) } });
  });

  it('echoes the version (standard header wins) and a valid client request id', async () => {
    const id = 'req-0b5c6d8e-1f2a-4b3c-9d4e-5f6a7b8c9d0e';
    const res = await call('GET', '/os-services', {
      headers: {
        'OpenStack-API-Version': 'compute 2.60',
        'X-OpenStack-Nova-API-Version': '2.11',
        'X-OpenStack-Request-ID': id,
      },
    });
    expect(res.headers.get('openstack-api-version')).toBe('compute 2.60');
    expect(res.headers.get('x-openstack-request-id')).toBe(id);
    expect((res.body as { services: Array<{ id: unknown }> }).services[0]?.id).toBe(serviceUuid);
  });

  it('answers keystone-style 401 to a bad token and 403 to a non-admin', async () => {
    const unauth = await call('GET', '/os-services', { token: 'bogus' });
    expect(unauth.status).toBe(401);
    expect(unauth.body).toEqual({ error: { code: 401, title: 'Unauthorized', message: expect.any(String) } });
    const member = await call('GET', '/os-services', { token: os.keystone.issueToken('eve', 'demo') });
    expect(member.status).toBe(403);
    expect(member.body).toEqual({ forbidden: { code: 403, message: expect.any(String) } });
  });

  it.each([
    [{ status: 'enabled', disabled_reason: 'x' }, 'disabled_reason with status enabled'],
    [{ disabled_reason: 'x' }, 'No updates were requested'],
    [{ status: 'disabled', bogus: 1 }, 'Additional properties are not allowed'],
  ])('refuses PUT os-services body %j with 400', async (body, text) => {
    const res = await call('PUT', `/os-services/${serviceUuid}`, {
      headers: { 'OpenStack-API-Version': 'compute 2.53' },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ badRequest: { code: 400, message: expect.stringContaining(text) } });
  });

  it('accepts forced_down as a string, refuses legacy routes from 2.53, 404s them for unknown actions below', async () => {
    const v53 = { 'OpenStack-API-Version': 'compute 2.53' };
    const forced = await call('PUT', `/os-services/${serviceUuid}`, {
      headers: v53,
      body: { forced_down: 'true' },
    });
    expect(forced.body).toMatchObject({ service: { forced_down: true, state: 'down' } });
    await call('PUT', `/os-services/${serviceUuid}`, { headers: v53, body: { forced_down: false } });
    const legacy = await call('PUT', '/os-services/disable', {
      headers: v53,
      body: { host: 'cmp-01', binary: 'nova-compute' },
    });
    expect(legacy.status).toBe(400);
    const v10 = { 'OpenStack-API-Version': 'compute 2.10' };
    const noForce = await call('PUT', '/os-services/force-down', {
      headers: v10,
      body: { host: 'cmp-01', binary: 'nova-compute', forced_down: true },
    });
    expect(noForce.status).toBe(404);
    const unknownHost = await call('PUT', '/os-services/enable', {
      headers: v10,
      body: { host: 'zz', binary: 'nova-compute' },
    });
    expect(unknownHost.status).toBe(404);
  });

  it('routes /v2.1/<project_id>/servers and validates all_tenants and evacuate bodies', async () => {
    const vm = os.nova.model.addServer({ host: 'cmp-01', projectId: 'other' });
    const viaProject = await call('GET', `/some-project-id/servers/${vm.id}`);
    expect(viaProject.status).toBe(200);
    expect((await call('GET', '/servers/detail?all_tenants=maybe')).status).toBe(400);
    const own = await call('GET', '/servers/detail?host=cmp-01');
    expect((own.body as { servers: unknown[] }).servers).toHaveLength(0);
    const v21 = { 'OpenStack-API-Version': 'compute 2.1' };
    const noShared = await call('POST', `/servers/${vm.id}/action`, { headers: v21, body: { evacuate: {} } });
    expect(noShared.body).toEqual({
      badRequest: { code: 400, message: expect.stringContaining('onSharedStorage') },
    });
    const v68 = { 'OpenStack-API-Version': 'compute 2.68' };
    const force = await call('POST', `/servers/${vm.id}/action`, {
      headers: v68,
      body: { evacuate: { host: 'cmp-01', force: true } },
    });
    expect(force.status).toBe(400);
    const same = await call('POST', `/servers/${vm.id}/action`, {
      headers: v68,
      body: { evacuate: { host: 'cmp-01' } },
    });
    expect(same.body).toEqual({ badRequest: { code: 400, message: expect.stringContaining('same') } });
    expect(
      (await call('POST', '/os-aggregates/not-an-int/action', { body: { add_host: { host: 'cmp-01' } } }))
        .status,
    ).toBe(400);
  });

  it('drops hypervisor counters from 2.88', async () => {
    const old = await call('GET', '/os-hypervisors/detail', {
      headers: { 'OpenStack-API-Version': 'compute 2.87' },
    });
    expect((old.body as { hypervisors: Array<Record<string, unknown>> }).hypervisors[0]).toHaveProperty(
      'vcpus',
      64,
    );
    const recent = await call('GET', '/os-hypervisors/detail', {
      headers: { 'OpenStack-API-Version': 'compute 2.88' },
    });
    expect(
      (recent.body as { hypervisors: Array<Record<string, unknown>> }).hypervisors[0],
    ).not.toHaveProperty('vcpus');
  });

  it('POST /servers: networks required from 2.37, host field only from 2.74, 202 with a reservation; DELETE 204 then 404', async () => {
    const server = { name: 'x', flavorRef: '1', imageRef: 'i', availability_zone: 'nova:cmp-01' };
    const v = (minor: number) => ({ 'OpenStack-API-Version': `compute 2.${minor}` });
    const noNetworks = await call('POST', '/servers', { headers: v(37), body: { server } });
    expect(noNetworks).toMatchObject({
      status: 400,
      body: { badRequest: { message: expect.stringContaining("'networks' is a required property") } },
    });
    const hostField = await call('POST', '/servers', {
      headers: v(73),
      body: { server: { name: 'x', flavorRef: '1', imageRef: 'i', networks: 'none', host: 'cmp-01' } },
    });
    expect(hostField.status).toBe(400);
    const created = await call('POST', '/servers', {
      headers: v(74),
      body: { server: { name: 'x', flavorRef: '1', imageRef: 'i', networks: 'none', host: 'cmp-01' } },
    });
    expect(created).toMatchObject({
      status: 202,
      body: { server: { id: expect.any(String), adminPass: expect.any(String) } },
    });
    const id = (created.body as { server: { id: string } }).server.id;
    expect((await call('GET', `/servers/${id}`)).body).toMatchObject({ server: { status: 'BUILD' } });
    expect((await call('DELETE', `/servers/${id}`)).status).toBe(204);
    expect((await call('GET', `/servers/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/servers/${id}`)).status).toBe(404);
  });
});
