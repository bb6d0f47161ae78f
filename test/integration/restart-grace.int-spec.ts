import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@vigil/redis';
import {
  startOpenStack,
  startRedis,
  waitFor,
  type OpenStackFixture,
  type RedisFixture,
} from '@vigil/testing';
import { ControllerReplica } from './chaos-support/controller-replica';
import { ComputeNode, ensureMonitorBuilt } from './monitor-controller-support';
import { ensureBuilt } from './support/ensure-built';

/**
 * Issue 19, item 1: the controller is SIGKILLed and restarted while every monitor is in its retry
 * back-off (capped at 5 s). With the default 3 s heartbeat timeout, a grace of only the timeout called
 * hosts silent before their next retry: they left `up` and the segment storm guard engaged, latched.
 * The grace now covers the back-off cap plus the timeout: no host leaves `up`, no guard engages.
 */
const MASTER_KEY = 'restart-grace-master-key-0123456789abcdef';
const HOSTS = Array.from({ length: 8 }, (_, i) => `rg-${String(i + 1).padStart(2, '0')}`);
/** Back-off base = interval: 1, 2, 4, 5, 5 s... */
const MONITOR_INTERVAL_MS = 1_000;
/** Down long enough for every monitor to reach the back-off cap. */
const DOWN_MS = 9_000;

/**
 * What the monitors dial: forwards to the controller, or refuses (resets) every connection, counting
 * the attempts, so the test can open it right after a whole retry wave: without it the outcome would
 * depend on boot timing.
 */
class GateProxy {
  refused = 0;
  open = true;
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly targetPort: number) {}

  async listen(): Promise<string> {
    const server = createServer((client) => {
      this.sockets.add(client);
      client.once('close', () => this.sockets.delete(client));
      if (!this.open) {
        this.refused++;
        client.resetAndDestroy();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(upstream);
      upstream.once('close', () => this.sockets.delete(upstream));
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no proxy port');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
/** Watched after the restart: past back-off cap + timeout + sweep, with room for a loaded machine. */
const WATCH_MS = 20_000;

interface Json {
  [key: string]: unknown;
}

describe('controller SIGKILLed and restarted while monitors back off (real processes)', () => {
  let redis: RedisFixture;
  let openstack: OpenStackFixture;
  let controller: ControllerReplica;
  let workDir: string;
  let proxy: GateProxy;
  const nodes: ComputeNode[] = [];

  const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${controller.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as Json;
  };
  const states = async (): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const host of HOSTS) {
      const body = await api('GET', `/vigil/v1/hosts/${host}/state`);
      out.set(host, (body.host_state as { state: string }).state);
    }
    return out;
  };

  beforeAll(async () => {
    const main = ensureBuilt('controller');
    ensureMonitorBuilt();
    workDir = mkdtempSync(join(tmpdir(), 'vigil-restart-grace-'));
    redis = await startRedis();
    openstack = await startOpenStack();
    for (const host of HOSTS) openstack.nova.model.addHost({ host });
    const port = await findFreePort();
    controller = new ControllerReplica('ctl', main, workDir, port, {
      dataDir: workDir,
      api: { host: '127.0.0.1', port },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'rg:' },
      keystone: openstack.keystoneConfig,
      intake: { heartbeatMasterKey: MASTER_KEY },
      // Defaults that matter here: heartbeatTimeoutMs 3000, sweepIntervalMs 500.
      leadership: { leaseTtlMs: 2_000, renewIntervalMs: 500 },
      recovery: { enabled: false },
    });
    await controller.start();
    proxy = new GateProxy(port);
    const monitorUrl = await proxy.listen();
    const segment = await api('POST', '/v1/segments', {
      segment: { name: 'rack-rg', recovery_method: 'auto', service_type: 'COMPUTE' },
    });
    const segmentUuid = (segment.segment as Json).uuid as string;
    for (const host of HOSTS)
      await api('POST', `/v1/segments/${segmentUuid}/hosts`, {
        host: { name: host, type: 'COMPUTE', control_attributes: 'SSH' },
      });
    for (const host of HOSTS) {
      const node = new ComputeNode(host, MASTER_KEY);
      nodes.push(node);
      await node.start([monitorUrl], MONITOR_INTERVAL_MS);
    }
    await waitFor(async () => [...(await states()).values()].every((s) => s === 'up'), {
      what: 'every host up',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await controller?.stop();
    await proxy?.close();
    await openstack?.stop();
    await redis?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('no host leaves up and no storm guard engages', async () => {
    proxy.open = false;
    await controller.kill();
    // The dead controller's lease outlives it (as a longer leaseTtlMs would), so the restarted one boots
    // as a follower; the test then hands it the lead and its reachability at the same moment.
    await redis.client().set('rg:leader:lease', 'killed-controller|0', 'PX', 120_000);
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    await controller.start();
    // Worst case for the restarted leader: every monitor has just retried in vain, so its next try is a
    // whole back-off cap (5 s, above the 3 s timeout) after the controller leads and is reachable.
    proxy.refused = 0;
    await waitFor(() => proxy.refused >= HOSTS.length, { what: 'a whole retry wave', timeoutMs: 30_000 });
    await redis.client().del('rg:leader:lease');
    proxy.open = true;
    const left: string[] = [];
    const until = Date.now() + WATCH_MS;
    while (Date.now() < until) {
      for (const [host, state] of await states()) if (state !== 'up') left.push(`${host}: ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect([...new Set(left)]).toEqual([]);
    const guards = JSON.stringify(await api('GET', '/vigil/v1/storm-guard'));
    expect(guards).not.toContain('"engaged":true');
  }, 120_000);
});
