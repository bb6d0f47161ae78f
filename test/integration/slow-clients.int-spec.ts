import { connect, type Socket } from 'node:net';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { type Heartbeat, HOST_HEADER, SIGNATURE_HEADER, deriveHostSecret, signBody } from '@vigil/contracts';
import { LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';
import { InMemoryDetectionPorts } from './support/in-memory-detection-ports';
import { DetectionPorts } from '../../apps/controller/src/detection/ports';

/**
 * Issue 19, item 7: 200 sockets trickling their headers stayed open without limit, and intake had no
 * rate limit. Now trickling sockets are reaped after limits.headersTimeoutMs while /healthz and
 * heartbeats keep being served, and a flooding host is answered 429 without costing another host
 * a single heartbeat.
 */
const MASTER_KEY = 'slow-clients-master-key-0123456789abcdef';
const SOCKETS = 200;

function heartbeat(host: string, seq: number): Heartbeat {
  return { v: 1, host, bootId: 'b', seq, runId: 'r', monoMs: seq, intervalMs: 1000, components: {} };
}

describe('slow and flooding clients (real controller, real Redis)', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  const seq = new Map<string, number>();

  const sendHeartbeat = async (host: string): Promise<number> => {
    const n = (seq.get(host) ?? 0) + 1;
    seq.set(host, n);
    const body = JSON.stringify(heartbeat(host, n));
    const res = await fetch(`${controller.url}/vigil/v1/heartbeats`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [HOST_HEADER]: host,
        [SIGNATURE_HEADER]: signBody(deriveHostSecret(MASTER_KEY, host), body, Date.now()),
      },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  };

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'slow:' },
      intake: { heartbeatMasterKey: MASTER_KEY },
      limits: { headersTimeoutMs: 2_000, intakePerSourcePerSec: 5 },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'slow', destination: new LogCapture() }),
    });
    controller.app
      .get(DetectionPorts)
      .bind(new InMemoryDetectionPorts().addHosts('seg-1', ['cmp-1', 'cmp-2']).bindings());
  });

  afterAll(async () => {
    await controller?.close();
    await redis?.stop();
  });

  it(`reaps ${SOCKETS} sockets trickling their headers; /healthz and heartbeats are unaffected`, async () => {
    const { port } = new URL(controller.url);
    const closed = new Set<number>();
    const sockets: Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    for (let i = 0; i < SOCKETS; i++) {
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.once('close', () => closed.add(i));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      // One header line every 500 ms: never idle, never complete.
      timers.push(setInterval(() => socket.writable && socket.write(`X-Slow-${i}: y\r\n`), 500));
      sockets.push(socket);
    }
    try {
      // While they trickle, the API answers and heartbeats are accepted.
      for (let i = 0; i < 5; i++) {
        expect((await fetch(`${controller.url}/healthz`)).status).toBe(200);
        expect(await sendHeartbeat('cmp-1')).toBe(204);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      await waitFor(() => closed.size === SOCKETS, {
        what: `server closing all ${SOCKETS} trickling sockets (closed so far: ${closed.size})`,
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      expect((await fetch(`${controller.url}/healthz`)).status).toBe(200);
    } finally {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
    }
  }, 90_000);

  it("a flooding host gets 429; another host's heartbeats are all accepted", async () => {
    const flood = await Promise.all(Array.from({ length: 60 }, () => sendHeartbeat('cmp-2')));
    expect(flood.filter((s) => s === 429).length).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) {
      expect(await sendHeartbeat('cmp-1')).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 60_000);
});
