import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, hostMonitorConfigSchema } from '@vigil/config';
import { type Heartbeat } from '@vigil/contracts';
import { LogCapture, waitFor } from '@vigil/testing';
import { startHostMonitor, type HostMonitor } from '../../apps/host-monitor/src/host-monitor';
import { closedPort, FakeController } from '../../apps/host-monitor/test/fake-controller';

const SECRET = 'it-host-secret-5f0c2d9e8b7a6f5e4d3c';
const SECRET_B = 'it-host-secret-b-9a8b7c6d5e4f3a2b1c';
const INSTANCE_UUID = '5d2c8a6e-6f1b-4a57-9a2e-0c7c2f0a9b11';
const UUID_NAMED = '0b7e3c1a-2222-4c4c-8d8d-123456789abc';

let dir: string;
let controller: FakeController;
let logs: LogCapture;
const monitors: HostMonitor[] = [];
const children: ChildProcess[] = [];
const servers: Server[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-hm-'));
  writeFileSync(join(dir, 'boot_id'), 'c0ffee00-0000-4000-8000-000000000001\n');
  controller = new FakeController({ 'cmp-01': SECRET, 'cmp-02': SECRET_B });
  await controller.start();
  logs = new LogCapture();
});

afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.stop()));
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await controller.stop();
  // The secret must never reach a log line, whatever the test did.
  const leaked = logs.linesContaining(SECRET, SECRET_B);
  if (leaked.length > 0) throw new Error(`a host secret reached ${leaked.length} log line(s)`);
  rmSync(dir, { recursive: true, force: true });
});

function config(overrides: Record<string, unknown>) {
  return hostMonitorConfigSchema.parse({
    host: 'cmp-01',
    secret: SECRET,
    bootIdFile: join(dir, 'boot_id'),
    controllerUrls: [controller.url],
    intervalMs: 100,
    requestTimeoutMs: 500,
    probes: {},
    instanceWatch: { enabled: false },
    peerListen: { enabled: false },
    ...overrides,
  });
}

