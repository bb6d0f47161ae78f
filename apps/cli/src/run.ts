import { parseArgs } from 'node:util';
import { createLogger } from '@vigil/config';
import { VigilApiClient } from './api-client';
import { GLOBAL_OPTIONS, loadCliConfig } from './cli-config';
import { DRILL_USAGE, type DrillIo, runDrill, terminalIo } from './drill';
import { ALL_COMMANDS } from './registry';
import { monitorSecret } from './monitor-secret';

const HELP = `vigil — operate a Vigil controller (what Masakari's CLI cannot do)

usage: vigil [--url URL] [--noauth] [--json] <command> [args]

${Object.values(ALL_COMMANDS)
  .map((c) => `  ${c.usage}\n      ${c.summary}`)
  .join('\n')}
  monitor-secret <host> [--out FILE]
      the host monitor's secret (0600 file, or stdout), from the controller's env
  ${DRILL_USAGE}
      failover drill: canaries on the host, fail it, check Vigil's recovery, repair, report

Authentication as the openstack client: OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME,
OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME (or OS_APPLICATION_CREDENTIAL_ID/_SECRET).
Controller URL: --url, VIGIL_URL, or the instance-ha endpoint of the catalog.
`;

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  drillIo: DrillIo = terminalIo(out),
): Promise<number> {
  if (commandOf(argv) === 'drill') return runDrill(argv, env, drillIo);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...GLOBAL_OPTIONS,
      reason: { type: 'string' },
      out: { type: 'string' },
      scope: { type: 'string' },
      segment: { type: 'string' },
      fencing: { type: 'string' },
      reserved: { type: 'boolean' },
      'controller-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...args] = positionals;
  if (name === 'monitor-secret' && args[0]) return monitorSecret(args[0], env, out, values.out);
  // Two-word commands (`host enrol`) first, so `vigil host cmp-01` stays the one-word `host`.
  const twoWords = name && args[0] ? ALL_COMMANDS[`${name} ${args[0]}`] : undefined;
  if (twoWords) args.shift();
  const command = twoWords ?? (name ? ALL_COMMANDS[name] : undefined);
  if (values.help || !command) {
    out(HELP);
    return values.help ? 0 : 2;
  }
  if (args.length < command.args.length) {
    out(`usage: vigil ${command.usage}\n`);
    return 2;
  }
  if (command.reason && !values.reason) {
    out(`vigil ${name}: --reason is required (it goes to the audit trail)\n`);
    return 2;
  }
  const config = loadCliConfig(env, { url: values.url, noauth: values.noauth });
  const api = new VigilApiClient(
    config,
    createLogger({ name: 'vigil-cli', level: 'warn', format: 'pretty' }),
  );
  const result = await command.run(api, args, {
    reason: values.reason,
    scope: values.scope,
    segment: values.segment,
    fencing: values.fencing,
    reserved: values.reserved,
    out: values.out,
    controllerUrl: values['controller-url'],
    keystone: config.keystone !== undefined,
    env,
  });
  out(values.json ? JSON.stringify(result.json, null, 2) + '\n' : result.text + '\n');
  return result.exitCode ?? 0;
}

/** Global options that take a value: their value is not the command. */
const VALUED_OPTIONS = new Set([
  '--url',
  '--reason',
  '--out',
  '--scope',
  '--segment',
  '--fencing',
  '--controller-url',
]);

/** The first positional argument (global options with a value are skipped). */
function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (VALUED_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}
