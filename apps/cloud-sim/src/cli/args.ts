import { ErrorCode, VigilError } from '@vigil/contracts';
import { parseScenario, type Scenario } from '../scenario/scenario';

export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  flags: Map<string, string | true>;
}

/** `--name value`, `--name=value` and bare `--flag`; everything else is positional. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(arg.slice(2), next);
      i += 1;
    } else flags.set(arg.slice(2), true);
  }
  const [command, ...rest] = positionals;
  return { command, positionals: rest, flags };
}

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
