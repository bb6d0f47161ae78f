import { hostMonitorConfigSchema } from '@vigil/config';
import { parse as parseYaml } from 'yaml';
import { monitorVerdict } from './check';
import { reinstateText } from './commands';
import { monitorConfigYaml } from './enrol';
import { fencingText, parseSettings, quarantineText } from './operator-commands';

describe('CLI readings', () => {
  it('shows the warnings of an accepted reinstate, one line each', () => {
    const text = reinstateText('cmp-07', {
      requestId: 'r1',
      probationRemainingMs: 0,
      warnings: ['resume_guests_state_on_host_boot is on for cmp-07'],
    });
    expect(text.split('\n').at(-1)).toBe('warning: resume_guests_state_on_host_boot is on for cmp-07');
    expect(reinstateText('cmp-07', { requestId: 'r1' })).not.toContain('warning:');
  });

  it('parses key=value settings as JSON where they parse, dotted keys nested', () => {
    expect(
      parseSettings([
        'ovs=alert',
        'minEvidence=2',
        'stormGuard.maxFailedHosts=3',
        'evidenceSources=["nova"]',
      ]),
    ).toEqual({
      ovs: 'alert',
      minEvidence: 2,
      stormGuard: { maxFailedHosts: 3 },
      evidenceSources: ['nova'],
    });
    expect(() => parseSettings(['ovs'])).toThrow('expected key=value, got ovs');
  });

  it('reads the monitor as detection sees it: a problem unless heartbeating healthy', () => {
    const now = 100_000;
    expect(monitorVerdict({ state: 'up', since: 90_000, failedComponents: [] }, now)).toEqual({
      text: 'heartbeating, up for 10 s',
    });
    expect(monitorVerdict(undefined, now).problem).toMatch(/no heartbeat ever received/);
    expect(
      monitorVerdict({ state: 'maintenance', since: 0, healthySince: 50_000, failedComponents: [] }, now),
    ).toEqual({ text: 'heartbeating (maintenance)' });
    expect(monitorVerdict({ state: 'degraded', since: 40_000, failedComponents: ['libvirt'] }, now)).toEqual({
      text: 'degraded: libvirt failed',
      problem: 'detection reports degraded for 60 s: libvirt failed',
    });
  });

  it("writes a monitor config the monitor's own schema accepts, pointing at the secret file", () => {
    const config = hostMonitorConfigSchema.parse(
      parseYaml(monitorConfigYaml('cmp-01', ['https://vigil:15868'])),
    );
    expect(config).toMatchObject({
      host: 'cmp-01',
      secretFile: '/etc/vigil/host-monitor.secret',
      controllerUrls: ['https://vigil:15868'],
    });
  });

  it('shows fencing settings without any secret', () => {
    const text = fencingText('cmp-01', {
      driver: 'ipmitool',
      address: '10.1.0.21',
      port: null,
      username: 'vigil',
      options: { cipher: 3 },
      secret_options: ['kgKey'],
      password_set: true,
    });
    expect(text).toBe(
      [
        'fencing of cmp-01: ipmitool',
        'BMC: 10.1.0.21 as vigil, password set',
        'options: cipher=3',
        'secret options set: kgKey',
      ].join('\n'),
    );
  });

  it('shows hosts in quarantine and who cancelled which, and says so when none is', () => {
    expect(quarantineText([], [])).toBe('no host in quarantine');
    const text = quarantineText(
      [
        {
          host: 'cmp-03',
          mode: 'drain',
          since: 0,
          signals: ['IpmiPsuRedundancyLost'],
          liveMigrationsStarted: 4,
        },
      ],
      [
        {
          at: '2026-12-06T05:00:00.000Z',
          action: 'cancel',
          host: 'cmp-02',
          who: 'alice',
          why: 'PSU replaced',
        },
      ],
    );
    expect(text).toMatch(/cmp-03\s+drain\s+1970-01-01T00:00:00.000Z\s+IpmiPsuRedundancyLost\s+4\s+no/);
    expect(text).toMatch(/cancelled \(newest first\):/);
    expect(text).toMatch(/cancel\s+cmp-02\s+alice\s+PSU replaced/);
  });
});
