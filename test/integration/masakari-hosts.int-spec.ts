/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON walked by the assertions; each shape is asserted with toEqual. */
import {
  hostBody as host,
  hostsPath,
  segmentBody as segment,
  useMasakariApi,
  type Reply,
} from './support/masakari-api';

// Masakari v1 hosts over the real app and a real redis-server: Nova name check, uniqueness, filters.
const PREFIX = 'itest-host:';

describe('Masakari hosts API', () => {
  const api = useMasakariApi({
    name: 'host',
    keyPrefix: PREFIX,
    maxListLimit: 50,
    computeHosts: ['cmp-01', 'cmp-02', 'cmp-03', 'cmp-04'],
  });
  const { call } = api;

  const newSegment = async (name: string): Promise<{ uuid: string; id: number }> =>
    (await call('POST', '/v1/segments', segment(name))).body.segment;
  const storedHostCount = async (): Promise<number> => api.redis.client().zcard(`${PREFIX}host:ids`);

  it('creates, shows, lists, updates and deletes a host', async () => {
    const seg = await newSegment('rack-a');
    const created = await call('POST', hostsPath(seg.uuid), host('cmp-01', { reserved: 'yes' }));
    expect(created.status).toBe(201);
    const h = created.body.host;
    expect(h).toEqual({
      id: expect.any(Number),
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'cmp-01',
      failover_segment_id: seg.uuid,
      failover_segment: expect.objectContaining({ uuid: seg.uuid, name: 'rack-a' }),
      type: 'COMPUTE',
      reserved: true,
      control_attributes: 'SSH',
      on_maintenance: false,
      created_at: expect.stringMatching(/\.\d{6}$/),
      updated_at: null,
      deleted_at: null,
      deleted: false,
    });
    expect((await call('GET', `${hostsPath(seg.uuid)}/${h.uuid}`)).body.host).toEqual(h);
    expect((await call('GET', hostsPath(seg.uuid))).body.hosts).toEqual([h]);

    const renamed = await call('PUT', `${hostsPath(seg.uuid)}/${h.uuid}`, {
      host: { name: 'cmp-02', on_maintenance: 'True' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.host).toMatchObject({ name: 'cmp-02', on_maintenance: true, reserved: true });
    expect(await api.redis.client().hget(`${PREFIX}host:names`, 'cmp-02')).toBe(h.uuid);
    expect(await api.redis.client().hexists(`${PREFIX}host:names`, 'cmp-01')).toBe(0);

    expect((await call('DELETE', `${hostsPath(seg.uuid)}/${h.uuid}`)).status).toBe(204);
    expect((await call('GET', `${hostsPath(seg.uuid)}/${h.uuid}`)).status).toBe(404);
    expect(await storedHostCount()).toBe(0);
  });

  it('answers 400 when Nova has no compute service of exactly that name, on create and rename', async () => {
    const seg = await newSegment('rack-n');
    for (const name of ['cmp-99', 'CMP-01']) {
      const res = await call('POST', hostsPath(seg.uuid), host(name));
      expect(res.status).toBe(400);
      expect(res.body.badRequest.message).toContain(name);
    }
    expect(await storedHostCount()).toBe(0);
    const h = (await call('POST', hostsPath(seg.uuid), host('cmp-01'))).body.host;
    expect((await call('PUT', `${hostsPath(seg.uuid)}/${h.uuid}`, { host: { name: 'cmp-99' } })).status).toBe(
      400,
    );
    expect((await call('GET', `${hostsPath(seg.uuid)}/${h.uuid}`)).body.host.name).toBe('cmp-01');
  });

  it('keeps host names unique across segments (409)', async () => {
    const a = await newSegment('rack-a');
    const b = await newSegment('rack-b');
    expect((await call('POST', hostsPath(a.uuid), host('cmp-01'))).status).toBe(201);
    const dup = await call('POST', hostsPath(b.uuid), host('cmp-01'));
    expect(dup.status).toBe(409);
    expect(dup.body.conflictingRequest.message).toContain('cmp-01');
    const other = (await call('POST', hostsPath(b.uuid), host('cmp-02'))).body.host;
    expect(
      (await call('PUT', `${hostsPath(b.uuid)}/${other.uuid}`, { host: { name: 'cmp-01' } })).status,
    ).toBe(409);
    expect(await storedHostCount()).toBe(2);
  });

  it.each([
    ['null type', host('cmp-01', { type: null }), "None is not of type 'string'"],
    ['null control_attributes', host('cmp-01', { control_attributes: null }), 'control_attributes'],
    ['type with a dash', host('cmp-01', { type: 'COM-PUTE' }), 'does not match'],
    ['integer 1 as reserved', host('cmp-01', { reserved: 1 }), "1 is not of type 'boolean', 'string'"],
    ['missing type', { host: { name: 'cmp-01', control_attributes: 'x' } }, "'type' is a required property"],
    ['unknown key', host('cmp-01', { failover_segment_id: 'x' }), "'failover_segment_id' was unexpected"],
  ])('answers 400 to %s and stores nothing', async (_case, body, message) => {
    const seg = await newSegment('rack-v');
    const res = await call('POST', hostsPath(seg.uuid), body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ badRequest: { code: 400, message: expect.stringContaining(message) } });
    expect(await storedHostCount()).toBe(0);
  });

  it('answers 404 for an unknown segment, a non-UUID host and a host of another segment', async () => {
    const a = await newSegment('rack-a');
    const b = await newSegment('rack-b');
    const h = (await call('POST', hostsPath(a.uuid), host('cmp-01'))).body.host;
    expect((await call('GET', hostsPath('nope'))).status).toBe(404);
    expect(
      (await call('POST', hostsPath('5d1c6a3e-0000-4000-8000-000000000000'), host('cmp-02'))).status,
    ).toBe(404);
    expect((await call('GET', `${hostsPath(a.uuid)}/not-a-uuid`)).status).toBe(404);
    const wrong = await call('GET', `${hostsPath(b.uuid)}/${h.uuid}`);
    expect(wrong.status).toBe(404);
    expect(wrong.body.itemNotFound.code).toBe(404);
    expect((await call('DELETE', `${hostsPath(b.uuid)}/${h.uuid}`)).status).toBe(404);
    expect(await storedHostCount()).toBe(1);
  });

  it('filters with strict booleans, sorts and pages', async () => {
    const seg = await newSegment('rack-f');
    await call('POST', hostsPath(seg.uuid), host('cmp-03', { reserved: true }));
    await call('POST', hostsPath(seg.uuid), host('cmp-01'));
    await call('POST', hostsPath(seg.uuid), host('cmp-02', { reserved: true, type: 'OTHER' }));
    const names = (r: Reply) => r.body.hosts.map((h: { name: string }) => h.name);
    const base = hostsPath(seg.uuid);
    expect(names(await call('GET', `${base}?reserved=true&sort_key=name&sort_dir=asc`))).toEqual([
      'cmp-02',
      'cmp-03',
    ]);
    expect(names(await call('GET', `${base}?reserved=0`))).toEqual(['cmp-01']);
    expect(names(await call('GET', `${base}?type=OTHER`))).toEqual(['cmp-02']);
    expect(names(await call('GET', `${base}?name=cmp-01`))).toEqual(['cmp-01']);
    const page = await call('GET', `${base}?sort_key=name&sort_dir=desc&limit=1`);
    expect(names(page)).toEqual(['cmp-03']);
    expect(
      names(await call('GET', `${base}?sort_key=name&sort_dir=desc&marker=${page.body.hosts[0].id}`)),
    ).toEqual(['cmp-02', 'cmp-01']);
    const bad = await call('GET', `${base}?reserved=maybe`);
    expect(bad.status).toBe(400);
    expect((await call('GET', `${base}?on_maintenance=perhaps`)).status).toBe(400);
    expect((await call('GET', `${base}?marker=424242`)).body.badRequest.message).toContain(
      'Marker not found',
    );
  });

  it('deletes the hosts of a deleted segment', async () => {
    const seg = await newSegment('rack-d');
    const keep = await newSegment('rack-keep');
    await call('POST', hostsPath(seg.uuid), host('cmp-01'));
    await call('POST', hostsPath(seg.uuid), host('cmp-02'));
    const kept = (await call('POST', hostsPath(keep.uuid), host('cmp-03'))).body.host;
    expect((await call('DELETE', `/v1/segments/${seg.uuid}`)).status).toBe(204);
    const client = api.redis.client();
    expect(await client.hkeys(`${PREFIX}host:names`)).toEqual(['cmp-03']);
    expect(await client.zrange(`${PREFIX}host:ids`, '0', '-1')).toEqual([kept.uuid]);
    expect(await client.keys(`${PREFIX}segment:${seg.uuid}*`)).toEqual([]);
    // The names are free again.
    expect((await call('POST', hostsPath(keep.uuid), host('cmp-01'))).status).toBe(201);
  });

  it('checks the role after the body: 400 for an invalid body, 403 for a valid one', async () => {
    const seg = await newSegment('rack-r');
    const invalid = await call('POST', hostsPath(seg.uuid), host('cmp-01', { type: null }), {
      token: 'member-token',
    });
    expect(invalid.status).toBe(400);
    const forbidden = await call('POST', hostsPath(seg.uuid), host('cmp-01'), { token: 'member-token' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.forbidden.code).toBe(403);
    expect((await call('GET', hostsPath(seg.uuid), undefined, { token: null })).status).toBe(401);
    expect(await storedHostCount()).toBe(0);
  });
});
