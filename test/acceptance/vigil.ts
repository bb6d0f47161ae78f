import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Cloud, type CloudAuth } from './cloud';
import { type Harness, run, until } from './harness';
import { type PeerNetwork } from './peer-network';

export const VIGIL_PORT = 15878;

export interface VigilDeployment {
  url: string;
  segmentUuid: string;
  hostUuids: Map<string, string>;
  stop(): Promise<void>;
}

/**
 * Deploys Vigil beside the cloud as docs/operations.md tells an operator: a Keystone user `vigil`
 * (admin in project service), the controller with its secrets in an env file (embedded Redis), one
 * host monitor per compute with its secret from `vigil monitor-secret` (0600 file), a segment with the
 * computes through the Masakari API, and ipmitool fencing at each BMC through Vigil's fencing route.
 * Every monitor witnesses its peers (all other computes). Harness specifics: the controller listens on
 * 15878 (the real Masakari holds 15868 and the instance-ha endpoint); each monitor is registered to die
 * with its host's power (data/bmc/HOST/linked), with a new boot id at each power-on, as a rebooted node
 * would have; each listens for peers on its own loopback address, whose packets are dropped while the
 * host is dead (peer-network.ts).
 */
export async function deployVigil(
  cloud: Cloud,
  harness: Harness,
  opts: { root: string; work: string; hosts: readonly string[]; probationMs: number; peers: PeerNetwork },
  log: (s: string) => void,
): Promise<VigilDeployment> {
  mkdirSync(opts.work, { recursive: true });
  const identity = cloud.auth.authUrl;
  // 1. Keystone user for Vigil (docs: openstack user create vigil; role add --project service admin).
  const password = randomBytes(18).toString('base64url');
  const users = await cloud.ok<{ users: Array<{ id: string }> }>('GET', `${identity}/users?name=vigil`);
  const userId =
    users.users[0]?.id ??
    (
      await cloud.ok<{ user: { id: string } }>('POST', `${identity}/users`, {
        user: { name: 'vigil', domain_id: 'default', enabled: true, password },
      })
    ).user.id;
  await cloud.ok('PATCH', `${identity}/users/${userId}`, { user: { password } });
  const project = (
    await cloud.ok<{ projects: Array<{ id: string }> }>('GET', `${identity}/projects?name=service`)
  ).projects[0]?.id;
  const role = (await cloud.ok<{ roles: Array<{ id: string }> }>('GET', `${identity}/roles?name=admin`))
    .roles[0]?.id;
  if (!project || !role) throw new Error('Keystone has no project service or no role admin');
  await cloud.ok('PUT', `${identity}/projects/${project}/users/${userId}/roles/${role}`);

  // 2. Controller: config file, secrets in a 0600 env file (never argv).
  const masterKey = randomBytes(32).toString('hex');
  const addressFile = join(opts.work, 'peer-addresses');
  opts.peers.writeAddressFile(addressFile);
  const envFile = join(opts.work, 'controller.env');
  writeFileSync(
    envFile,
    [
      `VIGIL_KEYSTONE__PASSWORD=${password}`,
      `VIGIL_SECRETS__ENCRYPTION_KEY=${randomBytes(32).toString('base64')}`,
      `VIGIL_INTAKE__HEARTBEAT_MASTER_KEY=${masterKey}`,
    ].join('\n') + '\n',
    { mode: 0o600 },
  );
  const controllerEnv = { ...process.env, ...readEnvFile(envFile) };
  const configFile = join(opts.work, 'controller.yaml');
  writeFileSync(
    configFile,
    stringify({
      dataDir: join(opts.work, 'data'),
      api: { host: '127.0.0.1', port: VIGIL_PORT },
      auth: { strategy: 'keystone', requiredRole: 'admin' },
      keystone: {
        authUrl: cloud.auth.authUrl,
        username: 'vigil',
        userDomainName: 'Default',
        projectName: 'service',
        projectDomainName: 'Default',
        interface: cloud.auth.interface,
        ...(cloud.auth.region ? { region: cloud.auth.region } : {}),
      },
      recovery: { probationMs: opts.probationMs },
      drill: {
        failCommands: {
          'kernel-hang': [
            join(opts.root, 'test/acceptance/freeze-host.sh'),
            harness.dir,
            '{host}',
            addressFile,
          ],
        },
      },
      log: { level: 'info', format: 'json' },
    }),
  );
  const controller = startLogged(
    'node',
    [join(opts.root, 'dist/apps/controller/main.js')],
    { ...controllerEnv, VIGIL_CONFIG: configFile },
    join(opts.work, 'controller.log'),
  );
  const url = `http://127.0.0.1:${VIGIL_PORT}`;
  await until('the controller ready', async () => (await fetch(`${url}/readyz`)).ok, 120_000, 500);
  log(`vigil: controller ready at ${url} (log ${join(opts.work, 'controller.log')})`);

  // 3. Segment and hosts (Masakari API on Vigil), fencing at each BMC (Vigil's route).
  const v = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    cloud.ok<T>(method, `${url}${path}`, body, { 'OpenStack-API-Version': 'instance-ha 1.3' });
  const { segment } = await v<{ segment: { uuid: string } }>('POST', '/v1/segments', {
    segment: { name: `acceptance-${Date.now()}`, recovery_method: 'auto', service_type: 'COMPUTE' },
  });
  const hostUuids = new Map<string, string>();
  for (const host of opts.hosts) {
    const { host: created } = await v<{ host: { uuid: string } }>(
      'POST',
      `/v1/segments/${segment.uuid}/hosts`,
      {
        host: { name: host, type: 'COMPUTE', control_attributes: 'IPMI' },
      },
    );
    hostUuids.set(host, created.uuid);
    await harness.startBmc(host);
    await v('PUT', `/vigil/v1/hosts/${created.uuid}/fencing`, {
      driver: 'ipmitool',
      address: '127.0.0.1',
      port: harness.bmcPort(host),
      username: 'admin',
      password: 'secret',
      options: { cipher: 3 },
    });
  }

  // 4. A host monitor per compute, tied to the host's power.
  const monitors: string[] = [];
  for (const host of opts.hosts) {
    const secretFile = join(opts.work, `${host}.secret`);
    await run(
      'node',
      [join(opts.root, 'dist/apps/cli/main.js'), 'monitor-secret', host, '--out', secretFile],
      {
        env: controllerEnv,
      },
    );
    const bootIdFile = join(opts.work, `${host}.boot_id`);
    const monitorConfig = join(opts.work, `${host}-monitor.yaml`);
    writeFileSync(
      monitorConfig,
      stringify({
        host,
        secretFile,
        bootIdFile,
        controllerUrls: [url],
        intervalMs: 1000,
        probes: {
          'nova-compute': {
            checks: [
              { kind: 'command', argv: ['sh', '-c', `kill -0 "$(cat ${harness.novaComputePidFile(host)})"`] },
            ],
          },
        },
        instanceWatch: { enabled: false },
        // Peer witnesses on the default port, each monitor on its own loopback address (see PeerNetwork).
        peers: opts.hosts
          .filter((peer) => peer !== host)
          .map((peer) => ({ host: peer, address: opts.peers.address(peer) })),
        peerListen: { enabled: true, host: opts.peers.address(host) },
        log: { level: 'info', format: 'json' },
      }),
    );
    const linked = harness.linkedDir(host);
    mkdirSync(linked, { recursive: true });
    const pidFile = join(linked, 'vigil-monitor.pid');
    const startScript = join(opts.work, `${host}-monitor.start`);
    // Power-on runs this: a new boot id (the node rebooted), then the monitor in its own session.
    writeFileSync(
      startScript,
      `#!/bin/sh
cat /proc/sys/kernel/random/uuid > '${bootIdFile}'
VIGIL_MONITOR_CONFIG='${monitorConfig}' setsid node '${join(opts.root, 'dist/apps/host-monitor/main.js')}' \\
  >> '${join(opts.work, `${host}-monitor.log`)}' 2>&1 < /dev/null &
echo $! > '${pidFile}'
`,
      { mode: 0o755 },
    );
    writeFileSync(join(linked, 'vigil-monitor.start'), `#!/bin/sh\nexec '${startScript}'\n`, { mode: 0o755 });
    await run(startScript, []);
    monitors.push(pidFile);
  }
  await until(
    `all ${opts.hosts.length} hosts up at the controller`,
    async () => {
      const { cluster } = await v<{ cluster: { hostsByState: Record<string, string[]> } }>(
        'GET',
        '/vigil/v1/cluster',
      );
      return opts.hosts.every((h) => cluster.hostsByState.up?.includes(h));
    },
    180_000,
    1000,
  );
  log(`vigil: ${opts.hosts.length} host monitors heartbeating, fencing at ${opts.hosts.length} BMCs`);
  return {
    url,
    segmentUuid: segment.uuid,
    hostUuids,
    stop: async () => {
      for (const pf of monitors) {
        if (!existsSync(pf)) continue;
        try {
          process.kill(Number(readFileSync(pf, 'utf8').trim()), 'SIGTERM');
        } catch {
          // already gone (the host was powered off)
        }
      }
      for (const host of opts.hosts) {
        for (const f of ['vigil-monitor.start', 'vigil-monitor.pid'])
          try {
            rmSync(join(harness.linkedDir(host), f), { force: true });
          } catch {
            // nothing to remove
          }
      }
      if (controller.exitCode === null && controller.signalCode === null) {
        const exited = new Promise((r) => controller.once('exit', r));
        controller.kill('SIGTERM');
        await exited;
      }
    },
  };
}

function readEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function startLogged(program: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(program, args, { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  chmodSync(logFile, 0o600);
  return child;
}

/** OS_* variables of a cloud, for the vigil CLI (it authenticates like the openstack client). */
export function osEnv(auth: CloudAuth): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OS_AUTH_URL: auth.authUrl,
    OS_USERNAME: auth.username,
    OS_PASSWORD: auth.password,
    OS_PROJECT_NAME: auth.projectName,
    OS_USER_DOMAIN_NAME: auth.userDomainName,
    OS_PROJECT_DOMAIN_NAME: auth.projectDomainName,
    OS_INTERFACE: auth.interface,
    ...(auth.region ? { OS_REGION_NAME: auth.region } : {}),
  };
}
