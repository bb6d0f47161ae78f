import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { classifyEnvName, envNamesOf } from './env-keys';

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
  /**
   * Told the variables with the prefix that name no config key and were ignored (e.g. `VIGIL_URL`, the
   * CLI's), for the caller to log once it has a logger.
   */
  onIgnoredEnv?: (names: readonly string[]) => void;
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
  const { fromEnv, ignored, mistyped } = applyEnvOverrides(raw, env, prefix, envNamesOf(schema));
  if (mistyped.length > 0)
    throw new VigilError(
      ErrorCode.CONFIG_INVALID,
      `invalid configuration: environment variables that name no config key:\n${mistyped
        .map((m) => `  - ${m.name}: did you mean ${m.nearest}?`)
        .join('\n')}`,
      { problems: mistyped.map((m) => ({ key: m.name, message: `did you mean ${m.nearest}?` })) },
    );
  if (ignored.length > 0) options.onIgnoredEnv?.(ignored);
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

/** Env values that JSON-parsed into numbers or booleans, by dotted path, with their raw text. */
type EnvValues = Map<string, string>;

function applyEnvOverrides(
  target: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  prefix: string,
  known: ReadonlyMap<string, string[]>,
): { fromEnv: EnvValues; ignored: string[]; mistyped: Array<{ name: string; nearest: string }> } {
  const fromEnv: EnvValues = new Map();
  const ignored: string[] = [];
  const mistyped: Array<{ name: string; nearest: string }> = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || name === `${prefix}CONFIG`) continue;
    const verdict = classifyEnvName(name.slice(prefix.length), known);
    if (verdict.kind === 'ignore') {
      ignored.push(name);
      continue;
    }
    if (verdict.kind === 'mistyped') {
      mistyped.push({ name, nearest: `${prefix}${verdict.nearest}` });
      continue;
    }
    const { path } = verdict;
    let node = target;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = parseEnvValue(value);
    fromEnv.set(path.join('.'), value);
  }
  return { fromEnv, ignored: ignored.sort(), mistyped };
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
