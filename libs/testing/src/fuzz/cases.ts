import { SeededRandom } from './random';
import {
  EDGE_DATES,
  HUGE_NUMBERS,
  INJECTION_STRINGS,
  INVALID_DATES,
  MALFORMED_JSON,
  REVIEW_DEPTH,
  NASTY_PATH_SEGMENTS,
  TYPED_VALUES,
  UNICODE_STRINGS,
  deepArray,
  deepArrayText,
  deepObject,
  kindOf,
} from './values';

/**
 * One bad request. `reject` cases are invalid by construction: the server must answer 4xx and write
 * nothing. `any` cases put odd but possibly legal text in a free-text field: any non-5xx answer is fine.
 */
export interface FuzzCase {
  name: string;
  expect: 'reject' | 'any';
  /** Raw body text; undefined sends no body. */
  body?: string;
  contentType?: string;
  /** Replaces path parameters (values already URL-encoded). */
  pathParams?: Record<string, string>;
  /** Query string without the `?`. */
  query?: string;
  headers?: Record<string, string>;
  /** Always kept when a route's cases are capped. */
  essential?: boolean;
}

export interface BodyCaseOptions {
  /** The server's body limit (api.maxBodyBytes); the huge-body case exceeds it. */
  maxBodyBytes: number;
  /** Nesting depth of the deep-nesting cases. Default 1000. */
  depth?: number;
}

type FieldPath = readonly string[];

const JSON_TYPE = 'application/json';

/** Bodies that must be rejected whatever the route: not JSON, wrong content, too large, wrong shape. */
export function envelopeCases(baseline: unknown, options: BodyCaseOptions): FuzzCase[] {
  const depth = options.depth ?? 1000;
  const valid = JSON.stringify(baseline);
  const cases: FuzzCase[] = MALFORMED_JSON.map((body) => ({
    name: `malformed JSON ${JSON.stringify(body)}`,
    expect: 'reject',
    body,
    contentType: JSON_TYPE,
    essential: body === '{',
  }));
  cases.push(
    {
      name: 'text/plain prose',
      expect: 'reject',
      body: 'hello world',
      contentType: 'text/plain',
      essential: true,
    },
    {
      name: 'form-urlencoded',
      expect: 'reject',
      body: 'a=b&c=d',
      contentType: 'application/x-www-form-urlencoded',
    },
    {
      name: 'xml',
      expect: 'reject',
      body: '<segment><name>x</name></segment>',
      contentType: 'application/xml',
    },
    {
      name: 'multipart',
      expect: 'reject',
      body: '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
      contentType: 'multipart/form-data; boundary=b',
    },
    {
      name: `huge body (> ${options.maxBodyBytes} bytes)`,
      expect: 'reject',
      body: JSON.stringify({ pad: 'x'.repeat(options.maxBodyBytes + 1), baseline }),
      contentType: JSON_TYPE,
      essential: true,
    },
    {
      name: 'huge malformed body',
      expect: 'reject',
      body: '{'.repeat(options.maxBodyBytes + 1),
      contentType: JSON_TYPE,
    },
    {
      name: 'duplicate top-level key, last one wrong',
      expect: 'reject',
      body: `${valid.slice(0, -1)}${valid.length > 2 ? ',' : ''}${dupKeys(baseline)}}`,
      contentType: JSON_TYPE,
    },
  );
  for (const { kind, value } of [...TYPED_VALUES, { kind: 'array', value: [baseline] }]) {
    if (kind === 'object') continue; // {} and friends are covered field by field
    cases.push({
      name: `top-level ${kind} ${short(value)}`,
      expect: 'reject',
      body: JSON.stringify(value),
      contentType: JSON_TYPE,
      essential: kind === 'null' || kind === 'array',
    });
  }
  cases.push(
    { name: 'top-level {}', expect: 'reject', body: '{}', contentType: JSON_TYPE, essential: true },
    {
      name: `top-level array nested ${depth} deep`,
      expect: 'reject',
      body: JSON.stringify(deepArray(depth)),
      contentType: JSON_TYPE,
      essential: true,
    },
    {
      name: `top-level object nested ${depth} deep`,
      expect: 'reject',
      body: JSON.stringify(deepObject(depth)),
      contentType: JSON_TYPE,
    },
  );
  return cases;
}

