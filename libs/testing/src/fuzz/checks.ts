import { type Redis } from '@vigil/redis';

/** Text that means internals leaked: stack frames, source paths, raw JS errors. */
const LEAK_PATTERNS: readonly RegExp[] = [
  /\bat [\w.<>]+ \(/,
  /node_modules/,
  /\.[jt]s:\d+/,
  /\b(TypeError|ReferenceError|SyntaxError|RangeError)\b/,
  /Cannot read propert/,
  /is not a function/,
  /ECONNREFUSED|ERR_[A-Z_]{4,}/,
  /Unexpected API Error/,
];

export interface FuzzResponse {
  status: number;
  contentType: string;
  text: string;
}

export interface ResponseRules {
  /** Must be 4xx (`reject`) or merely not 5xx (`any`). */
  expect: 'reject' | 'any';
  /** The fault key a status must use (Masakari routes); undefined accepts any single key. */
  faultName?: (status: number) => string;
}

/** Every way a response breaks the bad-input contract; empty when it is fine. */
export function responseProblems(res: FuzzResponse, rules: ResponseRules): string[] {
  const problems: string[] = [];
  if (res.status >= 500 || res.status < 200) problems.push(`status ${res.status}`);
  else if (rules.expect === 'reject' && (res.status < 400 || res.status >= 500))
    problems.push(`accepted invalid input with ${res.status}`);
  const leak = LEAK_PATTERNS.find((p) => p.test(res.text));
  if (leak) problems.push(`internal detail ${String(leak)} in body ${res.text.slice(0, 200)}`);
  if (res.status >= 400) problems.push(...faultShapeProblems(res, rules));
  return problems;
}

function faultShapeProblems(res: FuzzResponse, rules: ResponseRules): string[] {
  // Unknown paths answer Masakari's router's plain 404.
  if (res.status === 404 && res.contentType.includes('text/plain')) return [];
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return [`${res.status} body is not JSON: ${res.text.slice(0, 120)}`];
  }
  const entries = typeof body === 'object' && body !== null ? Object.entries(body) : [];
  const [name, fault] = entries[0] ?? [];
  const f = fault as { code?: unknown; message?: unknown; title?: unknown } | undefined;
  if (entries.length !== 1 || typeof f !== 'object' || f === null)
    return [`${res.status} body is not a fault: ${res.text.slice(0, 120)}`];
  const problems: string[] = [];
  if (f.code !== res.status) problems.push(`fault code ${String(f.code)} != status ${res.status}`);
  if (typeof f.message !== 'string' || f.message === '') problems.push('fault without a message');
  const expected = res.status === 401 ? 'error' : rules.faultName?.(res.status);
  if (expected !== undefined && name !== expected)
    problems.push(`fault key ${String(name)}, expected ${expected}`);
  return problems;
}

/** Every key (bar the ignored) with its DUMP bytes: equal snapshots mean nothing was written. */
export async function snapshotKeyspace(
  client: Redis,
  ignore: readonly RegExp[] = [],
): Promise<Map<string, string>> {
  const keys = (await client.keys('*')).filter((k) => !ignore.some((p) => p.test(k))).sort();
  const pipeline = client.pipeline();
  for (const key of keys) pipeline.dumpBuffer(key);
  const dumps = (await pipeline.exec()) ?? [];
  return new Map(keys.map((key, i) => [key, (dumps[i]?.[1] as Buffer | null)?.toString('hex') ?? '(gone)']));
}

/** Keys added, removed or changed between two snapshots. */
export function keyspaceDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const diff: string[] = [];
  for (const [key, value] of after) {
    if (!before.has(key)) diff.push(`+ ${key}`);
    else if (before.get(key) !== value) diff.push(`~ ${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) diff.push(`- ${key}`);
  return diff;
}
