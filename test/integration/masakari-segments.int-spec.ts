/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call --
   Response bodies are untyped JSON walked by the assertions; each shape is asserted with toEqual. */
import { segmentBody as segment, useMasakariApi, type Reply } from './support/masakari-api';

// Masakari v1 segments over the real app and a real redis-server: CRUD, paging, validation, auth.
const PREFIX = 'itest-seg:';

describe('Masakari segments API', () => {
  const api = useMasakariApi({
    name: 'seg',
    keyPrefix: PREFIX,
    maxListLimit: 50,
    computeHosts: ['cmp-01'],
  });
  const { call } = api;

  const storedSegmentCount = async (): Promise<number> => api.redis.client().zcard(`${PREFIX}segment:ids`);

  it('creates, shows, lists, updates and deletes a segment', async () => {
    const created = await call(
      'POST',
      '/v1/segments',
      segment('rack-a', { description: 'rack A', enabled: 'no' }),
      {
        version: '1.2',
      },
    );
    expect(created.status).toBe(201);
    const s = created.body.segment;
    expect(s).toEqual({
      id: expect.any(Number),
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'rack-a',
      service_type: 'COMPUTE',
      enabled: false,
      description: 'rack A',
      recovery_method: 'auto',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/),
      updated_at: null,
      deleted_at: null,
      deleted: false,
    });
    expect((await call('GET', `/v1/segments/${s.uuid}`)).body.segment).toEqual(s);
    expect((await call('GET', '/v1/segments')).body.segments).toEqual([s]);

    const updated = await call('PUT', `/v1/segments/${s.uuid}`, {
      segment: { name: 'rack-b', description: null },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.segment).toMatchObject({ name: 'rack-b', description: null, enabled: false });
    expect(updated.body.segment.updated_at).toMatch(/\.\d{6}$/);
    // The name index follows the rename: the old name is free again.
    expect((await call('POST', '/v1/segments', segment('rack-a'))).status).toBe(201);

    expect((await call('DELETE', `/v1/segments/${s.uuid}`)).status).toBe(204);
    expect((await call('GET', `/v1/segments/${s.uuid}`)).status).toBe(404);
    expect(await api.redis.client().hexists(`${PREFIX}segment:names`, 'rack-b')).toBe(0);
  });

  it('also serves /v1/{project_id}/segments', async () => {
    await call('POST', '/v1/segments', segment('rack-p'));
    const res = await call('GET', '/v1/a1b2c3/segments');
    expect(res.status).toBe(200);
    expect(res.body.segments.map((s: { name: string }) => s.name)).toEqual(['rack-p']);
  });

  it('returns enabled at 1.0 but rejects it in requests below 1.2', async () => {
    const res = await call('POST', '/v1/segments', segment('rack-e', { enabled: true }), { version: '1.1' });
    expect(res.status).toBe(400);
    expect(res.body.badRequest.message).toContain("'enabled' was unexpected");
    const ok = await call('POST', '/v1/segments', segment('rack-e'));
    expect(ok.body.segment.enabled).toBe(true);
    const upd = await call(
      'PUT',
      `/v1/segments/${ok.body.segment.uuid}`,
      { segment: { enabled: false } },
      { version: '1.0' },
    );
    expect(upd.status).toBe(400);
    expect((await call('GET', `/v1/segments/${ok.body.segment.uuid}`)).body.segment.enabled).toBe(true);
  });

  it.each([
    [
      'missing name',
      { segment: { recovery_method: 'auto', service_type: 'C' } },
      "'name' is a required property",
    ],
    ['name with trailing space', segment('rack '), "An invalid 'name' value was provided"],
    ['256-character name', segment('x'.repeat(256)), 'is too long'],
    ['bad recovery_method', segment('r', { recovery_method: 'magic' }), "'magic' is not one of"],
    ['integer 1 as enabled (1.2)', segment('r', { enabled: 1 }), "1 is not of type 'boolean', 'string'"],
    ['unknown inner key', segment('r', { colour: 'red' }), "'colour' was unexpected"],
    ['unknown outer key', { ...segment('r'), extra: true }, "'extra' was unexpected"],
  ])('answers 400 to %s and stores nothing', async (_case, body, message) => {
    const res = await call('POST', '/v1/segments', body, { version: '1.2' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ badRequest: { code: 400, message: expect.stringContaining(message) } });
    expect(await storedSegmentCount()).toBe(0);
  });

  it('answers 400 to an empty update and leaves the segment unchanged', async () => {
    const s = (await call('POST', '/v1/segments', segment('rack-u'))).body.segment;
    const res = await call('PUT', `/v1/segments/${s.uuid}`, { segment: {} });
    expect(res.status).toBe(400);
    expect((await call('GET', `/v1/segments/${s.uuid}`)).body.segment).toEqual(s);
  });

  it('answers 409 to a duplicate name, on create and on rename', async () => {
    await call('POST', '/v1/segments', segment('dup'));
    const other = (await call('POST', '/v1/segments', segment('other'))).body.segment;
    const res = await call('POST', '/v1/segments', segment('dup'));
    expect(res.status).toBe(409);
    expect(res.body.conflictingRequest.code).toBe(409);
    expect((await call('PUT', `/v1/segments/${other.uuid}`, { segment: { name: 'dup' } })).status).toBe(409);
    expect(await storedSegmentCount()).toBe(2);
  });

  it('gives exactly one 201 when the same name is created concurrently', async () => {
    const replies = await Promise.all(
      [1, 2, 3, 4, 5].map(() => call('POST', '/v1/segments', segment('race'))),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await storedSegmentCount()).toBe(1);
  });

  it.each([
    ['GET', '/v1/segments/not-a-uuid'],
    ['GET', '/v1/segments/5d1c6a3e-0000-4000-8000-000000000000'],
    ['DELETE', '/v1/segments/not-a-uuid'],
  ])('answers 404 itemNotFound to %s %s', async (method, path) => {
    const res = await call(method, path);
    expect(res.status).toBe(404);
    expect(res.body.itemNotFound.code).toBe(404);
  });

  it('pages by integer id marker, sorts by repeated keys and filters', async () => {
    for (const [name, method] of [
      ['d', 'auto'],
      ['b', 'reserved_host'],
      ['e', 'auto'],
      ['a', 'rh_priority'],
      ['c', 'auto'],
    ] as const)
      await call('POST', '/v1/segments', segment(name, { recovery_method: method, enabled: name !== 'e' }), {
        version: '1.2',
      });
    const names = (r: Reply) => r.body.segments.map((s: { name: string }) => s.name);

    const first = await call('GET', '/v1/segments?sort_key=name&sort_dir=asc&limit=2');
    expect(names(first)).toEqual(['a', 'b']);
    const marker = first.body.segments[1].id;
    const next = await call('GET', `/v1/segments?sort_key=name&sort_dir=asc&limit=2&marker=${marker}`);
    expect(names(next)).toEqual(['c', 'd']);
    const last = await call(
      'GET',
      `/v1/segments?sort_key=name&sort_dir=asc&limit=2&marker=${next.body.segments[1].id}`,
    );
    expect(names(last)).toEqual(['e']);

    // Default order is created_at desc, id desc.
    expect(names(await call('GET', '/v1/segments'))).toEqual(['c', 'a', 'e', 'b', 'd']);
    expect(
      names(
        await call('GET', '/v1/segments?sort_key=recovery_method&sort_key=name&sort_dir=asc&sort_dir=desc'),
      ),
    ).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(names(await call('GET', '/v1/segments?recovery_method=auto&sort_key=name&sort_dir=asc'))).toEqual([
      'c',
      'd',
      'e',
    ]);
    expect(names(await call('GET', '/v1/segments?recovery_method=nope'))).toEqual([]);
    expect(names(await call('GET', '/v1/segments?enabled=false'))).toEqual(['e']);
    expect(names(await call('GET', '/v1/segments?enabled=garbage'))).toEqual(['e']);
    expect(names(await call('GET', '/v1/segments?service_type=COMPUTE&limit=1&sort_key=name'))).toEqual([
      'e',
    ]);
  });

  it.each([
    ['/v1/segments?marker=999', 'Marker not found'],
    ['/v1/segments?marker=abc', 'Marker not found'],
    ['/v1/segments?sort_key=colour', 'Invalid sort_key'],
    ['/v1/segments?sort_key=name&sort_dir=sideways', 'Unknown sort direction'],
    ['/v1/segments?limit=-1', 'limit param must be positive'],
  ])('answers 400 to %s', async (path, message) => {
    const res = await call('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.badRequest.message).toContain(message);
  });

  it('caps limit at api.maxListLimit', async () => {
    for (let i = 0; i < 52; i += 1) await call('POST', '/v1/segments', segment(`s${i}`));
    expect((await call('GET', '/v1/segments?limit=1000')).body.segments).toHaveLength(50);
  });

  it('answers 401 in keystone shape without a valid token', async () => {
    for (const token of [null, 'bogus']) {
      const res = await call('GET', '/v1/segments', undefined, { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 401, title: 'Unauthorized', message: expect.any(String) } });
    }
  });

  it('answers 403 to a valid body without the admin role, but 400 to an invalid one; stores nothing', async () => {
    const forbidden = await call('POST', '/v1/segments', segment('rack-m'), { token: 'member-token' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.forbidden.message).toContain('os_masakari_api:segments:create');
    const invalid = await call('POST', '/v1/segments', segment(' bad'), { token: 'member-token' });
    expect(invalid.status).toBe(400);
    expect((await call('GET', '/v1/segments', undefined, { token: 'member-token' })).status).toBe(403);
    expect(await storedSegmentCount()).toBe(0);
  });
});
