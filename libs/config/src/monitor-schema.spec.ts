import { hostname } from 'node:os';
import { join } from 'node:path';
import { isVigilError } from '@vigil/contracts';
import { loadConfig } from './load';
import { DEFAULT_MONITOR_PROBES, hostMonitorConfigSchema } from './monitor-schema';

const load = (env: NodeJS.ProcessEnv) =>
  loadConfig(hostMonitorConfigSchema, { env, envPrefix: 'VIGIL_MONITOR_' });
const minimal = {
  VIGIL_MONITOR_CONTROLLER_URLS: '["http://ctl:15868"]',
  VIGIL_MONITOR_SECRET_FILE: '/etc/vigil/secret',
};

describe('hostMonitorConfigSchema', () => {
  it('fills documented defaults', () => {
    const config = load(minimal);
    expect(config).toMatchObject({
      host: hostname(),
      intervalMs: 1000,
      requestTimeoutMs: 2000,
      bootIdFile: '/proc/sys/kernel/random/boot_id',
      peers: [],
      peerListen: { enabled: true, host: '0.0.0.0', port: 15869 },
      instanceWatch: {
        enabled: true,
        command: ['virsh', '-c', 'qemu:///system', 'event', '--all', '--loop'],
      },
      log: { level: 'info', format: 'json' },
    });
    expect(Object.keys(config.probes)).toEqual(Object.keys(DEFAULT_MONITOR_PROBES));
  });

  it('takes env overrides with the VIGIL_MONITOR_ prefix, keeping numeric-looking secrets as strings', () => {
    const config = load({
      VIGIL_MONITOR_CONTROLLER_URLS: '["http://a:1","http://b:2"]',
      VIGIL_MONITOR_SECRET: '12345678901234567890',
      VIGIL_MONITOR_INTERVAL_MS: '500',
      VIGIL_MONITOR_PEER_LISTEN__PORT: '0',
    });
    expect([config.controllerUrls, config.secret, config.intervalMs, config.peerListen.port]).toEqual([
      ['http://a:1', 'http://b:2'],
      '12345678901234567890',
      500,
      0,
    ]);
  });

  it('accepts deploy/host-monitor.example.yaml as shipped (with the secret file the unit provides)', () => {
    const config = loadConfig(hostMonitorConfigSchema, {
      env: { VIGIL_MONITOR_SECRET_FILE: '/run/credentials/vigil-host-monitor.service/vigil-host-secret' },
      envPrefix: 'VIGIL_MONITOR_',
      file: join(__dirname, '../../../deploy/host-monitor.example.yaml'),
    });
    expect(Object.keys(config.probes)).toEqual(['nova-compute', 'libvirtd', 'ovs', 'neutron-ovs-agent']);
    expect(config.probes['libvirtd']?.checks[0]).toEqual({
      kind: 'socket',
      path: '/run/libvirt/libvirt-sock',
      timeoutMs: 2000,
    });
    expect(config.peers).toHaveLength(2);
  });

  it.each([
    [{ VIGIL_MONITOR_CONTROLLER_URLS: '["http://ctl"]' }, 'secretFile'],
    [{ ...minimal, VIGIL_MONITOR_SECRET: 'also-a-secret-value' }, 'secretFile'],
    [{ VIGIL_MONITOR_SECRET_FILE: '/s' }, 'controllerUrls'],
    [
      { ...minimal, VIGIL_MONITOR_PROBES: '{"x":{"checks":[{"kind":"ping","host":"a"}]}}' },
      'probes.x.checks.0.kind',
    ],
  ])('rejects %j naming %s', (env, key) => {
    let error: unknown;
    try {
      load(env);
    } catch (err) {
      error = err;
    }
    expect(isVigilError(error) && error.message).toContain(`${key}:`);
  });
});