/**
 * Field-by-field mutations of a valid body: every wrong JSON type, deep nesting, unknown and
 * prototype-pollution keys (reject), and odd text in string fields (any).
 */
export function fieldCases(baseline: unknown, options: BodyCaseOptions): FuzzCase[] {
  const depth = options.depth ?? 1000;
  const cases: FuzzCase[] = [];
  for (const path of fieldPaths(baseline)) {
    const label = path.join('.');
    const current = getAt(baseline, path);
    const kind = kindOf(current);
    for (const typed of TYPED_VALUES) {
      if (typed.kind === kind) continue;
      // A missing optional field is often null-able; an absent-like null is not a type error.
      const nullable = typed.kind === 'null';
      cases.push(
        json(
          `${label} = ${short(typed.value)}`,
          nullable ? 'any' : 'reject',
          setAt(baseline, path, typed.value),
        ),
      );
    }
    cases.push(
      json(`${label} nested ${depth} deep`, 'reject', setAt(baseline, path, deepArray(depth)), true),
    );
    if (kind === 'string') {
      for (const text of [
        ...INJECTION_STRINGS,
        ...UNICODE_STRINGS,
        'y'.repeat(Math.min(5000, options.maxBodyBytes / 4)),
      ])
        cases.push(json(`${label} = ${short(text)}`, 'any', setAt(baseline, path, text)));
    }
  }
  for (const container of containerPaths(baseline)) {
    const label = container.length ? container.join('.') : '(top)';
    const obj = getAt(baseline, container) as Record<string, unknown>;
    cases.push(
      json(
        `${label} + unknown field`,
        'reject',
        setAt(baseline, container, { ...obj, zz_unknown_field: 1 }),
        true,
      ),
    );
    // Raw text: JSON.stringify would turn a literal __proto__ key into the object's prototype.
    const inner = JSON.stringify(obj).slice(1, -1);
    const sep = inner ? ',' : '';
    for (const [key, value] of [
      ['__proto__', '{"polluted":"yes","isAdmin":true}'],
      ['constructor', '{"prototype":{"polluted":"yes"}}'],
    ] as const) {
      const mutated = `{"${key}":${value}${sep}${inner}}`;
      const body = container.length
        ? JSON.stringify(setAt(baseline, container, '\u0001MARK\u0001')).replace(
            '"\\u0001MARK\\u0001"',
            mutated,
          )
        : mutated;
      cases.push({
        name: `${label} + ${key} key`,
        expect: 'any',
        body,
        contentType: JSON_TYPE,
        essential: key === '__proto__',
      });
    }
  }
  return cases;
}

/** Each path parameter in turn replaced by a nasty segment; every other parameter keeps its real value. */
export function pathParamCases(params: readonly string[], expect: FuzzCase['expect'] = 'reject'): FuzzCase[] {
  return params.flatMap((param) =>
    NASTY_PATH_SEGMENTS.map((segment, i) => ({
      name: `path {${param}} = ${short(decodeSafe(segment))}`,
      expect,
      pathParams: { [param]: segment },
      essential: i < 3,
    })),
  );
}

/** Broken paging and sorting parameters for list routes. */
export const BAD_QUERIES: readonly string[] = [
  'limit=-1',
  'limit=abc',
  'limit=1e400',
  'marker=x',
  'marker=..%2F..%2Fetc',
  'sort_key=%3BDROP%20TABLE%20x',
  'sort_dir=sideways',
];

/** Odd but legal in Masakari (an oversized limit is capped; repeats and `limit[]` are ignored or last-wins). */
export const ODD_QUERIES: readonly string[] = [
  'limit=99999999999999999999999',
  'limit=1&limit=2',
  'limit[]=1',
  'limit[$gt]=0',
];

