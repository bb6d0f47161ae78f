import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Cloud, findCloudsYaml, readCloud } from './cloud';
import { Harness, until } from './harness';
import { type MasakariRun, masakariHostFailure } from './masakari';
import { PeerNetwork, removeAllRules } from './peer-network';
import { deleteServers } from './servers';
import { deployVigil, osEnv, type VigilDeployment } from './vigil';
import { resultsTable, type VigilRun } from './table';

const ROOT = resolve(__dirname, '../..');
const log = (s: string): void => {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cloud: { type: 'string', default: 'harness' },
      clouds: { type: 'string' },
      harness: { type: 'string', default: resolve(ROOT, '../shared/openstack') },
      work: { type: 'string', default: '/tmp/vigil-acceptance' },
      counts: { type: 'string', default: '3,10' },
      only: { type: 'string' },
      // Hosts the drills fail (default: the first compute for both).
      'power-host': { type: 'string' },
      'hang-host': { type: 'string' },
      'no-lifecycle': { type: 'boolean' },
      'probation-ms': { type: 'string', default: '20000' },
      flavor: { type: 'string', default: 'tiny' },
      image: { type: 'string', default: 'fake-image' },
      out: { type: 'string', default: join(ROOT, 'bench/results/acceptance-openstack.json') },
    },
  });
  const counts = (values.counts ?? '3').split(',').map(Number);
  const cloudsFile = findCloudsYaml(values.clouds);
  const cloud = new Cloud(readCloud(cloudsFile, values.cloud ?? 'harness'));
  await cloud.login();
  const harness = new Harness(values.harness ?? '');
  const hosts = harness.computes();
  if (hosts.length < 2) throw new Error(`the harness has ${hosts.length} computes; 2 or more are needed`);
  const flavorId = await cloud.flavorId(values.flavor ?? 'tiny');
  const imageId = await cloud.imageId(values.image ?? 'fake-image');
  log(
    `cloud ${values.cloud} (${cloudsFile}): computes ${hosts.join(' ')}, flavor ${flavorId}, image ${imageId}`,
  );
  const started = new Date().toISOString();
  const masakari: MasakariRun[] = [];
  const vigil: VigilRun[] = [];
  // A run of one system keeps the other system's rows of the results file, marked with their run.
  const previous = carriedOver(values.out ?? '', values.only);
  const lifecycle: Record<string, unknown> = {};
  const errors: string[] = [];
  const save = (): void => {
    const results = {
      what: 'acceptance on a real OpenStack: failure → every server ACTIVE on another host, Vigil drills beside Masakari',
      started,
      finished: new Date().toISOString(),
      cloud: {
        name: values.cloud,
        computes: hosts,
        nova: { report_interval_s: 10, service_down_time_s: 60 },
      },
      conditions:
        'OpenStack Zed from Debian packages on loopback (../shared/openstack), fake virt driver, 4 computes, one ipmi_sim BMC per compute tied to its processes; Vigil monitors with peer witnesses, each on its own loopback address, dropped (iptables) while its host is dead; 2-core machine shared with other work',
      vigil: values.only === 'masakari' ? previous.vigil : vigil,
      masakari: values.only === 'vigil' ? previous.masakari : masakari,
      lifecycle: values.only === 'masakari' ? previous.lifecycle : lifecycle,
      errors,
    };
    mkdirSync(join(values.out ?? '', '..'), { recursive: true });
    writeFileSync(values.out ?? '', JSON.stringify(results, null, 2) + '\n');
  };

  for (const host of hosts) {
    await harness.startBmc(host);
    if ((await harness.power(host)) === 'off') await harness.ipmi(host, 'chassis', 'power', 'on');
  }
  await until('every compute up and enabled in Nova', async () => {
    for (const h of hosts) {
      const s = await cloud.service(h);
      if (s.state !== 'up' || s.status !== 'enabled' || s.forced_down) return false;
    }
    return true;
  });

  // A host per run: Masakari ignores a second COMPUTE_HOST notification for the same host within
  // duplicate_notification_detection_interval (180 s) as a duplicate (409), as this run met.
  const masakariHost = (i: number): string => hosts[1 + (i % (hosts.length - 1))] ?? hosts[0] ?? '';
  if (values.only !== 'vigil')
    for (const [i, count] of counts.entries()) {
      try {
        masakari.push(
          await masakariHostFailure(
            cloud,
            harness,
            { host: masakariHost(i), count, flavorId, imageId, hosts },
            log,
          ),
        );
      } catch (err) {
        errors.push(`masakari ${count}: ${(err as Error).message}`);
        log(`masakari ${count} FAILED: ${(err as Error).message}`);
      }
      save();
    }

  if (values.only !== 'masakari') {
    // Dead hosts' peer addresses are dropped with iptables: every rule goes on any exit of this process
    // (a normal end, an error, Ctrl-C, SIGTERM); rules a killed run left are removed here first.
    removeAllRules();
    const peers = new PeerNetwork(harness, hosts);
    process.on('exit', () => peers.close());
    peers.followPower();
    // Read by the signal handler, which is in place before the deployment exists.
    const deployed: { current?: VigilDeployment } = {};
    const onSignal = (signal: NodeJS.Signals): void => {
      log(`${signal}: stopping the Vigil deployment (a running drill is aborted by its CLI's own Ctrl-C)`);
      peers.close();
      void (deployed.current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    const deployment = await deployVigil(
      cloud,
      harness,
      { root: ROOT, work: values.work ?? '', hosts, probationMs: Number(values['probation-ms']), peers },
      log,
    );
    deployed.current = deployment;
    try {
      for (const scenario of ['power-loss', 'kernel-hang'] as const)
        for (const count of counts) {
          const drillHost =
            (scenario === 'kernel-hang' ? values['hang-host'] : values['power-host']) ?? hosts[0] ?? '';
          try {
            vigil.push(
              await drill(cloud, deployment, {
                host: drillHost,
                scenario,
                count,
                flavorId,
                imageId,
                work: values.work ?? '',
              }),
            );
          } catch (err) {
            errors.push(`vigil ${scenario} ${count}: ${(err as Error).message}`);
            log(`vigil ${scenario} ${count} FAILED: ${(err as Error).message}`);
          }
          save();
        }
      if (!values['no-lifecycle'])
        try {
          Object.assign(
            lifecycle,
            await hostLifecycle(cloud, harness, deployment, {
              host: hosts[2] ?? hosts[0] ?? '',
              flavorId,
              imageId,
              work: values.work ?? '',
            }),
          );
        } catch (err) {
          errors.push(`lifecycle: ${(err as Error).message}`);
          log(`lifecycle FAILED: ${(err as Error).message}`);
        }
      save();
    } finally {
      await deployment.stop();
      peers.close();
    }
  }
  save();
  log(`results written to ${values.out}`);
  process.stdout.write(
    `\n${resultsTable(vigil, values.only === 'vigil' ? (previous.masakari as MasakariRun[]) : masakari)}\n`,
  );
  if (errors.length > 0) log(`errors: ${errors.join(' | ')}`);
  return errors.length === 0 && vigil.every((r) => r.outcome === 'passed') ? 0 : 1;
}

/** The rows of the other system from an earlier results file, each marked with the run it came from. */
function carriedOver(
  file: string,
  only: string | undefined,
): { vigil: unknown[]; masakari: unknown[]; lifecycle: Record<string, unknown> } {
  const none = { vigil: [], masakari: [], lifecycle: {} };
  if (!only || !existsSync(file)) return none;
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as {
    started?: string;
    vigil?: Array<Record<string, unknown>>;
    masakari?: Array<Record<string, unknown>>;
    lifecycle?: Record<string, unknown>;
  };
  const mark = (rows: Array<Record<string, unknown>> | undefined): unknown[] =>
    (rows ?? []).map((r) => ({ ...r, fromRun: r.fromRun ?? earlier.started }));
  return {
    vigil: mark(earlier.vigil),
    masakari: mark(earlier.masakari),
    lifecycle: earlier.lifecycle ?? {},
  };
}

/** One drill through the vigil CLI, as an operator runs it; returns its report in short. */
async function drill(
  cloud: Cloud,
  deployment: VigilDeployment,
  opts: {
    host: string;
    scenario: 'power-loss' | 'kernel-hang';
    count: number;
    flavorId: string;
    imageId: string;
    work: string;
    leaveFailed?: boolean;
    tag?: string;
  },
): Promise<VigilRun> {
  const report = join(opts.work, `drill-${opts.tag ?? ''}${opts.scenario}-${opts.count}.json`);
  const args = [
    join(ROOT, 'dist/apps/cli/main.js'),
    '--url',
    deployment.url,
    'drill',
    opts.host,
    '--flavor',
    opts.flavorId,
    '--image',
    opts.imageId,
    '--canaries',
    String(opts.count),
    '--yes',
    opts.host,
    '--report',
    report,
    ...(opts.scenario === 'kernel-hang' ? ['--fail', 'kernel-hang'] : []),
    ...(opts.leaveFailed ? ['--leave-failed'] : []),
  ];
  log(`vigil drill: ${opts.scenario}, ${opts.count} servers on ${opts.host}`);
  const t0 = Date.now();
  const code = await new Promise<number>((resolveExit) => {
    const child = spawn('node', args, { env: osEnv(cloud.auth), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => process.stdout.write(b.toString().replace(/^(?=.)/gm, '    ')));
    child.stderr.on('data', (b: Buffer) => process.stdout.write(b.toString().replace(/^(?=.)/gm, '    ! ')));
    child.on('exit', (c) => resolveExit(c ?? 1));
  });
  const r = JSON.parse(readFileSync(report, 'utf8')) as {
    outcome: string;
    figures: Record<string, number>;
    checks: VigilRun['checks'];
    leftBehind: string[];
  };
  log(`vigil drill ${opts.scenario} ${opts.count}: exit ${code}, ${r.outcome}`);
  return {
    system: 'vigil',
    scenario: opts.scenario,
    servers: opts.count,
    host: opts.host,
    outcome: r.outcome,
    verdictS: r.figures.verdictS,
    fencedS: r.figures.fencedS,
    firstActiveElsewhereS: r.figures.firstActiveElsewhereS,
    allActiveElsewhereS: r.figures.allActiveElsewhereS,
    checks: r.checks,
    leftBehind: r.leftBehind,
    drillS: Math.round((Date.now() - t0) / 100) / 10,
    report,
  };
}

/**
 * A host's whole life through the production wiring (issue 15): a drill leaves it failed (Vigil
 * recovered it), it is repaired (powered on through its BMC), reinstated with `vigil reinstate`, and a
 * second drill fails it again and checks the second recovery. No Nova or Masakari call by hand.
 */
async function hostLifecycle(
  cloud: Cloud,
  harness: Harness,
  deployment: VigilDeployment,
  opts: { host: string; flavorId: string; imageId: string; work: string },
): Promise<Record<string, unknown>> {
  const host = opts.host;
  const first = await drill(cloud, deployment, {
    ...opts,
    scenario: 'power-loss',
    count: 3,
    leaveFailed: true,
    tag: 'lifecycle-1-',
  });
  const firstReport = JSON.parse(readFileSync(first.report, 'utf8')) as { canaries: Array<{ id: string }> };
  const tRepair = Date.now();
  log(`lifecycle: repairing ${host}: power on through its BMC`);
  await harness.ipmi(host, 'chassis', 'power', 'on');
  const cli = (...args: string[]): Promise<{ code: number; out: string }> =>
    new Promise((resolveExit) => {
      let out = '';
      const child = spawn('node', [join(ROOT, 'dist/apps/cli/main.js'), '--url', deployment.url, ...args], {
        env: osEnv(cloud.auth),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.on('exit', (c) => resolveExit({ code: c ?? 1, out }));
    });
  let refusals = 0;
  let lastRefusal = '';
  const accepted = await until(
    `vigil reinstate ${host} accepted`,
    async () => {
      const res = await cli(
        'reinstate',
        host,
        '--reason',
        'acceptance: repaired (powered on through its BMC)',
      );
      if (res.code === 0) return res.out;
      refusals++;
      if (res.out !== lastRefusal) log(`lifecycle: reinstate refused: ${res.out.trim()}`);
      lastRefusal = res.out;
      return undefined;
    },
    600_000,
    3000,
  );
  const reinstateAcceptedS = (Date.now() - tRepair) / 1000;
  log(`lifecycle: ${accepted.trim()}`);
  await until(
    `${host} back in service`,
    async () => {
      const s = await cloud.service(host);
      const shown = await cli('host', host);
      return (
        s.status === 'enabled' &&
        !s.forced_down &&
        s.state === 'up' &&
        shown.out.includes(`${host}: up since`)
      );
    },
    600_000,
    2000,
  );
  const backInServiceS = (Date.now() - tRepair) / 1000;
  log(`lifecycle: ${host} back in service ${backInServiceS.toFixed(1)} s after power-on`);
  await deleteServers(
    cloud,
    firstReport.canaries.map((c) => c.id),
  );
  const second = await drill(cloud, deployment, {
    ...opts,
    scenario: 'power-loss',
    count: 3,
    tag: 'lifecycle-2-',
  });
  return {
    host,
    firstFailure: first,
    repair: {
      reinstateAcceptedAfterPowerOnS: Math.round(reinstateAcceptedS * 10) / 10,
      reinstateRefusalsBeforeAccepted: refusals,
      lastRefusal: lastRefusal.trim(),
      backInServiceAfterPowerOnS: Math.round(backInServiceS * 10) / 10,
    },
    secondFailure: second,
  };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`acceptance: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
