import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { deriveHostSecret } from '@vigil/contracts';
import {
  LogCapture,
  startOpenStack,
  startRedis,
  type OpenStackFixture,
  type RedisFixture,
} from '@vigil/testing';
import { runCli } from '../../apps/cli/src/run';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';

// The operator CLI against the real controller (Keystone-authenticated and noauth), tables and --json.
describe('vigil CLI', () => {
  let redis: RedisFixture;
  let openstack: OpenStackFixture;
  let controller: ControllerApp;

  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> => {
    let out = '';
    const code = await runCli(args, env, (s) => (out += s));
    return { code, out };
  };

  beforeAll(async () => {
    redis = await startRedis();
    openstack = await startOpenStack();
    for (const host of ['cmp-01', 'cmp-02']) openstack.nova.model.addHost({ host });
    openstack.nova.model.addServer({ host: 'cmp-01', name: 'web-1', metadata: { HA_Enabled: 'True' } });
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'keystone' },
      keystone: openstack.keystoneConfig,
      redis: { url: redis.url, password: redis.password },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'cli', destination: new LogCapture() }),
    });
  });

  afterAll(async () => {
    await controller?.close();
    await openstack?.stop();
    await redis?.stop();
  });

  const osEnv = (): NodeJS.ProcessEnv => ({
    OS_AUTH_URL: openstack.keystoneConfig.authUrl,
    OS_USERNAME: 'vigil',
    OS_PASSWORD: openstack.servicePassword,
    OS_PROJECT_NAME: 'service',
    OS_INTERFACE: 'internal',
  });

  it('prints usage and exits 2 without a command, and asks for --reason where it is audited', async () => {
    expect((await run([])).code).toBe(2);
    const reinstate = await run(['--url', controller.url, 'reinstate', 'cmp-01'], osEnv());
    expect(reinstate).toEqual({ code: 2, out: expect.stringContaining('--reason is required') });
  });

  it('authenticates with OS_* variables and shows cluster status as a table and as JSON', async () => {
    const segment = await run(['--url', controller.url, 'status'], osEnv());
    expect(segment.code).toBe(0);
    expect(segment.out).toContain('storm guard: not engaged');
    const json = await run(['--url', controller.url, '--json', 'status'], osEnv());
    expect(JSON.parse(json.out)).toMatchObject({
      cluster: { hostsByState: expect.any(Object) },
      segments: [],
    });
  });

  it('shows a dry-run plan for a registered host without touching anything', async () => {
    const token = await (async () => {
      const res = await fetch(`${openstack.keystoneConfig.authUrl.replace(/\/$/, '')}/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: {
                user: { name: 'vigil', domain: { name: 'Default' }, password: openstack.servicePassword },
              },
            },
            scope: { project: { name: 'service', domain: { name: 'Default' } } },
          },
        }),
      });
      return res.headers.get('x-subject-token') ?? '';
    })();
    const headers = { 'content-type': 'application/json', 'x-auth-token': token };
    const seg = (await (
      await fetch(`${controller.url}/v1/segments`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          segment: { name: 'rack-a', recovery_method: 'auto', service_type: 'COMPUTE' },
        }),
      })
    ).json()) as { segment: { uuid: string } };
    for (const name of ['cmp-01', 'cmp-02'])
      await fetch(`${controller.url}/v1/segments/${seg.segment.uuid}/hosts`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ host: { name, type: 'COMPUTE', control_attributes: '' } }),
      });
    const before = openstack.nova.requests.length;
    const plan = await run(['--url', controller.url, 'plan', 'cmp-01'], osEnv());
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('dry run: failure of cmp-01');
    expect(plan.out).toContain('web-1');
    expect(plan.out).toContain('no fencing configured');
    const writes = openstack.nova.requests.slice(before).filter((r) => !r.route.startsWith('GET'));
    expect(writes).toEqual([]);
  });

  it('says clearly when the controller is unreachable or the credentials are wrong', async () => {
    await expect(run(['--url', 'http://127.0.0.1:9', '--noauth', 'status'])).rejects.toThrow(
      /cannot reach the Vigil controller at http:\/\/127.0.0.1:9/,
    );
    await expect(run(['--url', controller.url, '--noauth', 'status'])).rejects.toThrow(/401.*OS_AUTH_URL/);
  });

  it('monitor-secret writes the secret the controller verifies heartbeats with, mode 0600, or prints it', async () => {
    const masterKey = 'a'.repeat(64);
    const env = { VIGIL_INTAKE__HEARTBEAT_MASTER_KEY: masterKey };
    const dir = mkdtempSync(join(tmpdir(), 'vigil-secret-'));
    try {
      const file = join(dir, 'host-monitor.secret');
      const written = await run(['monitor-secret', 'cmp-01', '--out', file], env);
      expect(written.code).toBe(0);
      expect(written.out).not.toContain(deriveHostSecret(masterKey, 'cmp-01'));
      expect(readFileSync(file, 'utf8').trim()).toBe(deriveHostSecret(masterKey, 'cmp-01'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect((await run(['monitor-secret', 'cmp-02'], env)).out.trim()).toBe(
        deriveHostSecret(masterKey, 'cmp-02'),
      );
      expect(await run(['monitor-secret', 'cmp-01'], {})).toEqual({
        code: 2,
        out: expect.stringContaining('VIGIL_INTAKE__HEARTBEAT_MASTER_KEY is not set'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
