import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { hostMonitorConfigSchema } from '@vigil/config';
import { deriveHostSecret } from '@vigil/contracts';
import { waitFor } from '@vigil/testing';
import { type DemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { allHostsUp, type SimulatedCloud, startSimulatedCloud } from './cloud-sim-support/simulated-cloud';
import { ensureBuilt, ROOT } from './support/ensure-built';

const OPERATOR = { username: 'oper', password: 'oper-pw-1', project: 'service' };
/** Stall limits for a loaded 2-core machine, not performance assertions. */
const STALL_MS = 120_000;

/**
 * The operator CLI as installed (`bin/vigil`, the built CLI in its own process) against the built
 * controller (Keystone auth) and cloud-sim's Keystone, Nova and Redfish BMCs: the runbook steps an
 * operator takes, from enrolling a host to fixing a wrong BMC password and retrying the incident.
 */
describe('vigil CLI for the whole job (built CLI, built controller, cloud-sim)', () => {
  let cloud: SimulatedCloud;
  let stack: DemoStack;
  let files: string;
  let masterKey: string;
  let segment: string;

  beforeAll(async () => {
    ensureBuilt('cli');
    cloud = await startSimulatedCloud({
      scenario: {
        hosts: 5,
        hostsPerRack: 5,
        segments: 1,
        reservedPerSegment: 1,
        instances: 6,
        stoppedPercent: 0,
        timing: { heartbeatIntervalMs: 300, serviceDownTimeMs: 1_500, rebuildMs: 200 },
      },
      controllerMainJs: ensureBuilt('controller'),
      controllerConfig: { auth: { strategy: 'keystone' } },
    });
    stack = cloud.stack;
    stack.sim.openstack.keystone.addUser({
      name: OPERATOR.username,
      password: OPERATOR.password,
      roles: { service: ['admin'] },
    });
    const config = parseYaml(readFileSync(join(cloud.workDir, 'controller.yaml'), 'utf8')) as {
      intake: { heartbeatMasterKey: string };
    };
    masterKey = config.intake.heartbeatMasterKey;
    segment = stack.sim.plan.segments[0] ?? '';
    files = mkdtempSync(join(tmpdir(), 'vigil-cli-files-'));
    await allHostsUp(stack, STALL_MS);
  }, 300_000);

  afterAll(async () => {
    await cloud?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  /** `bin/vigil ARGS` with the operator's OS_* variables (and `extraEnv`); never rejects. */
  const vigil = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bin/vigil'), '--url', stack.controllerUrl, ...args],
        {
          env: {
            PATH: process.env.PATH,
            OS_AUTH_URL: stack.sim.openstack.keystoneConfig.authUrl,
            OS_USERNAME: OPERATOR.username,
            OS_PASSWORD: OPERATOR.password,
            OS_PROJECT_NAME: OPERATOR.project,
            OS_INTERFACE: 'internal',
            ...extraEnv,
          },
          timeout: STALL_MS,
        },
        (error, stdout, stderr) =>
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
            out: stdout,
            err: stderr,
          }),
      );
    });
  const settingsFile = (name: string, settings: object): string => {
    const path = join(files, name);
    writeFileSync(path, JSON.stringify(settings), { mode: 0o600 });
    return path;
  };
  const hostOf = (predicate: (h: { name: string; reserved: boolean }) => boolean): string => {
    const host = stack.sim.plan.hosts.find(predicate);
    if (!host) throw new Error('no such host in the scenario');
    return host.name;
  };
  const withInstances = (name: string): boolean =>
    stack.sim.openstack.nova.model.servers({ host: name }).length > 0;

  it('vigil check: every host ready, a table and exit 0', async () => {
    const check = await vigil(['check']);
    expect(check).toMatchObject({ code: 0, err: '' });
    expect(check.out).toContain('keystone: token issued and accepted by the controller');
    expect(check.out).toMatch(/controller: http:\/\/127\.0\.0\.1:\d+ ready/);
    for (const h of stack.sim.plan.hosts)
      expect(check.out).toMatch(
        new RegExp(`${h.name}\\s+${segment}\\s+answers: on\\s+up/enabled\\s+heartbeating`),
      );
    expect(check.out).toContain('all 5 host(s) ready');
    const json = JSON.parse((await vigil(['--json', 'check'])).out) as {
      hosts: unknown[];
      problems: string[];
    };
    expect(json).toMatchObject({ problems: [] });
    expect(json.hosts).toHaveLength(5);
  });

  it('vigil host enrol: registers the host, stores and tests its fencing, writes the monitor secret and config 0600', async () => {
    // The segment's reserved host: it holds no instance, so it can leave and come back.
    const host = hostOf((h) => h.reserved);
    const uuid = stack.hostUuids.get(host) ?? '';
    // Take the host out of Vigil first, as if it were a new compute.
    const token = stack.sim.openstack.keystone.issueToken('vigil', 'service');
    const segments = (await (
      await fetch(`${stack.controllerUrl}/v1/segments`, { headers: { 'x-auth-token': token } })
    ).json()) as { segments: Array<{ uuid: string }> };
    const removed = await fetch(
      `${stack.controllerUrl}/v1/segments/${segments.segments[0]?.uuid}/hosts/${uuid}`,
      {
        method: 'DELETE',
        headers: { 'x-auth-token': token },
      },
    );
    expect(removed.status).toBe(204);
    expect((await vigil(['check', host])).err).toContain(`host ${host} is not registered in any segment`);

    const fencing = settingsFile('bmc.json', stack.sim.bmc.access(host));
    const out = join(files, 'monitor');
    const enrol = await vigil(
      ['host', 'enrol', host, '--segment', segment, '--reserved', '--fencing', fencing, '--out', out],
      {
        VIGIL_INTAKE__HEARTBEAT_MASTER_KEY: masterKey,
      },
    );
    expect(enrol).toMatchObject({ code: 0, err: '' });
    expect(enrol.out).toContain(`${host}: registered in segment ${segment} (reserved)`);
    expect(enrol.out).toContain('BMC: answers with these settings, power on');
    expect(enrol.out).toContain('nova-compute: up/enabled');
    expect(enrol.out).not.toContain(stack.sim.bmc.password);
    expect(enrol.out).not.toContain(deriveHostSecret(masterKey, host));
    for (const file of ['host-monitor.yaml', 'host-monitor.secret'])
      expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, 'host-monitor.secret'), 'utf8').trim()).toBe(
      deriveHostSecret(masterKey, host),
    );
    const monitorConfig = hostMonitorConfigSchema.parse(
      parseYaml(readFileSync(join(out, 'host-monitor.yaml'), 'utf8')),
    );
    expect(monitorConfig).toMatchObject({
      host,
      secretFile: '/etc/vigil/host-monitor.secret',
      controllerUrls: [stack.controllerUrl],
    });

    // Enrolling again changes nothing and says so; the fencing shows no secret.
    const again = await vigil(['host', 'enrol', host, '--segment', segment, '--fencing', fencing]);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`${host}: already registered`);
    expect(again.out).toContain('monitor secret: not derived');
    const shown = await vigil(['fencing', host]);
    expect(shown.out).toContain(`fencing of ${host}: redfish`);
    expect(shown.out).toContain('password set');
    expect(shown.out).not.toContain(stack.sim.bmc.password);

    // The host's monitor (same secret) is heard again: check passes for it.
    await waitFor(async () => (await vigil(['check', host])).code === 0, {
      timeoutMs: STALL_MS,
      what: `vigil check ${host} passing after enrolment`,
    });
  });

  it('a wrong BMC password: check names it and exits 1; the failure errors; fixed settings and retry recover it', async () => {
    const host = hostOf((h) => !h.reserved && withInstances(h.name));
    const instances = stack.sim.openstack.nova.model.servers({ host }).map((s) => s.id);
    const good = settingsFile('good.json', stack.sim.bmc.access(host));
    const bad = settingsFile('bad.json', { ...stack.sim.bmc.access(host), password: 'not-the-bmc-password' });
    const set = await vigil(['fencing-set', host, '--fencing', bad]);
    expect(set.code).toBe(0);
    expect(set.out).not.toContain('not-the-bmc-password');

    const check = await vigil(['check']);
    expect(check.code).toBe(1);
    expect(check.out).toMatch(new RegExp(`${host}\\s+${segment}\\s+DOES NOT ANSWER`));
    expect(check.out).toMatch(new RegExp(`- ${host}: the BMC does not answer with the stored settings`));
    expect(check.out).not.toContain('not-the-bmc-password');

    // It fails now: fencing cannot work, so nothing is evacuated and the incident stops in error.
    await fetch(`${stack.simApiUrl}/sim/hosts/${host}/power-off`, { method: 'POST' });
    const incident = await waitFor(
      async () => {
        const mine = (await stack.api.notifications()).find(
          (n) => n.source_host_uuid === stack.hostUuids.get(host),
        );
        return mine && ['error', 'failed'].includes(mine.status) ? mine.notification_uuid : undefined;
      },
      { timeoutMs: STALL_MS, what: `the incident of ${host} in error` },
    );
    for (const id of instances) expect(stack.sim.openstack.nova.evacuateCalls(id)).toBe(0);
    const listed = await vigil(['incidents']);
    expect(listed.out).toMatch(new RegExp(`${incident}\\s+COMPUTE_HOST\\s+(error|failed)`));
    const detail = await vigil(['incident', incident]);
    expect(detail.out).toContain('fencing failed, nothing evacuated');

    // Fix the settings, retry: fenced through the BMC and recovered.
    expect((await vigil(['retry', incident])).out).toContain('--reason is required');
    expect((await vigil(['fencing-set', host, '--fencing', good])).code).toBe(0);
    const retry = await vigil(['retry', incident, '--reason', 'BMC password corrected']);
    expect(retry).toMatchObject({ code: 0, err: '' });
    expect(retry.out).toContain(`incident ${incident}: retry queued`);
    await waitFor(async () => (await stack.api.notification(incident)).status === 'finished', {
      timeoutMs: STALL_MS,
      what: `incident ${incident} finished after the retry`,
    });
    for (const id of instances) expect(stack.sim.openstack.nova.evacuateCalls(id)).toBe(1);
    const audit = JSON.stringify(
      await (
        await fetch(`${stack.controllerUrl}/vigil/v1/audit`, {
          headers: { 'x-auth-token': stack.sim.openstack.keystone.issueToken(OPERATOR.username, 'service') },
        })
      ).json(),
    );
    expect(audit).toContain('BMC password corrected');

    // An incident that is over cannot be aborted: the API's refusal, readable, exit 1.
    const abort = await vigil(['abort', incident, '--reason', 'too late']);
    expect(abort.code).toBe(1);
    expect(abort.err).toMatch(/409 .*finished|409 .*over/);
  });

  it('maintenance on and off by hand, detection policy per segment, guard release with a scope', async () => {
    const host = hostOf((h) => h.reserved);
    const on = await vigil(['maintenance-on', host]);
    expect(on).toMatchObject({ code: 0, out: expect.stringContaining(`${host} is on maintenance`) });
    await waitFor(async () => (await stack.api.hostState(host))?.state === 'maintenance', {
      timeoutMs: STALL_MS,
      what: `${host} in maintenance at the controller`,
    });
    expect((await vigil(['host', host])).out).toMatch(new RegExp(`${host}: maintenance since`));
    const off = await vigil(['maintenance-off', host]);
    expect(off).toMatchObject({ code: 0, out: expect.stringContaining(`${host} is out of maintenance`) });
    await waitFor(async () => (await stack.api.hostState(host))?.state === 'up', {
      timeoutMs: STALL_MS,
      what: `${host} up again`,
    });

    const before = await vigil(['policy', segment]);
    expect(before.out).toMatch(/ovs\s+\w+/);
    expect(before.out).not.toMatch(/ovs\s+alert/);
    const set = await vigil(['policy-set', segment, 'ovs=alert', 'suspectHoldMs=1000']);
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/ovs\s+alert/);
    expect(JSON.parse((await vigil(['--json', 'policy', segment])).out)).toMatchObject({
      detection_policy: { ovs: 'alert' },
    });
    const invalid = await vigil(['policy-set', segment, 'ovs=explode']);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/400 .*ovs/);

    const pin = await vigil(['pin-storm-guard', '--scope', 'global', '--reason', 'nothing engaged']);
    expect(pin.code).toBe(1);
    expect(pin.err).toMatch(/409 Storm guard global is not engaged/);
    const release = await vigil(['release-storm-guard', '--scope', 'global', '--reason', 'nothing engaged']);
    expect(release.code).toBe(1);
    expect(release.err).toMatch(/409/);
  });
});
