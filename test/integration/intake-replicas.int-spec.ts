import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Heartbeat, HOST_HEADER, SIGNATURE_HEADER, deriveHostSecret, signBody } from '@vigil/contracts';
import { findFreePort } from '@vigil/redis';
import { type RedisFixture, startRedis, waitFor } from '@vigil/testing';
import { ControllerReplica } from './chaos-support/controller-replica';
import { ensureBuilt } from './support/ensure-built';

const MASTER_KEY = 'replicas-test-master-key-0123456789abcdef';
const HOST = 'cmp-a1';
const PREFIX = 'vigil:';

function heartbeat(seq: number, runId = 'run-1'): string {
  const hb: Heartbeat = {
    v: 1,
    host: HOST,
    bootId: 'boot-1',
    seq,
    runId,
    monoMs: seq * 1000,
    intervalMs: 1000,
    components: { 'nova-compute': { state: 'ok' } },
  };
  return JSON.stringify(hb);
}

/** A signed heartbeat as the monitor sends it; the same request can be sent again (a replay). */
function signed(body: string): { body: string; headers: Record<string, string> } {
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [HOST_HEADER]: HOST,
      [SIGNATURE_HEADER]: signBody(deriveHostSecret(MASTER_KEY, HOST), body, Date.now()),
    },
  };
}

async function post(
  url: string,
  request: { body: string; headers: Record<string, string> },
): Promise<number> {
  const res = await fetch(`${url}/vigil/v1/heartbeats`, { method: 'POST', ...request });
  await res.arrayBuffer();
  return res.status;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

describe('active/active intake: two controller processes on one Redis', () => {
  let redis: RedisFixture;
  let workDir: string;
  const replicas: ControllerReplica[] = [];

  beforeAll(async () => {
    const mainJs = ensureBuilt('controller');
    redis = await startRedis();
    workDir = mkdtempSync(join(tmpdir(), 'vigil-intake-replicas-'));
    for (const name of ['replica-a', 'replica-b']) {
      const port = await findFreePort();
      const replica = new ControllerReplica(name, mainJs, workDir, port, {
        dataDir: join(workDir, `${name}-data`),
        auth: { strategy: 'noauth' },
        api: { host: '127.0.0.1', port },
        redis: { url: redis.url, password: redis.password, keyPrefix: PREFIX },
        log: { level: 'warn' },
        intake: { heartbeatMasterKey: MASTER_KEY },
      });
      replicas.push(replica);
    }
    await Promise.all(replicas.map((r) => r.start()));
    const a = replicas[0]!.url;
    const segment = (await call(a, 'POST', '/v1/segments', {
      segment: { name: 'seg-1', recovery_method: 'auto', service_type: 'COMPUTE' },
    })) as { segment: { uuid: string } };
    await call(a, 'POST', `/v1/segments/${segment.segment.uuid}/hosts`, {
      host: { name: HOST, type: 'COMPUTE', control_attributes: 'SSH', reserved: false },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await redis?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('accepts one host’s heartbeats alternating between replicas, and refuses a replay sent to the other one', async () => {
    const [a, b] = replicas.map((r) => r.url) as [string, string];
    const statuses: number[] = [];
    for (let seq = 1; seq <= 20; seq++)
      statuses.push(await post(seq % 2 === 0 ? b : a, signed(heartbeat(seq))));
    expect(statuses.filter((s) => s !== 204)).toEqual([]);

    // Replica A takes 21..25; the very same request (signature included) replayed to B is refused,
    // at once, before any flush interval could have carried it over.
    let last = signed(heartbeat(21));
    for (let seq = 21; seq <= 25; seq++) {
      last = signed(heartbeat(seq));
      expect(await post(a, last)).toBe(204);
    }
    expect(await post(b, last)).toBe(409);
    expect(await post(b, signed(heartbeat(23)))).toBe(409);
    expect(await post(a, last)).toBe(409);
    expect(await post(b, signed(heartbeat(26)))).toBe(204);
    // A restarted monitor (new run) starts again at 1, on either replica.
    expect(await post(a, signed(heartbeat(1, 'run-2')))).toBe(204);
    expect(await post(b, signed(heartbeat(2, 'run-2')))).toBe(204);

    const stored = JSON.parse((await redis.client().hget(`${PREFIX}hb:seen`, HOST)) ?? '{}') as {
      runId?: string;
      seq?: number;
    };
    expect(stored).toMatchObject({ runId: 'run-2', seq: 2 });
  });

  it('both replicas answer for the host; the leader alone records its state', async () => {
    const [a, b] = replicas.map((r) => r.url) as [string, string];
    let seq = 100;
    // The leader's sweep sees the heartbeats that reached either replica: the host is `up`.
    const state = await waitFor(
      async () => {
        await post(seq % 2 === 0 ? a : b, signed(heartbeat(seq++, 'run-2')));
        const view = (await call(a, 'GET', `/vigil/v1/hosts/${HOST}/state`)) as {
          host_state: { state: string };
        };
        return view.host_state.state === 'up' ? 'up' : undefined;
      },
      { what: `${HOST} up`, timeoutMs: 30_000 },
    );
    expect(state).toBe('up');
    const leadership = await Promise.all(
      [a, b].map(
        async (url) =>
          (
            (await call(url, 'GET', '/vigil/v1/cluster')) as {
              cluster: { leadership: { isLeader: boolean } };
            }
          ).cluster.leadership.isLeader,
      ),
    );
    expect(leadership.filter(Boolean)).toHaveLength(1);
  });
});
