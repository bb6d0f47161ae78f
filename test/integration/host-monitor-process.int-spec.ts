import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@vigil/testing';
import { closedPort, FakeController } from '../../apps/host-monitor/test/fake-controller';
import { ensureBuilt, ROOT } from './support/ensure-built';

const MAIN = join(ROOT, 'dist/apps/host-monitor/main.js');
const SECRET = 'process-it-secret-7e6d5c4b3a291807';

let dir: string;
let controller: FakeController;
let child: ChildProcess | undefined;

beforeAll(() => ensureBuilt('host-monitor'), 300_000);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-hm-proc-'));
  controller = new FakeController({ 'cmp-01': SECRET });
  await controller.start();
});

afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await controller.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil-host-monitor as a real process (dist/apps/host-monitor/main.js)', () => {
  it('boots from YAML + env, sends signed heartbeats, keeps its secret out of argv, environment and logs, stops on SIGTERM', async () => {
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    chmodSync(secretFile, 0o600);
    writeFileSync(join(dir, 'boot_id'), 'c0ffee00-0000-4000-8000-0000000000aa\n');
    const peerPort = await closedPort();
    const configFile = join(dir, 'monitor.yaml');
    writeFileSync(
      configFile,
      [
        'host: cmp-01',
        `secretFile: ${secretFile}`,
        `bootIdFile: ${join(dir, 'boot_id')}`,
        'controllerUrls:',
        `  - http://127.0.0.1:${await closedPort()}`,
        `  - ${controller.url}`,
        'intervalMs: 1000',
        'probes:',
        '  libvirtd:',
        '    checks:',
        `      - { kind: socket, path: ${join(dir, 'no-such-sock')}, timeoutMs: 300 }`,
        'instanceWatch: { enabled: false }',
        `peerListen: { host: 127.0.0.1, port: ${peerPort} }`,
        '',
      ].join('\n'),
    );
    let stdout = '';
    child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, VIGIL_MONITOR_CONFIG: configFile, VIGIL_MONITOR_INTERVAL_MS: '100' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

    const beats = await waitFor(
      () => controller.heartbeatsOf('cmp-01').length >= 3 && controller.heartbeatsOf('cmp-01'),
      {
        what: `three heartbeats (monitor output so far: ${stdout.slice(-500)})`,
        timeoutMs: 20_000,
      },
    );
    expect(beats[0]).toMatchObject({
      host: 'cmp-01',
      bootId: 'c0ffee00-0000-4000-8000-0000000000aa',
      seq: 1,
      intervalMs: 100,
    });
    expect(beats[0]?.components.libvirtd).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('ENOENT') as unknown,
    });

    // Its peer port answers with a banner naming the host.
    const banner = await new Promise<string>((resolve, reject) => {
      let text = '';
      const s = connect({ host: '127.0.0.1', port: peerPort });
      s.on('data', (d: Buffer) => (text += d.toString('utf8')));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
    expect(banner).toBe('vigil-host-monitor cmp-01\n');

    const pid = child.pid ?? 0;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(SECRET);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(SECRET);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('host monitor stopped');
    expect(stdout).not.toContain(SECRET);
  });

  it('refuses to start with an unreadable secret file, exiting 2 with the reason', async () => {
    writeFileSync(
      join(dir, 'monitor.yaml'),
      `controllerUrls: [${controller.url}]\nsecretFile: ${join(dir, 'missing')}\n`,
    );
    child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, VIGIL_MONITOR_CONFIG: join(dir, 'monitor.yaml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child?.once('exit', resolve));
    expect(code).toBe(2);
    expect(out).toContain('cannot read secretFile');
    expect(controller.requests).toHaveLength(0);
  });
});
