import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@vigil/config';
import { LogCapture, waitFor } from '@vigil/testing';
import { runCli } from '../../apps/cli/src/run';
import { type DemoStack, startDemoStack } from '../../apps/cloud-sim/src/demo/demo-stack';
import { parseScenario } from '../../apps/cloud-sim/src/scenario/scenario';
import { controllerCall } from './cloud-sim-support/controller-call';
import { ensureBuilt } from './support/ensure-built';

const STALL_MS = 60_000;

interface Report {
  id: string;
  outcome: string;
  reason?: string;
  phase: string;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  canaries: Array<{ id: string; name: string; host?: string; evacuations?: number; deleted: boolean }>;
  figures: Record<string, number>;
  leftBehind: string[];
  failedAt?: number;
  incidentId?: string;
}

/**
 * `vigil drill` through the production wiring: the built controller as a child process (Nest module
 * graph, embedded Redis), cloud-sim's Keystone, Nova and Redfish BMCs, simulated host monitors; the CLI
 * as an operator runs it. Ground truth is read from the simulated Nova, not from the drill's report.
 */
describe('vigil drill on cloud-sim', () => {
  let stack: DemoStack;
  let workDir: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    const controllerMainJs = ensureBuilt('controller');
    workDir = mkdtempSync(join(tmpdir(), 'vigil-drill-'));
    const logger = createLogger({ name: 'cloud-sim', level: 'info', destination: logs });
    stack = await startDemoStack({
      scenario: parseScenario({
        hosts: 5,
        hostsPerRack: 5,
        segments: 1,
        reservedPerSegment: 0,
        instances: 2,
        stoppedPercent: 0,
        timing: { heartbeatIntervalMs: 300, serviceDownTimeMs: 1_500, rebuildMs: 200 },
        ports: { api: 0 },
      }),
      workDir,
      controllerMainJs,
      logger,
      monitorLogger: logger,
      controllerConfig: { recovery: { probationMs: 1_000 }, drill: { pollIntervalMs: 100 } },
    });
    const segment = (await call<{ segments: Array<{ uuid: string }> }>('GET', '/v1/segments')).body
      .segments[0];
    await call('PUT', `/v1/segments/${segment?.uuid ?? ''}`, { segment: { recovery_method: 'auto' } });
    await waitFor(async () => ((await stack.api.cluster()).up ?? []).length === 5, {
      timeoutMs: STALL_MS,
      what: 'all 5 hosts up at the controller',
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const nova = () => stack.sim.openstack.nova.model;
  const call = controllerCall(() => stack.controllerUrl);
  const drill = async (
    args: string[],
    onOut?: (s: string, abort: () => void) => void,
  ): Promise<{ code: number; out: string; report: Report }> => {
    let out = '';
    let abort: () => void = () => undefined;
    const file = join(workDir, `report-${Date.now()}.json`);
    const code = await runCli(
      ['--url', stack.controllerUrl, '--noauth', 'drill', ...args, '--report', file],
      {},
      (s) => (out += s),
      {
        out: (s) => {
          out += s;
          onOut?.(s, abort);
        },
        onInterrupt: (fn) => {
          abort = fn;
          return () => undefined;
        },
        pollMs: 100,
      },
    );
    return { code, out, report: JSON.parse(readFileSync(file, 'utf8')) as Report };
  };
  const emptyHost = (): string => {
    const host = stack.sim.plan.hosts.find(
      (h) => nova().servers({ host: h.name }).length === 0 && nova().host(h.name)?.status === 'enabled',
    );
    if (!host) throw new Error('no empty enabled host in the scenario');
    return host.name;
  };
  const busyHost = (): string => {
    const host = stack.sim.plan.hosts.find((h) => nova().servers({ host: h.name }).length > 0);
    if (!host) throw new Error('no host with instances in the scenario');
    return host.name;
  };
  const drillServers = () =>
    nova()
      .servers()
      .filter((s) => s.metadata.vigil_drill !== undefined);

  it('refuses without the host name typed back, and a host carrying other instances unless told', async () => {
    const host = emptyHost();
    const wrong = await drill([host, '--flavor', 'tiny', '--image', 'fake', '--yes', 'not-the-host']);
    expect(wrong.code).toBe(3);
    expect(wrong.report.outcome).toBe('refused');
    expect(wrong.report.reason).toContain(`the host name was not typed back`);
    expect(wrong.out).toContain('REFUSED');

    const busy = busyHost();
    const carrying = await drill([busy, '--flavor', 'tiny', '--image', 'fake', '--yes', busy]);
    expect(carrying.report.outcome).toBe('refused');
    expect(carrying.report.reason).toMatch(/carries \d+ instance\(s\) that are not the drill's/);
    expect(carrying.report.leftBehind).toEqual([]);
    // Nothing was created or failed.
    expect(drillServers()).toEqual([]);
    expect(nova().host(busy)).toMatchObject({ forcedDown: false, status: 'enabled' });
    expect(stack.sim.bmc.fencingTarget(busy)).toBeDefined();

    // Without a terminal to ask on and without --yes, the CLI does not start anything.
    let out = '';
    const code = await runCli(
      ['--url', stack.controllerUrl, '--noauth', 'drill', host, '--flavor', 'tiny', '--image', 'fake'],
      {},
      (s) => (out += s),
      { out: (s) => (out += s) },
    );
    expect(code).toBe(2);
    expect(out).toContain(`--yes ${host}`);
  }, 120_000);

  it('a clean drill: canaries moved once each, only the host powered off, then repaired and cleaned up', async () => {
    const host = emptyHost();
    const others = stack.sim.plan.hosts.map((h) => h.name).filter((h) => h !== host);
    const { code, out, report } = await drill([
      host,
      '--flavor',
      'tiny',
      '--image',
      'fake',
      '--canaries',
      '3',
      '--yes',
      host,
    ]);
    expect(report.reason).toBeUndefined();
    expect(code).toBe(0);
    expect(report.outcome).toBe('passed');
    expect(report.checks.length).toBeGreaterThanOrEqual(3 * 2 + 3);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.leftBehind).toEqual([]);
    expect(report.figures.allActiveElsewhereS).toBeGreaterThan(0);
    expect(out).toContain('PASSED');
    expect(out).toContain('left behind: nothing');
    // Ground truth from the simulated Nova: one evacuation per canary, canaries gone, host back.
    for (const c of report.canaries) {
      expect(stack.sim.openstack.nova.evacuateCalls(c.id)).toBe(1);
      expect(nova().migrations({ instanceUuid: c.id })).toHaveLength(1);
      expect(nova().server(c.id)).toBeUndefined();
    }
    expect(drillServers()).toEqual([]);
    expect(nova().host(host)).toMatchObject({ forcedDown: false, status: 'enabled', alive: true });
    for (const other of others) expect(nova().host(other)?.alive).toBe(true);
    const listed = await call<{ drills: Report[] }>('GET', '/vigil/v1/drills');
    expect(listed.body.drills[0]).toMatchObject({ id: report.id, outcome: 'passed' });
  }, 300_000);

  it('an interrupted drill cleans up and says exactly what it left behind', async () => {
    const host = emptyHost();
    let aborted = false;
    const { code, out, report } = await drill(
      [host, '--flavor', 'tiny', '--image', 'fake', '--canaries', '2', '--yes', host],
      (s, abort) => {
        if (!aborted && s.includes('canaries requested')) {
          aborted = true;
          abort();
        }
      },
    );
    expect(aborted).toBe(true);
    expect(code).toBe(1);
    expect(report.outcome).toBe('aborted');
    expect(out).toContain('interrupted: asking the controller to abort the drill and clean up');
    expect(report.canaries.every((c) => c.deleted)).toBe(true);
    expect(drillServers()).toEqual([]);
    // What it says it left behind is what is true: the host failed only if the drill got that far.
    const failed = report.failedAt !== undefined;
    expect(report.leftBehind.some((l) => l.includes(host))).toBe(failed);
    expect(report.leftBehind.filter((l) => !l.includes(host))).toEqual([]);
    // A second abort of a finished drill is a clear 409.
    const again = await call('POST', `/vigil/v1/drills/${report.id}/abort`);
    expect(again.status).toBe(409);
  }, 300_000);
});
