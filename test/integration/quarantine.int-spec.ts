import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@vigil/testing';
import { type DemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { controllerCall } from './cloud-sim-support/controller-call';
import { allHostsUp, type SimulatedCloud, startSimulatedCloud } from './cloud-sim-support/simulated-cloud';
import { ensureBuilt, ROOT } from './support/ensure-built';

const STALL_MS = 60_000;

type Quarantine = { host: string; mode: string; signals: string[]; drainedAt?: number };

/**
 * Proactive quarantine through the production wiring (built controller, cloud-sim's Nova with live
 * migration, Redfish BMCs, monitors; Alertmanager played by the test): a PSU-redundancy-lost alert
 * disables the host and live-migrates its instances away, and nothing is powered off; an alert storm
 * across a rack is held to the segment's storm limits (33 % of 6 hosts: one host at a time).
 */
describe('proactive quarantine: degradation alerts → disabled, drained by live migration, never fenced', () => {
  let cloud: SimulatedCloud;
  let stack: DemoStack;

  beforeAll(async () => {
    ensureBuilt('cli');
    cloud = await startSimulatedCloud({
      scenario: {
        hosts: 6,
        hostsPerRack: 3,
        segments: 1,
        reservedPerSegment: 0,
        instances: 12,
        stoppedPercent: 0,
        timing: { heartbeatIntervalMs: 300 },
      },
      controllerMainJs: ensureBuilt('controller'),
      logLevel: 'info',
      controllerConfig: { quarantine: { mode: 'drain', pollIntervalMs: 200, liveMigrationsPerHost: 2 } },
    });
    stack = cloud.stack;
    await allHostsUp(stack, STALL_MS);
  }, 300_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  const nova = () => stack.sim.openstack.nova;
  const call = controllerCall(() => stack.controllerUrl);
  /** `bin/vigil --noauth ARGS` against the controller (the demo runs without Keystone); never rejects. */
  const vigil = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bin/vigil'), '--url', stack.controllerUrl, '--noauth', ...args],
        { env: { PATH: process.env.PATH }, timeout: STALL_MS },
        (error, stdout, stderr) =>
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
            out: stdout,
            err: stderr,
          }),
      );
    });
  const quarantined = async (): Promise<Quarantine[]> =>
    (await call<{ quarantine: Quarantine[] }>('GET', '/vigil/v1/quarantine')).body.quarantine;
  const alert = async (hosts: readonly string[], alertname: string): Promise<number> => {
    const alerts = hosts.map((host) => ({
      status: 'firing',
      labels: { alertname, instance: `${host}:9290`, job: 'ipmi', severity: 'warning' },
      annotations: { summary: `${alertname} on ${host}` },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: createHash('sha256').update(`${alertname}/${host}`).digest('hex').slice(0, 16),
    }));
    const res = await fetch(`${stack.controllerUrl}/v1/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.alertToken}` },
      body: JSON.stringify({
        version: '4',
        groupKey: `{}:{alertname="${alertname}"}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'vigil',
        groupLabels: { alertname },
        commonLabels: { alertname, job: 'ipmi' },
        commonAnnotations: {},
        externalURL: 'http://alertmanager.test.invalid:9093',
        alerts,
      }),
    });
    return res.status;
  };

  it('a PSU-redundancy-lost alert: host disabled, its instances live-migrated away, no power-off; cancel re-enables', async () => {
    const host =
      stack.sim.plan.hosts.map((h) => h.name).find((h) => nova().model.servers({ host: h }).length >= 2) ??
      '';
    const instances = nova()
      .model.servers({ host })
      .map((s) => s.id);
    expect(await alert([host], 'IpmiPsuRedundancyLost')).toBe(200);

    const record = await waitFor(async () => (await quarantined()).find((q) => q.drainedAt !== undefined), {
      timeoutMs: STALL_MS,
      what: `${host} drained`,
    });
    expect(record).toMatchObject({ host, mode: 'drain', signals: ['IpmiPsuRedundancyLost'] });
    expect(nova().model.host(host)).toMatchObject({ status: 'disabled', forcedDown: false });
    expect(nova().model.host(host)?.disabledReason).toMatch(/^vigil: quarantine \(IpmiPsuRedundancyLost\)/);
    for (const id of instances) {
      expect(nova().model.server(id)).toMatchObject({ vmState: 'active', taskState: null });
      expect(nova().model.server(id)?.host).not.toBe(host);
      expect(nova().evacuateCalls(id)).toBe(0);
    }
    expect(nova().calls('POST /servers/{id}/action:os-migrateLive')).toBeGreaterThanOrEqual(instances.length);
    // Never fenced: nothing was powered off, and no incident was opened.
    expect(stack.sim.powerLog.powerOffs()).toEqual([]);
    expect(await stack.api.notifications()).toEqual([]);

    // The operator sees it and ends it with the CLI; the cancel is audited (who, why, when).
    const listed = await vigil(['quarantine']);
    expect(listed).toMatchObject({ code: 0, err: '' });
    expect(listed.out).toMatch(new RegExp(`${host}\\s+drain\\s+\\S+\\s+IpmiPsuRedundancyLost`));
    const cancelled = await vigil(['quarantine-cancel', host, '--reason', 'PSU swapped']);
    expect(cancelled).toMatchObject({ code: 0, err: '' });
    expect(cancelled.out).toContain(`quarantine of ${host} ended (it had: IpmiPsuRedundancyLost)`);
    expect(nova().model.host(host)?.status).toBe('enabled');
    const after = await call<{ quarantine: Quarantine[]; audit: Record<string, unknown>[] }>(
      'GET',
      '/vigil/v1/quarantine',
    );
    expect(after.body.quarantine).toEqual([]);
    expect(after.body.audit).toEqual([
      {
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        action: 'cancel',
        host,
        who: expect.any(String) as unknown,
        why: 'PSU swapped',
        signals: ['IpmiPsuRedundancyLost'],
      },
    ]);
    expect((await vigil(['quarantine'])).out).toMatch(new RegExp(`cancel\\s+${host}\\s+\\S+\\s+PSU swapped`));
    expect(
      (await call('POST', `/vigil/v1/hosts/${host}/quarantine/cancel`, { reason: 'again' })).status,
    ).toBe(404);
  }, 300_000);

  it('an alert storm across a rack is held to the storm limits: one host quarantined, the others refused', async () => {
    const rack = stack.sim.plan.hosts.filter((h) => h.rack === 'rack-02').map((h) => h.name);
    expect(rack).toHaveLength(3);
    expect(await alert(rack, 'PsuRedundancyLost')).toBe(200);
    const list = await waitFor(
      async () => {
        const q = await quarantined();
        return q.length > 0 ? q : undefined;
      },
      { timeoutMs: STALL_MS, what: 'a quarantine from the storm' },
    );
    expect(list).toHaveLength(1);
    const limited = rack.filter((h) => h !== list[0]?.host);
    for (const h of limited) expect(nova().model.host(h)?.status).toBe('enabled');
    const log = await waitFor(
      () => {
        const text = readFileSync(stack.controller.logFile, 'utf8');
        return limited.every((h) => text.includes(h) && /quarantine refused by the storm limits/.test(text))
          ? text
          : undefined;
      },
      { what: 'the refusals logged' },
    );
    expect(log).toMatch(/storm limit: 1 hosts of the segment entered quarantine within 60000 ms/);
    expect(stack.sim.powerLog.powerOffs()).toEqual([]);
  }, 300_000);
});
