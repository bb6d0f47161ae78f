import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';

/**
 * Loads one YAML file (path from `VIGIL_CONFIG`) plus environment overrides and validates the result.
 * Overrides: `VIGIL_<SECTION>__<KEY>` in UPPER_SNAKE, `__` between levels, e.g. `VIGIL_REDIS__KEY_PREFIX`
 * sets `redis.keyPrefix`. Values are parsed as JSON when they parse (numbers, booleans, arrays), else
 * taken as strings. This is the only place that reads `process.env`.
 */
export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides `VIGIL_CONFIG`. */
  file?: string;
  /** Env prefix; `VIGIL_` for the controller, `VIGIL_MONITOR_` for the host monitor. */
  envPrefix?: string;
}

export function loadConfig<S extends z.ZodType>(schema: S, options: LoadOptions = {}): z.infer<S> {
  const env = options.env ?? process.env;
  const prefix = options.envPrefix ?? 'VIGIL_';
  const file = options.file ?? env[`${prefix}CONFIG`];
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new VigilError(
        ErrorCode.CONFIG_INVALID,
        `cannot read config file ${file}: ${(err as Error).message}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new VigilError(
        ErrorCode.CONFIG_INVALID,
        `config file ${file} is not valid YAML: ${(err as Error).message}`,
      );
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed))
        throw new VigilError(
          ErrorCode.CONFIG_INVALID,
          `config file ${file} must hold a mapping at its top level`,
        );
      raw = parsed as Record<string, unknown>;
    }
  }
  const fromEnv = applyEnvOverrides(raw, env, prefix);
  let result = schema.safeParse(raw);
  if (!result.success && keepEnvStringsWhereStringsAreExpected(raw, fromEnv, result.error.issues))
    result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new VigilError(
      ErrorCode.CONFIG_INVALID,
      `invalid configuration${file ? ` (${file})` : ''}:\n${problems.join('\n')}`,
      { problems: result.error.issues.map((i) => ({ key: i.path.join('.'), message: i.message })) },
    );
  }
  return result.data;
}

const camel = (s: string): string =>
  s.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Env values that JSON-parsed into numbers or booleans, by dotted path, with their raw text. */
type EnvValues = Map<string, string>;

function applyEnvOverrides(
  target: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  prefix: string,
): EnvValues {
  const fromEnv: EnvValues = new Map();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || name === `${prefix}CONFIG`) continue;
    const path = name.slice(prefix.length).split('__').map(camel);
    if (path.some((p) => p.length === 0)) continue;
    let node = target;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = parseEnvValue(value);
    fromEnv.set(path.join('.'), value);
  }
  return fromEnv;
}

/** `VIGIL_REDIS__PASSWORD=1234` must stay the string "1234": undo the JSON parse where a string is expected. */
function keepEnvStringsWhereStringsAreExpected(
  raw: Record<string, unknown>,
  fromEnv: EnvValues,
  issues: readonly z.core.$ZodIssue[],
): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || issue.expected !== 'string') continue;
    const text = fromEnv.get(issue.path.join('.'));
    if (text === undefined) continue;
    let node = raw;
    for (const key of issue.path.slice(0, -1)) node = node[String(key)] as Record<string, unknown>;
    node[String(issue.path[issue.path.length - 1])] = text;
    changed = true;
  }
  return changed;
}

function parseEnvValue(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
