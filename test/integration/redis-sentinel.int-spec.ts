import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { findFreePort } from '@vigil/redis';
import { LogCapture, startRedis, waitFor, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';

/**
 * `redis.sentinels` + `redis.name`: the controller finds the master through a real Redis Sentinel
 * (`redis-server --sentinel`) and serves the API from it.
 */
describe('Redis through Sentinel', () => {
  let master: RedisFixture;
  let sentinel: ChildProcess | undefined;
  let controller: ControllerApp | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sentinel-'));
  const logs = new LogCapture();

  beforeAll(async () => {
    master = await startRedis();
    const port = await findFreePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor vigil 127.0.0.1 ${master.port} 1`,
        `sentinel auth-pass vigil ${master.password ?? ''}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      recovery: { enabled: false },
      redis: { sentinels: [{ host: '127.0.0.1', port }], name: 'vigil', password: master.password },
    });
    // The sentinel needs a moment to learn the master; the controller reconnects until it has.
    controller = await waitFor(
      async () => startController({ config, logger: createLogger({ name: 'sentinel', destination: logs }) }),
      { timeoutMs: 20_000, intervalMs: 500, what: 'controller up through the sentinel' },
    );
  });

  afterAll(async () => {
    await controller?.close();
    sentinel?.kill('SIGTERM');
    await master?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores and reads inventory in the master the sentinel names', async () => {
    const url = controller?.url ?? '';
    const created = await waitFor(
      async () => {
        const res = await fetch(`${url}/v1/segments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            segment: { name: 'via-sentinel', recovery_method: 'auto', service_type: 'COMPUTE' },
          }),
        });
        return res.status === 201 ? res : undefined;
      },
      { timeoutMs: 15_000, what: 'segment created through the sentinel' },
    );
    const uuid = ((await created.json()) as { segment: { uuid: string } }).segment.uuid;
    // The segment is in the master itself, under Vigil's key prefix.
    const keys = await master.client().keys('vigil:*');
    expect(keys.some((k) => k.includes(uuid))).toBe(true);
    expect(logs.linesContaining(master.password ?? '-')).toEqual([]);
  });
});
