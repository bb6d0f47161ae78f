import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@vigil/redis';
import { ControllerReplica } from './chaos-support/controller-replica';
import { ensureBuilt } from './support/ensure-built';

/**
 * Issue 19, item 2: a second controller started with the same config and embedded Redis SIGTERMed the
 * first one's redis-server (it trusted the pid file), then died on EADDRINUSE; the first lost Redis.
 * Now the second finds the data directory owned by a live controller and refuses, and the first one's
 * Redis is untouched.
 */
describe('a second controller on the same embedded Redis (two real processes)', () => {
  let workDir: string;
  let first: ControllerReplica;
  let second: ControllerReplica;
  let main: string;

  const redisPid = (): number => Number(readFileSync(join(workDir, 'data/redis/vigil-redis.pid'), 'utf8'));

  beforeAll(async () => {
    main = ensureBuilt('controller');
    workDir = mkdtempSync(join(tmpdir(), 'vigil-redis-owner-'));
    const port = await findFreePort();
    const config = {
      dataDir: join(workDir, 'data'),
      api: { host: '127.0.0.1', port },
      auth: { strategy: 'noauth' },
      recovery: { enabled: false },
    };
    first = new ControllerReplica('first', main, workDir, port, config);
    second = new ControllerReplica('second', main, workDir, port, config);
    await first.start();
  }, 120_000);

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('refuses to start with a clear message; the first one and its redis-server are untouched', async () => {
    const pid = redisPid();
    const before = await (await fetch(`${first.url}/readyz`)).text();
    // Run exactly as the first (same config file); ControllerReplica.start would see the first's port.
    const child = spawn(process.execPath, [main], {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VIGIL_CONFIG: join(workDir, 'first.yaml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(
      /already runs the embedded Redis of data directory .*refusing to start a second one/,
    );
    // Same redis-server, still alive, and the first controller still ready and writing.
    expect(redisPid()).toBe(pid);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('redis-server');
    expect(readFileSync(first.logFile, 'utf8')).not.toMatch(
      /embedded redis-server exited|restarting embedded/,
    );
    const ready = await fetch(`${first.url}/readyz`);
    expect({ status: ready.status, before }).toMatchObject({ status: 200 });
    const created = await fetch(`${first.url}/v1/segments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        segment: { name: 'still-here', recovery_method: 'auto', service_type: 'COMPUTE' },
      }),
    });
    expect(created.status).toBe(201);
  }, 120_000);

  it('a controller that was SIGKILLed leaves a stale owner: its successor takes over the data directory', async () => {
    await first.kill();
    await second.start();
    const res = await fetch(`${second.url}/v1/segments`);
    const body = (await res.json()) as { segments: Array<{ name: string }> };
    expect(body.segments.map((s) => s.name)).toContain('still-here');
  }, 120_000);
});