async function start(
  overrides: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HostMonitor> {
  const logger = createLogger({ name: 'host-monitor-it', level: 'debug', destination: logs });
  const monitor = await startHostMonitor(config(overrides), logger, { env });
  monitors.push(monitor);
  return monitor;
}

/**
 * The process that stands for nova-compute: a copy of sleep, so comm and argv[0] both say its name. The
 * name is one no other process uses (a real nova-compute may run on this machine, and comm keeps 15 bytes).
 */
const NOVA_PROCESS = 'vigil-it-nova';

function startFakeNovaCompute(): ChildProcess {
  const binary = join(dir, NOVA_PROCESS);
  copyFileSync('/bin/sleep', binary);
  chmodSync(binary, 0o755);
  const child = spawn(binary, ['1000'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

async function startUnixSocket(path: string): Promise<Server> {
  const server = createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  servers.push(server);
  return server;
}

function latest(host = 'cmp-01'): Heartbeat | undefined {
  return controller.heartbeatsOf(host).at(-1);
}

/** Waits for a received heartbeat of `host` that satisfies `test`. */
function heartbeatWhere(what: string, test: (h: Heartbeat) => boolean, host = 'cmp-01'): Promise<Heartbeat> {
  return waitFor(() => controller.heartbeatsOf(host).find(test), { what, timeoutMs: 15_000 });
}

describe('host monitor (in-process, real probes, loopback controller)', () => {
  it('reports component statuses from real probes and the failure of each, with a reason', async () => {
    const nova = startFakeNovaCompute();
    const libvirtSock = join(dir, 'libvirt-sock');
    const libvirt = await startUnixSocket(libvirtSock);
    writeFileSync(
      join(dir, 'ovs-vsctl'),
      '#!/bin/sh\necho "ovs-vsctl: unix:/run/openvswitch/db.sock: database connection failed (No such file or directory)" >&2\nexit 1\n',
    );
    chmodSync(join(dir, 'ovs-vsctl'), 0o755);
    await start({
      probes: {
        'nova-compute': { checks: [{ kind: 'process', name: NOVA_PROCESS }] },
        libvirtd: { checks: [{ kind: 'socket', path: libvirtSock, timeoutMs: 500 }] },
        ovs: { checks: [{ kind: 'command', argv: [join(dir, 'ovs-vsctl'), '--timeout=1', 'show'] }] },
        'neutron-ovs-agent': { checks: [{ kind: 'command', argv: ['sleep', '5'], timeoutMs: 200 }] },
      },
    });

    const first = await heartbeatWhere('first heartbeat', () => true);
    expect(first).toMatchObject({
      v: 1,
      host: 'cmp-01',
      bootId: 'c0ffee00-0000-4000-8000-000000000001',
      seq: 1,
      intervalMs: 100,
    });
    expect(first.components['nova-compute']).toMatchObject({ state: 'ok' });
    expect(first.components.libvirtd).toMatchObject({ state: 'ok' });
    expect(first.components.ovs).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('database connection failed') as unknown,
    });
    expect(first.components['neutron-ovs-agent']).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('did not answer within 200 ms') as unknown,
    });

    nova.kill('SIGKILL');
    const novaDown = await heartbeatWhere(
      'nova-compute failed',
      (h) => h.components['nova-compute']?.state === 'failed',
    );
    expect(novaDown.components['nova-compute']?.reason).toBe(`no running process named ${NOVA_PROCESS}`);
    expect(novaDown.components.libvirtd?.state).toBe('ok');

    await new Promise((r) => libvirt.close(r));
    const libvirtDown = await heartbeatWhere(
      'libvirtd failed',
      (h) => h.components.libvirtd?.state === 'failed',
    );
    expect(libvirtDown.components.libvirtd?.reason).toMatch(
      /^socket .*libvirt-sock: (ENOENT|ECONNREFUSED|ECONNRESET)$/,
    );

    const seqs = controller.heartbeatsOf('cmp-01').map((h) => h.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(logs.linesContaining('component status changed').length).toBeGreaterThanOrEqual(4);
  });

  it('sends a signed last gasp (goingDown) on stop only while the host shuts down', async () => {
    const monitor = await start({});
    await heartbeatWhere('two heartbeats', (h) => h.seq >= 2);
    // This machine is not shutting down: a plain stop (a monitor restart) sends no last gasp.
    expect(await monitor.systemStopping()).toBe(false);
    await monitor.stop({ goingDown: true });
    const all = controller.heartbeatsOf('cmp-01');
    expect(all.at(-1)).toMatchObject({ goingDown: true, seq: all.length });
    expect(all.slice(0, -1).filter((h) => h.goingDown)).toEqual([]);

    const restarted = await start({});
    const before = controller.heartbeatsOf('cmp-01').length;
    await heartbeatWhere('a heartbeat of the new run', (h) => h.runId === restarted.identity.runId);
    await restarted.stop();
    expect(
      controller
        .heartbeatsOf('cmp-01')
        .slice(before)
        .filter((h) => h.goingDown),
    ).toEqual([]);
  });

  it('fails over to the second controller URL when the first is down', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const monitor = await start({ controllerUrls: [down, controller.url] });
    await heartbeatWhere('three heartbeats via the second URL', (h) => h.seq >= 3);
    expect(monitor.stats().heartbeats.lastAcceptedUrl).toBe(`${controller.url}/vigil/v1/heartbeats`);
  });

  it('keeps probing while the controller is gone, backs off, and resumes with fresh statuses', async () => {
    const nova = startFakeNovaCompute();
    await start({ probes: { 'nova-compute': { checks: [{ kind: 'process', name: NOVA_PROCESS }] } } });
    await heartbeatWhere('nova ok', (h) => h.components['nova-compute']?.state === 'ok');

    // Not ready (503): every attempt is refused; the gaps between attempts must grow.
    const since = controller.requests.length;
    controller.notReady = true;
    const refused = await waitFor(
      () => {
        const r = controller.requests.slice(since).filter((q) => q.status === 503);
        return r.length >= 5 && r;
      },
      { what: 'five refused attempts' },
    );
    const gaps = refused.slice(1).map((r, i) => r.atMs - (refused[i]?.atMs ?? 0));
    // Expected 100, 200, 400, 800 ms; lower bounds only, with slack for request latency jitter.
    gaps.slice(0, 4).forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(100 * 2 ** i * 0.75));

    // Gone entirely, and nova-compute dies meanwhile.
    await controller.stop();
    nova.kill('SIGKILL');
    await waitFor(() => logs.linesContaining('"state":"failed"').length > 0, {
      what: 'probe notices while offline',
    });
    const before = controller.heartbeats.length;
    controller.notReady = false;
    await controller.start();
    const resumed = await waitFor(() => controller.heartbeats[before]?.body, {
      what: 'first heartbeat after return',
    });
    expect(resumed.components['nova-compute']).toMatchObject({
      state: 'failed',
      reason: `no running process named ${NOVA_PROCESS}`,
    });
    await heartbeatWhere('back at the interval', (h) => h.seq > resumed.seq + 2);
    expect(logs.linesContaining('no controller reachable')).toHaveLength(1);
  });

  it('reports a crashed instance from the libvirt event stream as a signed VM notification', async () => {
    const virsh = join(dir, 'virsh');
    writeFileSync(
      virsh,
      [
        '#!/bin/sh',
        `printf '%s\\n' "$*" >> ${dir}/virsh-argv.log`,
        `env >> ${dir}/virsh-env.log`,
        'case "$*" in',
        `  *domuuid*instance-0000002a*) echo ${INSTANCE_UUID}; echo ;;`,
        '  *event*)',
        `    echo "event 'lifecycle' for domain 'instance-0000002a': Started Booted"`,
        `    echo "event 'lifecycle' for domain 'instance-0000002a': Stopped Failed"`,
        `    echo "event 'lifecycle' for domain '${UUID_NAMED}': Crashed Panicked"`,
        '    exec sleep 1000 ;;',
        '  *) exit 1 ;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(virsh, 0o755);
    controller.instanceEvents503 = 1;
    const monitor = await start(
      {
        instanceWatch: {
          enabled: true,
          command: [virsh, '-c', 'qemu:///system', 'event', '--all', '--loop'],
          uuidCommand: [virsh, '-c', 'qemu:///system', 'domuuid'],
        },
      },
      { ...process.env, VIGIL_MONITOR_SECRET: SECRET },
    );

    const events = await waitFor(() => controller.instanceEvents.length >= 2 && controller.instanceEvents, {
      what: 'two instance events',
    });
    expect(events.map((e) => e.body.payload)).toEqual([
      { instance_uuid: INSTANCE_UUID, vir_domain_event: 'STOPPED_FAILED', event: 'LIFECYCLE' },
      { instance_uuid: UUID_NAMED, vir_domain_event: 'CRASHED_PANICKED', event: 'LIFECYCLE' },
    ]);
    expect(events[0]?.body).toMatchObject({
      v: 1,
      type: 'VM',
      host: 'cmp-01',
      runId: monitor.identity.runId,
    });
    expect(Date.parse(events[0]?.body.generatedTime ?? '')).not.toBeNaN();
    // The first POST got 503 and was retried with the same eventId (and a fresh signature).
    const posts = controller.requests.filter((r) => r.path === '/vigil/v1/hosts/cmp-01/instance-events');
    expect(posts.map((p) => p.status).slice(0, 2)).toEqual([503, 202]);
    expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({ eventId: events[0]?.body.eventId });
    // The controller may record the second event a moment before the monitor counts its 202.
    await waitFor(() => monitor.stats().instanceEvents?.delivered === 2, { what: 'second delivery counted' });
    expect(monitor.stats().instanceEvents).toMatchObject({ observed: 2, delivered: 2, dropped: 0 });
    // The secret reaches neither the argv nor the environment of the commands the monitor runs.
    expect(readFileSync(join(dir, 'virsh-argv.log'), 'utf8')).toContain('event --all --loop');
    expect(readFileSync(join(dir, 'virsh-argv.log'), 'utf8')).not.toContain(SECRET);
    expect(readFileSync(join(dir, 'virsh-env.log'), 'utf8')).not.toContain(SECRET);
  });

  it('restarts a dead event stream with backoff and keeps reporting', async () => {
    const virsh = join(dir, 'virsh-once');
    writeFileSync(
      virsh,
      `#!/bin/sh\necho "event 'lifecycle' for domain '${UUID_NAMED}': Stopped Failed"\nexit 1\n`,
    );
    chmodSync(virsh, 0o755);
    await start({ instanceWatch: { enabled: true, command: [virsh], uuidCommand: ['false'] } });
    const events = await waitFor(() => controller.instanceEvents.length >= 2 && controller.instanceEvents, {
      what: 'an event from the first and from the restarted stream',
    });
    expect(new Set(events.map((e) => e.body.eventId)).size).toBe(events.length);
    expect(events[1]?.body.payload).toEqual({
      instance_uuid: UUID_NAMED,
      vir_domain_event: 'STOPPED_FAILED',
      event: 'LIFECYCLE',
    });
    expect(logs.linesContaining('libvirt event stream ended').length).toBeGreaterThanOrEqual(1);
  });

  it('witnesses peers over TCP: a closed peer port is reported unreachable', async () => {
    const peerB = await start({
      host: 'cmp-02',
      secret: SECRET_B,
      peerListen: { enabled: true, host: '127.0.0.1', port: 0 },
    });
    expect(peerB.peerPort).toBeGreaterThan(0);
    const deadPort = await closedPort();
    await start({
      peerProbeIntervalMs: 100,
      peerProbeTimeoutMs: 500,
      peers: [
        { host: 'cmp-02', address: '127.0.0.1', port: peerB.peerPort },
        { host: 'cmp-03', address: '127.0.0.1', port: deadPort },
      ],
    });
    const seen = await heartbeatWhere('peers reported', (h) => h.peers !== undefined);
    expect(seen.peers?.map(({ host, reachable }) => ({ host, reachable }))).toEqual([
      { host: 'cmp-02', reachable: true },
      { host: 'cmp-03', reachable: false },
    ]);
    expect(seen.peers?.[0]?.rttMs).toEqual(expect.any(Number));
    // A closed port on a live machine is refused by its kernel: the host runs, its monitor does not.
    expect(seen.peers?.[1]?.refused).toBe(true);
    expect(seen.peers?.map((p) => typeof p.ageMs)).toEqual(['number', 'number']);
    expect(latest('cmp-02')?.peers).toBeUndefined();

    await peerB.stop();
    monitors.splice(monitors.indexOf(peerB), 1);
    await heartbeatWhere('cmp-02 unreachable', (h) => h.peers?.[0]?.reachable === false);
  });

  it('keeps trying and says why when the controller rejects its signature, without logging the secret', async () => {
    await start({ secret: 'a-wrong-secret-for-cmp-01-xyz' });
    await waitFor(() => controller.requests.filter((r) => r.status === 401).length >= 2, {
      what: 'two 401s',
    });
    expect(controller.heartbeats).toHaveLength(0);
    expect(logs.linesContaining('controller rejected heartbeat')).toHaveLength(1);
    expect(logs.linesContaining('a-wrong-secret-for-cmp-01-xyz')).toEqual([]);
  });
});
