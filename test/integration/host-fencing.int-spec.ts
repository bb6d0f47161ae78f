/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   Response bodies are untyped JSON walked by the assertions; each shape is asserted with toEqual. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HostFencingService } from '../../apps/controller/src/inventory';
import { hostBody as host, hostsPath, segmentBody as segment, useMasakariApi } from './support/masakari-api';

// Vigil's per-host fencing settings: write-only secrets encrypted at rest (checked in Redis and in the
// captured logs), the key file, and the decrypted view the fencing engine gets.
const PREFIX = 'itest-fence:';
const BMC_PASSWORD = 'Bmc-Pa55-7f3e91';
const SNMP_COMMUNITY = 'community-9d2c44';

describe('Vigil host fencing settings', () => {
  const api = useMasakariApi({
    name: 'fence',
    keyPrefix: PREFIX,
    maxListLimit: 50,
    computeHosts: ['cmp-01', 'cmp-02', 'cmp-03', 'cmp-04'],
    logLevel: 'trace',
  });
  const { call } = api;

  const fencingPath = (hostUuid: string) => `/vigil/v1/hosts/${hostUuid}/fencing`;
  const settings = {
    driver: 'ipmitool',
    address: '10.1.0.11',
    port: 623,
    username: 'admin',
    password: BMC_PASSWORD,
    options: { lanplus: true, privlvl: 'OPERATOR', snmp_community: SNMP_COMMUNITY },
  };
  async function newHost(name: string): Promise<{ seg: { uuid: string }; host: { uuid: string } }> {
    const seg = (await call('POST', '/v1/segments', segment(`seg-${name}`))).body.segment;
    const h = (await call('POST', hostsPath(seg.uuid), host(name))).body.host;
    return { seg, host: h };
  }
  async function allRedisValues(): Promise<string> {
    const client = api.redis.client();
    const keys = await client.keys(`${PREFIX}*`);
    const values = await Promise.all(
      keys.map(async (k) => ((await client.type(k)) === 'string' ? client.get(k) : '')),
    );
    return values.join('\n');
  }

  it('stores secrets encrypted, never returns or logs them, and decrypts them for the engine', async () => {
    const { host: h } = await newHost('cmp-01');
    const put = await call('PUT', fencingPath(h.uuid), settings);
    expect(put.status).toBe(200);
    expect(put.body.fencing).toEqual({
      host_uuid: h.uuid,
      host_name: 'cmp-01',
      driver: 'ipmitool',
      address: '10.1.0.11',
      port: 623,
      username: 'admin',
      agent: null,
      options: { lanplus: true, privlvl: 'OPERATOR' },
      secret_options: ['snmp_community'],
      password_set: true,
      updated_at: expect.stringMatching(/\.\d{6}$/),
    });
    const shown = await call('GET', fencingPath(h.uuid));
    expect(shown.body).toEqual(put.body);

    const stored = await api.redis.client().get(`${PREFIX}host:${h.uuid}:fencing`);
    expect(stored).toContain('v1:');
    const everything = await allRedisValues();
    expect(everything).not.toContain(BMC_PASSWORD);
    expect(everything).not.toContain(SNMP_COMMUNITY);

    const fencing = api.controller.app.get(HostFencingService);
    expect(await fencing.getFencingSettings('cmp-01')).toEqual({
      hostUuid: h.uuid,
      hostName: 'cmp-01',
      driver: 'ipmitool',
      address: '10.1.0.11',
      port: 623,
      username: 'admin',
      password: BMC_PASSWORD,
      options: { lanplus: true, privlvl: 'OPERATOR', snmp_community: SNMP_COMMUNITY },
    });
    expect(await fencing.getFencingSettings('cmp-unknown')).toBeUndefined();

    expect(JSON.stringify(put.body)).not.toContain(BMC_PASSWORD);
    expect(api.logs.lines.length).toBeGreaterThan(0);
    expect(api.logs.linesContaining(BMC_PASSWORD, SNMP_COMMUNITY)).toEqual([]);
  });

  it('keeps the stored password when omitted, and removes it on null', async () => {
    const { host: h } = await newHost('cmp-02');
    await call('PUT', fencingPath(h.uuid), settings);
    const { password: _omitted, ...withoutPassword } = settings;
    const kept = await call('PUT', fencingPath(h.uuid), { ...withoutPassword, address: '10.1.0.12' });
    expect(kept.body.fencing).toMatchObject({ address: '10.1.0.12', password_set: true });
    const fencing = api.controller.app.get(HostFencingService);
    expect((await fencing.getFencingSettings('cmp-02'))?.password).toBe(BMC_PASSWORD);
    const cleared = await call('PUT', fencingPath(h.uuid), { ...withoutPassword, password: null });
    expect(cleared.body.fencing.password_set).toBe(false);
    expect((await fencing.getFencingSettings('cmp-02'))?.password).toBeUndefined();
  });

  it.each([
    ['unknown driver', { driver: 'telnet', address: 'x' }, 'driver'],
    ['fence-agent without agent', { driver: 'fence-agent', address: 'x' }, 'agent'],
    ['agent not fence_*', { driver: 'fence-agent', address: 'x', agent: 'rm -rf' }, 'agent'],
    ['port out of range', { driver: 'redfish', address: 'x', port: 70000 }, 'port'],
    ['nested option value', { driver: 'fake', address: 'x', options: { a: { b: 1 } } }, 'options'],
    ['unknown key', { driver: 'fake', address: 'x', colour: 'red' }, 'colour'],
    // A review ran a script as root this way (issue 19): programs come from the config file only.
    [
      'an ipmitool binary path',
      { driver: 'ipmitool', address: 'x', options: { ipmitoolPath: '/tmp/evil.sh' } },
      'options.ipmitoolPath',
    ],
    [
      "a fence agent's ipmitool_path",
      { driver: 'fence-agent', agent: 'fence_ipmilan', address: 'x', options: { ipmitool_path: '/tmp/x' } },
      'options.ipmitool_path',
    ],
    [
      "a fence agent's sudo-path",
      { driver: 'fence-agent', agent: 'fence_ipmilan', address: 'x', options: { 'sudo-path': '/tmp/x' } },
      'options.sudo-path',
    ],
  ])('answers 400 to %s and stores nothing', async (_case, body, mentioned) => {
    const { host: h } = await newHost('cmp-03');
    const res = await call('PUT', fencingPath(h.uuid), { ...body, password: BMC_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.badRequest).toMatchObject({ code: 400, error_code: 'BAD_REQUEST' });
    expect(res.body.badRequest.message).toContain(mentioned);
    expect(JSON.stringify(res.body)).not.toContain(BMC_PASSWORD);
    expect(await api.redis.client().exists(`${PREFIX}host:${h.uuid}:fencing`)).toBe(0);
  });

  it('accepts a fence-agent configuration', async () => {
    const { host: h } = await newHost('cmp-04');
    const res = await call('PUT', fencingPath(h.uuid), {
      driver: 'fence-agent',
      agent: 'fence_ipmilan',
      address: '10.1.0.14',
      username: 'admin',
      password: BMC_PASSWORD,
      options: { lanplus: 1 },
    });
    expect(res.status).toBe(200);
    expect(res.body.fencing).toMatchObject({
      agent: 'fence_ipmilan',
      options: { lanplus: 1 },
      password_set: true,
    });
  });

  it('answers 404 for unknown hosts or missing settings; DELETE removes them', async () => {
    const { host: h } = await newHost('cmp-01');
    expect((await call('PUT', fencingPath('5d1c6a3e-0000-4000-8000-000000000000'), settings)).status).toBe(
      404,
    );
    expect((await call('GET', fencingPath(h.uuid))).status).toBe(404);
    await call('PUT', fencingPath(h.uuid), settings);
    expect((await call('DELETE', fencingPath(h.uuid))).status).toBe(204);
    expect((await call('GET', fencingPath(h.uuid))).body.itemNotFound.code).toBe(404);
    expect((await call('DELETE', fencingPath(h.uuid))).status).toBe(404);
  });

  it('deletes the fencing settings with the host, and with its segment', async () => {
    const a = await newHost('cmp-01');
    const b = await newHost('cmp-02');
    await call('PUT', fencingPath(a.host.uuid), settings);
    await call('PUT', fencingPath(b.host.uuid), settings);
    expect((await call('DELETE', `${hostsPath(a.seg.uuid)}/${a.host.uuid}`)).status).toBe(204);
    expect(await api.redis.client().exists(`${PREFIX}host:${a.host.uuid}:fencing`)).toBe(0);
    expect((await call('DELETE', `/v1/segments/${b.seg.uuid}`)).status).toBe(204);
    expect(await api.redis.client().exists(`${PREFIX}host:${b.host.uuid}:fencing`)).toBe(0);
    expect(await api.controller.app.get(HostFencingService).getFencingSettings('cmp-02')).toBeUndefined();
  });

  it('requires a token and the admin role, validating the body first', async () => {
    const { host: h } = await newHost('cmp-01');
    expect((await call('GET', fencingPath(h.uuid), undefined, { token: null })).status).toBe(401);
    expect(
      (await call('PUT', fencingPath(h.uuid), { driver: 'nope' }, { token: 'member-token' })).status,
    ).toBe(400);
    expect((await call('PUT', fencingPath(h.uuid), settings, { token: 'member-token' })).status).toBe(403);
    expect((await call('GET', fencingPath(h.uuid), undefined, { token: 'member-token' })).status).toBe(403);
    expect(await api.redis.client().exists(`${PREFIX}host:${h.uuid}:fencing`)).toBe(0);
  });

  it('generated a 0600 key file in the data dir at boot and warned about it', () => {
    const keyFile = join(api.dataDir, 'secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(
      api.logs.lines.some((l) => l.includes('"level":40') && l.includes('secrets.encryptionKey is not set')),
    ).toBe(true);
  });
});
