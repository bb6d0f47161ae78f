import { parseArgs } from 'node:util';
import { createLogger } from '@vigil/config';
import { VigilApiClient } from './api-client';
import { loadCliConfig } from './cli-config';
import { COMMANDS } from './commands';
import { DRILL_USAGE, type DrillIo, runDrill, terminalIo } from './drill';
import { monitorSecret } from './monitor-secret';

const HELP = `vigil — operate a Vigil controller (what Masakari's CLI cannot do)

usage: vigil [--url URL] [--noauth] [--json] <command> [args]

${Object.values(COMMANDS)
  .map((c) => `  ${c.usage.padEnd(54)} ${c.summary}`)
  .join('\n')}
  ${'monitor-secret <host> [--out FILE]'.padEnd(54)} the host monitor's secret (0600 file, or stdout), from the controller's env
  ${DRILL_USAGE}
  ${''.padEnd(54)} failover drill: canaries on the host, fail it, check Vigil's recovery, repair, report

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
      url: { type: 'string' },
      noauth: { type: 'boolean' },
      json: { type: 'boolean' },
      reason: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...args] = positionals;
  if (name === 'monitor-secret' && args[0]) return monitorSecret(args[0], env, out, values.out);
  const command = name ? COMMANDS[name] : undefined;
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
  const result = await command.run(api, args, { reason: values.reason });
  out(values.json ? JSON.stringify(result.json, null, 2) + '\n' : result.text + '\n');
  return 0;
}

/** The first positional argument (global options with a value are skipped). */
function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--url' || a === '--reason' || a === '--out') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}
