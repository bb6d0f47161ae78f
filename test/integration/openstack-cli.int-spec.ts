import { execFile, execFileSync } from 'node:child_process';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import {
  LogCapture,
  startOpenStack,
  startRedis,
  type OpenStackFixture,
  type RedisFixture,
} from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';

// The real `openstack segment|notification ...` (python-openstackclient + python-masakariclient 8.0.0,
// keystoneauth, openstacksdk) against the controller, found through a Keystone fake's catalog the way
// Masakari's install guide registers it: `<url>/v1/<project_id>`, type instance-ha.

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}
interface Segment {
  uuid: string;
  name: string;
  description: string | null;
  is_enabled?: boolean;
}
interface Host {
  uuid: string;
  name: string;
  on_maintenance: boolean;
}
interface Notification {
  notification_uuid: string;
}

const FMT = ['-f', 'json'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAIVE_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

/** Fails loudly (never skips) when the client is absent: scripts/ensure-system-deps.sh --tests installs it. */
function requireOpenStackCli(): void {
  try {
    // Fails with "Unknown command" when openstackclient is there but the masakari plugin is not.
    execFileSync('openstack', ['segment', 'list', '--help'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      'The openstack CLI with python-masakariclient is not installed (need Debian packages ' +
        'python3-openstackclient and python3-masakariclient; run `scripts/ensure-system-deps.sh --tests` ' +
        `as root): ${String(err)}`,
    );
  }
}

describe('openstack CLI (python-masakariclient) against Vigil', () => {
  jest.setTimeout(180_000);
  let redis: RedisFixture;
  let openstack: OpenStackFixture;
  let controller: ControllerApp;
  let projectId: string;
  const logs = new LogCapture();
  /** Everything the CLI printed, for the secrets check. */
  const outputs: string[] = [];

  beforeAll(async () => {
    requireOpenStackCli();
    redis = await startRedis();
    openstack = await startOpenStack();
    for (const host of ['cmp-01', 'cmp-02']) openstack.nova.model.addHost({ host });
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'keystone' },
      keystone: openstack.keystoneConfig,
      recovery: { enabled: false },
      redis: { url: redis.url, password: redis.password },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'os-cli', destination: logs }),
    });
    projectId = openstack.keystone.directory.projects.find((p) => p.name === 'service')?.id ?? '';
    for (const iface of ['public', 'internal'] as const)
      openstack.keystone.catalog.push({
        type: 'instance-ha',
        name: 'masakari',
        interface: iface,
        url: `${controller.url}/v1/${projectId}`,
      });
  });

  afterAll(async () => {
    await controller?.close();
    await openstack?.stop();
    await redis?.stop();
  });

  // The password travels in the environment only (argv is visible to every local user).
  const os = (args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        'openstack',
        args,
        {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            OS_AUTH_URL: openstack.keystoneConfig.authUrl,
            OS_USERNAME: 'vigil',
            OS_PASSWORD: openstack.servicePassword,
            OS_PROJECT_NAME: 'service',
            OS_USER_DOMAIN_NAME: 'Default',
            OS_PROJECT_DOMAIN_NAME: 'Default',
            OS_IDENTITY_API_VERSION: '3',
            OS_INTERFACE: 'internal',
          },
          timeout: 60_000,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          outputs.push(stdout, stderr);
          resolve({ code, stdout, stderr });
        },
      );
    });

  const json = <T>(r: CliResult): T => {
    if (r.code !== 0) throw new Error(`openstack exited ${r.code}: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as T;
  };

  /** What Vigil itself stored, read with a Keystone token straight from its Masakari API. */
  const vigil = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const token = openstack.keystone.issueToken('vigil', 'service');
    const res = await fetch(`${controller.url}/v1/${projectId}${path}`, {
      headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'instance-ha 1.2' },
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const PAYLOAD = '{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}';
  let rackA: Segment;

  it('creates, lists, shows (by uuid and by name) and updates a failover segment', async () => {
    rackA = json<Segment>(await os(['segment', 'create', 'rack-a', 'auto', 'COMPUTE', ...FMT]));
    expect(rackA).toEqual({
      id: expect.any(Number),
      uuid: expect.stringMatching(UUID),
      name: 'rack-a',
      description: null,
      service_type: 'COMPUTE',
      recovery_method: 'auto',
      is_enabled: true,
      created_at: expect.stringMatching(NAIVE_UTC),
      updated_at: null,
    });
    expect((await vigil<{ segment: Segment }>(`/segments/${rackA.uuid}`)).body.segment.name).toBe('rack-a');

    const listed = json<Segment[]>(await os(['segment', 'list', ...FMT]));
    expect(listed).toEqual([expect.objectContaining({ uuid: rackA.uuid, name: 'rack-a', is_enabled: true })]);
    expect(json(await os(['segment', 'show', rackA.uuid, ...FMT]))).toEqual(rackA);
    expect(json(await os(['segment', 'show', 'rack-a', ...FMT]))).toEqual(rackA);

    const updated = json<Segment>(
      await os(['segment', 'update', rackA.uuid, '--description', 'row 3', ...FMT]),
    );
    expect(updated).toEqual({ ...rackA, description: 'row 3', updated_at: expect.stringMatching(NAIVE_UTC) });
    expect((await vigil<{ segment: Segment }>(`/segments/${rackA.uuid}`)).body.segment.description).toBe(
      'row 3',
    );

    const missing = await os(['segment', 'show', 'no-such-segment', ...FMT]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('Segment is not found') });
  });

  it('sends the enabled flag at microversion 1.2 (the default) and leaves it out at 1.0', async () => {
    const disabled = json<Segment>(
      await os(['segment', 'create', 'rack-off', 'auto', 'COMPUTE', '--is_enabled', 'False', ...FMT]),
    );
    expect(disabled).toMatchObject({ name: 'rack-off', is_enabled: false });
    expect(
      (await vigil<{ segment: { enabled: boolean } }>(`/segments/${disabled.uuid}`)).body.segment.enabled,
    ).toBe(false);

    const old = ['--os-ha-api-version', '1.0'];
    const atV10 = json<Segment>(
      await os([...old, 'segment', 'create', 'rack-v10', 'auto', 'COMPUTE', '--is_enabled', 'False', ...FMT]),
    );
    // The client drops the 1.2-only attribute rather than sending it, so Vigil applies its default.
    expect(atV10).not.toHaveProperty('is_enabled');
    expect(
      (await vigil<{ segment: { enabled: boolean } }>(`/segments/${atV10.uuid}`)).body.segment.enabled,
    ).toBe(true);
    const listedAtV10 = json<Segment[]>(await os([...old, 'segment', 'list', ...FMT]));
    expect(listedAtV10.map((s) => s.name).sort()).toEqual(['rack-a', 'rack-off', 'rack-v10']);
  });

  it('registers Nova compute hosts in a segment (by uuid or name), lists, shows and updates them', async () => {
    const cmp01 = json<Host>(
      await os(['segment', 'host', 'create', 'cmp-01', 'COMPUTE', 'SSH', rackA.uuid, ...FMT]),
    );
    expect(cmp01).toEqual({
      uuid: expect.stringMatching(UUID),
      name: 'cmp-01',
      type: 'COMPUTE',
      control_attributes: 'SSH',
      reserved: false,
      on_maintenance: false,
      failover_segment_id: rackA.uuid,
      created_at: expect.stringMatching(NAIVE_UTC),
      updated_at: null,
    });
    const cmp02 = json<Host>(
      await os([
        'segment',
        'host',
        'create',
        'cmp-02',
        'COMPUTE',
        'SSH',
        'rack-a',
        '--reserved',
        'True',
        ...FMT,
      ]),
    );
    expect(cmp02).toMatchObject({ name: 'cmp-02', reserved: true, failover_segment_id: rackA.uuid });

    const hosts = json<Host[]>(await os(['segment', 'host', 'list', rackA.uuid, ...FMT]));
    expect(hosts.map((h) => h.name).sort()).toEqual(['cmp-01', 'cmp-02']);
    expect(json(await os(['segment', 'host', 'show', rackA.uuid, 'cmp-01', ...FMT]))).toEqual(cmp01);
    const maint = json<Host>(
      await os(['segment', 'host', 'update', rackA.uuid, 'cmp-01', '--on_maintenance', 'True', ...FMT]),
    );
    expect(maint).toMatchObject({ uuid: cmp01.uuid, on_maintenance: true });
    const stored = await vigil<{ hosts: Host[] }>(`/segments/${rackA.uuid}/hosts`);
    expect(stored.body.hosts.find((h) => h.name === 'cmp-01')?.on_maintenance).toBe(true);

    // Vigil checks the name against Nova's compute services, as Masakari does.
    const unknown = await os(['segment', 'host', 'create', 'cmp-99', 'COMPUTE', 'SSH', rackA.uuid, ...FMT]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('Compute service for host cmp-99 could not be found');
  });

  it('creates, lists and shows a notification; a duplicate exits non-zero with the 409 message', async () => {
    const generated = new Date().toISOString().replace('Z', '');
    const created = json<Notification>(
      await os(['notification', 'create', 'COMPUTE_HOST', 'cmp-02', generated, PAYLOAD, ...FMT]),
    );
    expect(created).toMatchObject({
      notification_uuid: expect.stringMatching(UUID),
      type: 'COMPUTE_HOST',
      status: 'new',
      source_host_uuid: expect.stringMatching(UUID),
      payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
      generated_time: expect.stringMatching(NAIVE_UTC),
    });
    const listed = json<Notification[]>(await os(['notification', 'list', ...FMT]));
    expect(listed.map((n) => n.notification_uuid)).toEqual([created.notification_uuid]);
    const shown = json<Notification>(await os(['notification', 'show', created.notification_uuid, ...FMT]));
    expect(shown).toMatchObject({ ...created, recovery_workflow_details: [] });

    const duplicate = await os([
      'notification',
      'create',
      'COMPUTE_HOST',
      'cmp-02',
      generated,
      PAYLOAD,
      ...FMT,
    ]);
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toMatch(/409.*is a duplicate of one already received/);
    expect(json<Notification[]>(await os(['notification', 'list', ...FMT]))).toHaveLength(1);
  });

  it('deletes an idle segment and keeps one in use (the client prints the 409 but exits 0)', async () => {
    const inUse = await os(['segment', 'delete', rackA.uuid]);
    // masakariclient's DeleteSegment prints any per-segment exception and carries on.
    expect(inUse.stdout).toMatch(/409.*is in use/);
    expect((await vigil(`/segments/${rackA.uuid}`)).status).toBe(200);

    const idle = await os(['segment', 'delete', 'rack-v10']);
    expect(idle).toMatchObject({ code: 0, stdout: expect.stringContaining('Segment deleted') });
    const names = json<Segment[]>(await os(['segment', 'list', ...FMT])).map((s) => s.name);
    expect(names.sort()).toEqual(['rack-a', 'rack-off']);
  });

  it('lets keystoneauth discover the identity version instead of guessing it from the URL', () => {
    expect(openstack.keystone.http.receivedCount(/^GET \/v3$/)).toBeGreaterThan(0);
    expect(openstack.keystone.http.receivedCount(/^POST \/v3\/auth\/tokens$/)).toBeGreaterThan(0);
  });

  it('never puts the service password in its output or the controller logs', () => {
    expect(outputs.join('\n')).not.toContain(openstack.servicePassword);
    const logText = logs.text();
    expect(logText).not.toContain(openstack.servicePassword);
    for (const token of openstack.keystone.issuedTokens()) expect(logText).not.toContain(token);
  });
});