export function queryCases(expect: FuzzCase['expect'] = 'reject'): FuzzCase[] {
  return [
    ...BAD_QUERIES.map((query, i) => ({ name: `query ?${query}`, expect, query, essential: i < 2 })),
    ...ODD_QUERIES.map((query) => ({ name: `query ?${query}`, expect: 'any' as const, query })),
  ];
}

/** OpenStack-API-Version values Masakari answers 400 (malformed, below minimum) or 406 (above maximum). */
export const BAD_MICROVERSIONS: readonly string[] = [
  'instance-ha 0.9',
  'instance-ha foo',
  'instance-ha 1.4',
  'instance-ha 99999999999999999999.0',
  'instance-ha 1.-1',
  'instance-ha 1.2.3',
  'instance-ha ',
];

export function microversionCases(): FuzzCase[] {
  return BAD_MICROVERSIONS.map((v, i) => ({
    name: `OpenStack-API-Version: ${JSON.stringify(v)}`,
    expect: 'reject',
    headers: { 'OpenStack-API-Version': v },
    essential: i < 2,
  }));
}

/** Essential cases first, then a seeded sample of the rest, at most `cap` in all. */
export function pickCases(cases: readonly FuzzCase[], cap: number, random: SeededRandom): FuzzCase[] {
  const essential = cases.filter((c) => c.essential);
  const rest = random.shuffle(cases.filter((c) => !c.essential));
  return [...essential, ...rest].slice(0, Math.max(cap, essential.length));
}

function json(name: string, expect: FuzzCase['expect'], value: unknown, essential = false): FuzzCase {
  return { name, expect, body: JSON.stringify(value), contentType: JSON_TYPE, essential };
}

/** Leaf fields of a body, two levels down (Masakari bodies wrap their fields: `{"segment": {...}}`). */
function fieldPaths(value: unknown, prefix: FieldPath = [], level = 0): FieldPath[] {
  if (kindOf(value) !== 'object' || level > 1) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => [
    [...prefix, key],
    ...fieldPaths(child, [...prefix, key], level + 1),
  ]);
}

function containerPaths(value: unknown, prefix: FieldPath = [], level = 0): FieldPath[] {
  if (kindOf(value) !== 'object' || level > 1) return [];
  return [
    prefix,
    ...Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
      containerPaths(child, [...prefix, key], level + 1),
    ),
  ];
}

function getAt(value: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], value);
}

function setAt(value: unknown, path: FieldPath, replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  const obj = value as Record<string, unknown>;
  return { ...obj, [head]: setAt(obj[head], rest, replacement) };
}

function dupKeys(baseline: unknown): string {
  const first = kindOf(baseline) === 'object' ? Object.keys(baseline as object)[0] : undefined;
  return `${JSON.stringify(first ?? 'dup')}:12345`;
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function decodeSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Bodies the JSON parser refuses (for routes whose valid request has no body, such as DELETE). */
export function unparseableBodyCases(options: BodyCaseOptions): FuzzCase[] {
  return envelopeCases({}, options).filter(
    (c) => c.name.startsWith('malformed') || c.name.startsWith('huge') || c.contentType !== JSON_TYPE,
  );
}

/**
 * The security review's attacks on every field of a valid body: the 5,000-deep array that once overflowed
 * the stack, numbers beyond float range or 2^53 (raw text: `1e400` parses as Infinity), and invalid or
 * out-of-range date-times in every field whose valid value is a date-time. All essential: every route
 * with a body gets every one. Numeric fields may accept a huge number, and a date field a date at the edge
 * of the calendar (`any`); nothing may answer 5xx.
 */
export function extremeValueCases(baseline: unknown): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const mark = '\u0001MARK\u0001';
  const withRaw = (path: FieldPath, raw: string): string =>
    JSON.stringify(setAt(baseline, path, mark)).replace(JSON.stringify(mark), raw);
  for (const path of fieldPaths(baseline)) {
    const label = path.join('.');
    const current = getAt(baseline, path);
    const kind = kindOf(current);
    const isDate = kind === 'string' && looksLikeDateTime(current as string);
    cases.push({
      name: `${label} nested ${REVIEW_DEPTH} deep (the review's body)`,
      expect: 'reject',
      body: withRaw(path, deepArrayText(REVIEW_DEPTH)),
      contentType: JSON_TYPE,
      essential: true,
    });
    for (const raw of kind === 'number' ? HUGE_NUMBERS : HUGE_NUMBERS.slice(0, 2)) {
      const expect = kind === 'number' ? 'any' : 'reject';
      cases.push({
        name: `${label} = ${raw}`,
        expect,
        body: withRaw(path, raw),
        contentType: JSON_TYPE,
        essential: true,
      });
    }
    if (!isDate) continue;
    for (const text of INVALID_DATES)
      cases.push(
        json(`${label} = invalid date ${JSON.stringify(text)}`, 'reject', setAt(baseline, path, text), true),
      );
    for (const text of EDGE_DATES)
      cases.push(
        json(`${label} = edge date ${JSON.stringify(text)}`, 'any', setAt(baseline, path, text), true),
      );
    cases.push(json(`${label} = 1e20 (a number as a time)`, 'reject', setAt(baseline, path, 1e20), true));
  }
  return cases;
}

