import { controllerConfigSchema, createLogger } from '@vigil/config';
import { type Heartbeat, HOST_HEADER, SIGNATURE_HEADER, deriveHostSecret, signBody } from '@vigil/contracts';
import { LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { DetectionPorts } from '../../apps/controller/src/detection/ports';
import { InMemoryDetectionPorts } from './support/in-memory-detection-ports';
import { IntakeStore } from '../../apps/controller/src/intake/intake-store';

const MASTER_KEY = 'intake-test-master-key-0123456789abcdef';

function heartbeat(host: string, seq: number, extra: Partial<Heartbeat> = {}): Heartbeat {
  return {
    v: 1,
    host,
    bootId: 'boot-1',
    seq,
    runId: 'run-1',
    monoMs: seq * 100,
    intervalMs: 100,
    components: { 'nova-compute': { state: 'ok' } },
    ...extra,
  };
}

async function postSigned(
  url: string,
  path: string,
  host: string,
  body: string,
  opts: { secret?: string; at?: number; signature?: string | null } = {},
): Promise<{ status: number; body: string }> {
  const secret = opts.secret ?? deriveHostSecret(MASTER_KEY, host);
  const headers: Record<string, string> = { 'content-type': 'application/json', [HOST_HEADER]: host };
  if (opts.signature !== null)
    headers[SIGNATURE_HEADER] = opts.signature ?? signBody(secret, body, opts.at ?? Date.now());
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

describe('heartbeat and instance-event intake (real Redis, real controller)', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  let ports: InMemoryDetectionPorts;
  const logs = new LogCapture();

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'intake-test:' },
      intake: { heartbeatMasterKey: MASTER_KEY, flushIntervalMs: 50 },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'intake-test', level: 'debug', destination: logs }),
    });
    ports = new InMemoryDetectionPorts().addHosts('seg-1', ['cmp-1', 'cmp-2']);
    controller.app.get(DetectionPorts).bind(ports.bindings());
  });

  afterAll(async () => {
    await controller?.close();
    await redis?.stop();
  });

  it('accepts a signed heartbeat and flushes its sighting to Redis', async () => {
    const res = await postSigned(
      controller.url,
      '/vigil/v1/heartbeats',
      'cmp-1',
      JSON.stringify(heartbeat('cmp-1', 1)),
    );
    expect(res.status).toBe(204);
    const client = redis.client();
    const stored = await waitFor(
      () => client.hget('intake-test:hb:seen', 'cmp-1').then((v) => v ?? undefined),
      {
        what: 'cmp-1 flushed to Redis',
      },
    );
    expect(JSON.parse(stored)).toMatchObject({ bootId: 'boot-1', runId: 'run-1', seq: 1 });
  });

  it('rejects a replayed seq with 409 and accepts the next one', async () => {
    const body = JSON.stringify(heartbeat('cmp-2', 5));
    expect((await postSigned(controller.url, '/vigil/v1/heartbeats', 'cmp-2', body)).status).toBe(204);
    const replay = await postSigned(controller.url, '/vigil/v1/heartbeats', 'cmp-2', body);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatch(/seq 5/);
    const older = JSON.stringify(heartbeat('cmp-2', 4));
    expect((await postSigned(controller.url, '/vigil/v1/heartbeats', 'cmp-2', older)).status).toBe(409);
    const next = JSON.stringify(heartbeat('cmp-2', 6));
    expect((await postSigned(controller.url, '/vigil/v1/heartbeats', 'cmp-2', next)).status).toBe(204);
    // A restarted monitor (new runId) starts again at 1.
    const restarted = JSON.stringify(heartbeat('cmp-2', 1, { runId: 'run-2' }));
    expect((await postSigned(controller.url, '/vigil/v1/heartbeats', 'cmp-2', restarted)).status).toBe(204);
  });

  it('the admission script repeated (a client retry) still accepts; the same seq received later is a replay', async () => {
    const store = controller.app.get(IntakeStore);
    const sighting = {
      receivedAt: 1_000,
      bootId: 'boot-9',
      runId: 'run-9',
      seq: 3,
      intervalMs: 1000,
      components: {},
    };
    const batch = [{ host: 'retry-host', sighting }];
    expect(await store.admit(batch)).toEqual([true]);
    expect(await store.admit(batch)).toEqual([true]);
    expect(await store.admit([{ host: 'retry-host', sighting: { ...sighting, receivedAt: 2_000 } }])).toEqual(
      [false],
    );
    expect(await store.admit([{ host: 'retry-host', sighting: { ...sighting, seq: 2 } }])).toEqual([false]);
    expect(await store.admit([{ host: 'retry-host', sighting: { ...sighting, seq: 4 } }])).toEqual([true]);
  });

  it.each([
    {
      name: 'signed with another host secret',
      opts: { secret: deriveHostSecret(MASTER_KEY, 'cmp-2') },
      status: 401,
    },
    {
      name: 'signed with a wrong master key',
      opts: { secret: deriveHostSecret('x'.repeat(40), 'cmp-1') },
      status: 401,
    },
    { name: 'no signature header', opts: { signature: null }, status: 401 },
    { name: 'garbled signature header', opts: { signature: 't=1,v1=zz' }, status: 401 },
    { name: 'timestamp a minute old', opts: { at: Date.now() - 60_000 }, status: 409 },
  ])('$name → $status, nothing recorded', async ({ opts, status }) => {
    const before = await redis.client().hget('intake-test:hb:seen', 'cmp-1');
    const res = await postSigned(
      controller.url,
      '/vigil/v1/heartbeats',
      'cmp-1',
      JSON.stringify(heartbeat('cmp-1', 1000)),
      opts,
    );
    expect(res.status).toBe(status);
    // seq 1000 would have been accepted had it passed: a later 1000 must still be accepted.
    expect(await redis.client().hget('intake-test:hb:seen', 'cmp-1')).toBe(before);
  });

  it('a host outside the directory is 401 even with a valid signature', async () => {
    const res = await postSigned(
      controller.url,
      '/vigil/v1/heartbeats',
      'ghost',
      JSON.stringify(heartbeat('ghost', 1)),
    );
    expect(res.status).toBe(401);
    expect(await redis.client().hexists('intake-test:hb:seen', 'ghost')).toBe(0);
  });

  it.each([
    { name: 'wrong protocol version', body: JSON.stringify({ ...heartbeat('cmp-1', 2000), v: 2 }) },
    {
      name: 'missing components',
      body: JSON.stringify({ ...heartbeat('cmp-1', 2001), components: undefined }),
    },
    { name: 'body host differs from the header', body: JSON.stringify(heartbeat('cmp-2', 2002)) },
  ])('malformed body ($name) → 400', async ({ body }) => {
    const res = await postSigned(controller.url, '/vigil/v1/heartbeats', 'cmp-1', body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ badRequest: { code: 400 } });
  });

  it('forwards a signed instance event to the sink; a mismatching path host is 401', async () => {
    const event = {
      instance_uuid: '0d3b6a0e-4c7e-4a43-9f0a-3a1fd0b5c001',
      vir_domain_event: 'STOPPED_FAILED',
      event: 'LIFECYCLE',
      generated_time: '2026-11-25T00:00:00Z',
    };
    const body = JSON.stringify(event);
    const ok = await postSigned(controller.url, '/vigil/v1/hosts/cmp-1/instance-events', 'cmp-1', body);
    expect(ok.status).toBe(204);
    expect(ports.instanceEvents).toEqual([{ host: 'cmp-1', event }]);
    const wrong = await postSigned(controller.url, '/vigil/v1/hosts/cmp-2/instance-events', 'cmp-1', body);
    expect(wrong.status).toBe(401);
    expect(ports.instanceEvents).toHaveLength(1);
  });

  it('answers 503 while Redis is down, and accepts again once it is back', async () => {
    await redis.server.stop();
    try {
      const res = await postSigned(
        controller.url,
        '/vigil/v1/heartbeats',
        'cmp-1',
        JSON.stringify(heartbeat('cmp-1', 3000)),
      );
      expect(res.status).toBe(503);
    } finally {
      await redis.server.start();
    }
    const client = redis.client();
    let seq = 3001;
    await waitFor(
      async () =>
        (
          await postSigned(
            controller.url,
            '/vigil/v1/heartbeats',
            'cmp-1',
            JSON.stringify(heartbeat('cmp-1', seq++)),
          )
        ).status === 204,
      { what: 'intake accepting again after Redis restart' },
    );
    await waitFor(
      async () =>
        ((JSON.parse((await client.hget('intake-test:hb:seen', 'cmp-1')) ?? '{}') as { seq?: number }).seq ??
          0) >= 3001,
      {
        what: 'flush after Redis restart',
      },
    );
  });

  it('never logs the master key or a host secret', () => {
    expect(logs.linesContaining(MASTER_KEY, deriveHostSecret(MASTER_KEY, 'cmp-1'))).toEqual([]);
  });
});
