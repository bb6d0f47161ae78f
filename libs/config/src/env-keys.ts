import { type z } from 'zod';

/**
 * Which `VIGIL_*` environment variables are config overrides. A variable that names a key of the
 * schema is applied; one that looks like a mistyped key (a small edit away from a valid variable name)
 * (or sits under a known section, `VIGIL_DETECTION__...`) is rejected with the nearest one named; anything else belongs to someone else (`VIGIL_URL` is the
 * CLI's, `VIGIL_MONITOR_*` the host monitor's) and is ignored. Pure: no `process.env` here.
 */
export type EnvKeyVerdict =
  { kind: 'apply'; path: string[] } | { kind: 'mistyped'; nearest: string } | { kind: 'ignore' };

/** At most this many single-character edits, and at most a quarter of the name, counts as a typo. */
const MAX_TYPO_EDITS = 2;

/** Every settable path of a schema, as env names (`REDIS__KEY_PREFIX`) mapped to config paths. */
export function envNamesOf(schema: z.ZodType): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (node: z.ZodType, path: string[]): void => {
    const shape = objectShape(node);
    if (path.length > 0) out.set(path.map(snake).join('__'), path);
    if (!shape) return;
    for (const [key, child] of Object.entries(shape)) walk(child, [...path, key]);
  };
  walk(schema, []);
  return out;
}

/** `suffix` is the variable name without its prefix, e.g. `REDIS__URL`. */
export function classifyEnvName(suffix: string, known: ReadonlyMap<string, string[]>): EnvKeyVerdict {
  const exact = known.get(suffix);
  if (exact) return { kind: 'apply', path: exact };
  // Under a key whose value is not an object of known keys (a record, a union): cannot judge, apply.
  const parts = suffix.split('__');
  for (let n = parts.length - 1; n > 0; n--) {
    const parent = known.get(parts.slice(0, n).join('__'));
    if (parent && !hasChildren(parts.slice(0, n).join('__'), known))
      return { kind: 'apply', path: [...parent, ...parts.slice(n).map(camel)] };
  }
  const nearest = nearestOf(suffix, known.keys());
  if (nearest && nearest.edits <= Math.min(MAX_TYPO_EDITS, Math.floor(suffix.length / 4)))
    return { kind: 'mistyped', nearest: nearest.name };
  // `SECTION__...` under a known section is meant for the config, however far from a real key.
  const section = parts.length > 1 ? parts.slice(0, -1).join('__') : undefined;
  if (section && known.has(section)) {
    const siblings = [...known.keys()].filter((k) => k.startsWith(`${section}__`));
    const closest = nearestOf(suffix, siblings);
    if (closest) return { kind: 'mistyped', nearest: closest.name };
  }
  return { kind: 'ignore' };
}

function nearestOf(name: string, candidates: Iterable<string>): { name: string; edits: number } | undefined {
  let best: { name: string; edits: number } | undefined;
  for (const candidate of candidates) {
    const edits = editDistance(name, candidate);
    if (!best || edits < best.edits) best = { name: candidate, edits };
  }
  return best;
}

function hasChildren(name: string, known: ReadonlyMap<string, string[]>): boolean {
  for (const other of known.keys()) if (other.startsWith(`${name}__`)) return true;
  return false;
}

/** The object shape under defaults, optionals and pipes; undefined for anything else. */
function objectShape(node: z.ZodType): Record<string, z.ZodType> | undefined {
  let current: z.core.$ZodType = node;
  for (let depth = 0; depth < 10; depth++) {
    const def = current._zod.def as unknown as {
      type: string;
      shape?: Record<string, z.ZodType>;
      innerType?: z.core.$ZodType;
      in?: z.core.$ZodType;
    };
    if (def.type === 'object') return def.shape;
    const inner = def.type === 'pipe' ? def.in : def.innerType;
    if (!inner) return undefined;
    current = inner;
  }
  return undefined;
}

export const camel = (s: string): string =>
  s.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

const snake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