/**
 * The same attacks where a route has no body: huge numbers and invalid dates as path parameters and
 * query values, a query parameter nested deep (`a[a][a]...`), and the 5,000-deep array as a body the
 * route does not take (`any`; on a DELETE with an unknown id, so an ignored body deletes nothing).
 * Path parameters keep the route's `pathExpect`; queries are `any`.
 */
export function extremeRequestCases(
  params: readonly string[],
  pathExpect: FuzzCase['expect'],
  options: { query: boolean; ignoredBody: 'any' | 'reject-with-bad-id' | 'none' },
): FuzzCase[] {
  const cases: FuzzCase[] = params.flatMap((param) =>
    [
      '1e400',
      '123456789012345678901234567890',
      '-0',
      'not-a-date',
      encodeURIComponent('+275760-09-13T00:00:00.001Z'),
    ].map((segment) => ({
      name: `path {${param}} = ${decodeSafe(segment)}`,
      expect: pathExpect,
      pathParams: { [param]: segment },
      essential: true,
    })),
  );
  if (options.query)
    cases.push(
      ...EXTREME_QUERIES.map((query) => ({
        name: `query ?${short(query)}`,
        expect: 'any' as const,
        query,
        essential: true,
      })),
    );
  const deepBody = deepArrayText(REVIEW_DEPTH);
  if (options.ignoredBody === 'any')
    cases.push({
      name: `ignored body nested ${REVIEW_DEPTH} deep`,
      expect: 'any',
      body: deepBody,
      contentType: JSON_TYPE,
      essential: true,
    });
  else if (options.ignoredBody === 'reject-with-bad-id' && params[0] !== undefined)
    cases.push({
      name: `body nested ${REVIEW_DEPTH} deep, unknown {${params[0]}}`,
      expect: 'reject',
      body: deepBody,
      contentType: JSON_TYPE,
      pathParams: { [params[0]]: 'not-a-uuid' },
      essential: true,
    });
  return cases;
}

/** Query values with huge numbers, invalid dates (Masakari's `generated-since` filter among them) and deep keys. */
export const EXTREME_QUERIES: readonly string[] = [
  'limit=1e20',
  'limit=123456789012345678901234567890',
  'limit=-0',
  'marker=1e400',
  'generated-since=not-a-date',
  'generated-since=1e20',
  `generated-since=${encodeURIComponent('+275760-09-13T00:00:00.001Z')}`,
  'generated-since=2024-13-45T25%3A61%3A61Z',
  'changes-since=not-a-date',
  `${'a'}${'[a]'.repeat(1000)}=1`,
  `limit${'[0]'.repeat(1000)}=1`,
];

/** A string whose valid value is an ISO-8601 date-time (what the date attacks target). */
function looksLikeDateTime(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text) && Number.isFinite(Date.parse(text));
}
