import { controllerConfigSchema, createLogger } from '@vigil/config';
import { LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';

// The HTTP edge every route shares: version documents, microversion negotiation, error shapes, OpenAPI.
describe('API edge', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0, maxBodyBytes: 2048 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password },
    });
    controller = await startController({ config, logger: createLogger({ name: 'test', destination: logs }) });
  });

  afterAll(async () => {
    await controller.close();
    await redis.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${controller.url}${path}`, { headers });

  it('serves the version document at / without a token, advertising 1.0 to 1.3', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      versions: Array<{ id: string; version: string; min_version: string }>;
    };
    expect(body.versions).toEqual([
      expect.objectContaining({ id: 'v1.0', version: '1.3', min_version: '1.0' }),
    ]);
  });

  it.each([
    ['', 'masakari 1.0'],
    ['instance-ha 1.2', 'masakari 1.2'],
    ['instance-ha latest', 'masakari 1.3'],
  ])('negotiates microversion %j and echoes %j', async (header, echoed) => {
    const res = await get('/v1', header ? { 'OpenStack-API-Version': header } : {});
    expect(res.status).toBe(200);
    expect(res.headers.get('openstack-api-version')).toBe(echoed);
    expect(res.headers.get('vary')).toContain('OpenStack-API-Version');
  });

  it.each(['instance-ha 0.9', 'instance-ha foo'])(
    'rejects the malformed version %j with 400',
    async (header) => {
      const res = await get('/v1', { 'OpenStack-API-Version': header });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ badRequest: { code: 400, message: expect.any(String) } });
    },
  );

  it('answers 406 masakariFault to a version above the maximum, echoing it', async () => {
    const res = await get('/v1', { 'OpenStack-API-Version': 'instance-ha 1.4' });
    expect(res.status).toBe(406);
    expect(res.headers.get('openstack-api-version')).toBe('instance-ha 1.4');
    const body = (await res.json()) as { masakariFault: { code: number; message: string } };
    expect(body.masakariFault.code).toBe(406);
    expect(body.masakariFault.message).toContain('maximum is 1.3');
  });

  it("answers unknown paths with webob's 404 (JSON when asked for, else HTML) and a request id", async () => {
    const json = await get('/v1/foo', { Accept: 'application/json' });
    expect(json.status).toBe(404);
    expect(await json.json()).toEqual({
      code: '404 Not Found',
      title: 'Not Found',
      message: expect.stringContaining('The resource could not be found.') as string,
    });
    expect(json.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(json.headers.get('openstack-api-version')).toBeNull();
    const html = await get('/v1/foo');
    expect(html.headers.get('content-type')).toContain('text/html');
  });

  it('logs each request with the id it answered in X-Openstack-Request-Id', async () => {
    const res = await get('/v1/segments/not-a-uuid');
    const id = res.headers.get('x-openstack-request-id');
    expect(id).toMatch(/^req-/);
    await waitFor(
      () => id !== null && logs.linesContaining(id).some((l) => l.includes(`"status":${res.status}`)),
      {
        what: 'the request log line',
      },
    );
  });

  it('answers 300 with a link for /v2', async () => {
    const res = await get('/v2');
    expect(res.status).toBe(300);
  });

  it('rejects malformed JSON with 400 badRequest and oversized bodies with 413 overLimit', async () => {
    const bad = await fetch(`${controller.url}/v1/segments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"segment": ',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ badRequest: { code: 400, message: expect.stringContaining('JSON') } });
    const big = await fetch(`${controller.url}/v1/segments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ segment: { name: 'x'.repeat(4096) } }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { overLimit: { code: number } }).overLimit.code).toBe(413);
  });

  it('publishes an OpenAPI document listing every served route with a summary', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { summary: string }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/', '/v1', '/openapi.json']));
    const undocumented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.summary === '(undocumented)')
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(undocumented).toEqual([]);
    const page = await get('/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});
