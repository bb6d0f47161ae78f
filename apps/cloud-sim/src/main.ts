import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createLogger, type Logger } from '@vigil/config';
import { ErrorCode, isVigilError, VigilError } from '@vigil/contracts';
import { parseArgs, type ParsedArgs, scenarioFromFlags } from './cli/args';
import { INJECT_USAGE, injectRequest } from './cli/inject-command';
import { runDemo } from './demo/run-demo';
import { type Scenario } from './scenario/scenario';
import { CloudSim } from './sim/cloud-sim';
import { InjectionApi } from './sim/injection-api';

const USAGE = `cloud-sim: a simulated OpenStack cloud (Keystone, Nova, Redfish BMCs, host monitors) on loopback

  cloud-sim serve [--scenario file.yaml] [--hosts N] [--instances M] [--segments S] [--hosts-per-rack R]
                  [--reserved-per-segment K] [--seed X] [--heartbeat-interval-ms MS] [--service-down-time-ms MS] [--report-interval-ms MS]
                  [--rebuild-ms MS] [--nova-latency-ms MS] [--api-port P]
                  [--controller URL[,URL]] [--master-key-file FILE] [--keystone-out FILE] [--log-level L]
  cloud-sim ${INJECT_USAGE.split('\n').join('\n    ')}
  cloud-sim demo [--once] [--work-dir DIR] [--controller-main dist/apps/controller/main.js] [--timeout-ms MS]
                 [scenario flags as for serve]`;

/** The demo's cloud: 8 hosts in 2 racks and 2 segments, one reserved host each, 40 instances. */
const DEMO_DEFAULTS = {
  hosts: 8,
  hostsPerRack: 4,
  segments: 2,
  reservedPerSegment: 1,
  instances: 40,
  timing: { heartbeatIntervalMs: 1000, rebuildMs: 1500 },
};

const flag = (args: ParsedArgs, name: string): string | undefined => {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
};

function loadScenario(args: ParsedArgs, defaults: object = {}): Scenario {
  const file = flag(args, 'scenario');
  const base = file ? (parseYaml(readFileSync(file, 'utf8')) as unknown) : defaults;
  return scenarioFromFlags(base, args.flags);
}

function untilSignal(): Promise<string> {
  return new Promise((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('SIGINT'));
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
  });
}

async function serve(args: ParsedArgs, logger: Logger): Promise<number> {
  const scenario = loadScenario(args);
  const urls = flag(args, 'controller')?.split(',').filter(Boolean);
  const keyFile = flag(args, 'master-key-file');
  if (urls && !keyFile) throw new VigilError(ErrorCode.BAD_REQUEST, '--controller needs --master-key-file');
  const controller =
    urls && keyFile ? { urls, heartbeatMasterKey: readFileSync(keyFile, 'utf8').trim() } : undefined;
  const sim = await CloudSim.start({
    scenario,
    controller,
    logger,
    monitorLogger: logger.child({ component: 'monitor' }, { level: 'warn' }),
  });
  const api = new InjectionApi(sim);
  const apiUrl = await api.start(scenario.ports.api);
  const keystoneOut = flag(args, 'keystone-out');
  if (keystoneOut) {
    // The service credentials a controller needs; a file (0600), never stdout or argv.
    const k = sim.openstack.keystoneConfig;
    writeFileSync(
      keystoneOut,
      `keystone:\n  authUrl: ${k.authUrl}\n  username: ${k.username ?? ''}\n  password: ${k.password ?? ''}\n  projectName: ${k.projectName ?? ''}\n`,
      { mode: 0o600 },
    );
  }
  process.stdout.write(
    `${JSON.stringify({ ...sim.endpoints, simApi: apiUrl, hosts: sim.plan.hosts.length, instances: sim.plan.instances.length, unplaced: sim.plan.unplaced, monitors: controller ? 'on' : 'off' })}\n`,
  );
  await untilSignal();
  await api.stop();
  await sim.stop();
  return 0;
}

async function inject(args: ParsedArgs): Promise<number> {
  const request = injectRequest(args);
  const base = flag(args, 'api') ?? 'http://127.0.0.1:15870';
  const res = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: { 'content-type': 'application/json' },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(10_000),
  });
  process.stdout.write(`${await res.text()}\n`);
  return res.ok ? 0 : 1;
}

async function demo(args: ParsedArgs): Promise<number> {
  const once = args.flags.has('once');
  const scenario = loadScenario(args, DEMO_DEFAULTS);
  const workDir = resolve(flag(args, 'work-dir') ?? join(tmpdir(), `vigil-demo-${process.pid}`));
  mkdirSync(workDir, { recursive: true });
  const simLog = createWriteStream(join(workDir, 'cloud-sim.log'), { flags: 'a' });
  const logger = createLogger({ name: 'cloud-sim', level: 'info', destination: simLog });
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const run = await runDemo({
    scenario,
    workDir,
    controllerMainJs: resolve(flag(args, 'controller-main') ?? 'dist/apps/controller/main.js'),
    incidentTimeoutMs: Number(flag(args, 'timeout-ms') ?? 90_000),
    print,
    logger,
    monitorLogger: logger.child({ component: 'monitor' }, { level: 'warn' }),
  });
  if (once) {
    await run.stop();
    simLog.end();
    return run.ok ? 0 : 1;
  }
  print(`
Everything keeps running until Ctrl-C. Logs: ${workDir}
  controller API: ${run.controllerUrl}    sim API: ${run.simApiUrl}
  curl -s ${run.controllerUrl}/vigil/v1/cluster
  curl -s ${run.controllerUrl}/v1/notifications
  curl -s ${run.controllerUrl}/vigil/v1/hosts/${run.failedHost}/state
  curl -s ${run.simApiUrl}/sim/state?host=${run.failedHost}
  curl -s -X POST ${run.simApiUrl}/sim/hosts/${run.failedHost}/power-on
  node dist/apps/cloud-sim/main.js inject kernel-hang <host> --api ${run.simApiUrl}`);
  await untilSignal();
  await run.stop();
  simLog.end();
  return 0;
}

async function main(): Promise<number> {
  // Piped into `head`: a closed stdout must not crash the run before it stops what it started.
  process.stdout.on('error', () => undefined);
  const args = parseArgs(process.argv.slice(2));
  switch (args.command ?? 'help') {
    case 'serve':
      return serve(
        args,
        createLogger({
          name: 'cloud-sim',
          level: (flag(args, 'log-level') ?? 'info') as 'info',
          format: 'json',
        }),
      );
    case 'inject':
      return inject(args);
    case 'demo':
      return demo(args);
    default:
      process.stdout.write(`${USAGE}\n`);
      return args.command === undefined || args.command === 'help' ? 0 : 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `cloud-sim: ${isVigilError(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(isVigilError(err) && err.code === ErrorCode.BAD_REQUEST ? 2 : 1);
  },
);
