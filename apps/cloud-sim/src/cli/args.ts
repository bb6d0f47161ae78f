import { parseArgs as parseNodeArgs } from 'node:util';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { parseScenario, type Scenario } from '../scenario/scenario';

export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  flags: Map<string, string | true>;
}

type OptionKind = 'string' | 'boolean';

/** Flags that override scenario keys: flag → path in the scenario. */
const SCENARIO_FLAGS: Record<string, string[]> = {
  seed: ['seed'],
  hosts: ['hosts'],
  'hosts-per-rack': ['hostsPerRack'],
  segments: ['segments'],
  'reserved-per-segment': ['reservedPerSegment'],
  instances: ['instances'],
  'ha-enabled-percent': ['haEnabledPercent'],
  'stopped-percent': ['stoppedPercent'],
  'heartbeat-interval-ms': ['timing', 'heartbeatIntervalMs'],
  'service-down-time-ms': ['timing', 'serviceDownTimeMs'],
  'report-interval-ms': ['timing', 'reportIntervalMs'],
  'rebuild-ms': ['timing', 'rebuildMs'],
  'nova-latency-ms': ['timing', 'novaApiLatencyMs'],
  'api-port': ['ports', 'api'],
};

export const SCENARIO_FLAG_NAMES = Object.keys(SCENARIO_FLAGS);

const scenarioOptions = (): Record<string, OptionKind> => ({
  scenario: 'string',
  ...Object.fromEntries(SCENARIO_FLAG_NAMES.map((name) => [name, 'string' as const])),
});

/** Each command's flags; anything else is refused (a typo must not silently run the default). */
const COMMAND_OPTIONS: Record<string, Record<string, OptionKind>> = {
  serve: {
    ...scenarioOptions(),
    controller: 'string',
    'master-key-file': 'string',
    'keystone-out': 'string',
    'log-level': 'string',
  },
  inject: {
    api: 'string',
    'duration-ms': 'string',
    label: 'string',
    bmcs: 'string',
    'delay-ms': 'string',
    'latency-ms': 'string',
    'fail-rate': 'string',
    'fail-status': 'string',
  },
  demo: {
    ...scenarioOptions(),
    once: 'boolean',
    'work-dir': 'string',
    'controller-main': 'string',
    'timeout-ms': 'string',
  },
};

/**
 * `<command> [positionals] [--flag value | --flag=value | --switch]`, strictly: a flag the command
 * does not know, or a value missing, is a BAD_REQUEST naming it. No command (or `help`) takes no flags.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const command = argv[0]?.startsWith('-') ? undefined : argv[0];
  const declared = COMMAND_OPTIONS[command ?? ''] ?? {};
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({
      args: [...argv.slice(command === undefined ? 0 : 1)],
      options: Object.fromEntries(Object.entries(declared).map(([name, type]) => [name, { type }])),
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    // node:util's own hint (quote it after `--`) is about positionals and misleads here: first sentence only.
    const why = String((err as { message?: unknown }).message ?? err).split('. ')[0];
    throw new VigilError(ErrorCode.BAD_REQUEST, `${command ?? 'cloud-sim'}: ${why}`);
  }
  const flags = new Map<string, string | true>();
  for (const [name, value] of Object.entries(parsed.values))
    if (typeof value === 'string') flags.set(name, value);
    else if (value === true) flags.set(name, true);
  return { command, positionals: parsed.positionals, flags };
}

/** The scenario file's content (already parsed YAML, or `{}`) with the flags laid over it. */
export function scenarioFromFlags(base: unknown, flags: ParsedArgs['flags']): Scenario {
  const merged = structuredClone((base ?? {}) as Record<string, unknown>);
  for (const [flag, path] of Object.entries(SCENARIO_FLAGS)) {
    const raw = flags.get(flag);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (raw === true || !Number.isFinite(value))
      throw new VigilError(ErrorCode.BAD_REQUEST, `--${flag} needs a number`);
    let node = merged;
    for (const key of path.slice(0, -1)) {
      const child = node[key];
      node[key] = typeof child === 'object' && child !== null ? child : {};
      node = node[key] as Record<string, unknown>;
    }
    node[path.at(-1) ?? flag] = value;
  }
  return parseScenario(merged);
}
