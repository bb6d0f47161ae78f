import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { LogCapture, startRedis, type RedisFixture } from '@vigil/testing';
import { startController, type ControllerApp } from '../../apps/controller/src/bootstrap';

// docs/api.md promises one `### METHOD /path` section per served route, each with a curl example and
// its success status. The served routes are whatever /openapi.json lists, so the doc is checked
// against a running controller rather than a hand-kept list.

const DOC_PATH = join(__dirname, '..', '..', 'docs', 'api.md');
const HEADING = /^### (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)$/;

interface Operation {
  responses?: Record<string, unknown>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
}
interface JsonSchema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
}

interface Section {
  route: string;
  template: string;
  lines: string[];
}

interface CurlCall {
  method: string;
  path: string;
  body?: string;
}

function sectionsOf(markdown: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const line of markdown.split('\n')) {
    const m = HEADING.exec(line);
    if (m?.[1] && m[2]) {
      current = { route: `${m[1]} ${m[2]}`, template: m[2], lines: [] };
      sections.push(current);
    } else if (line.startsWith('#')) current = undefined;
    else current?.lines.push(line);
  }
  return sections;
}

/** Curl commands of a section, continuation lines joined; `"$BODY"` resolves to the last `BODY='...'`. */
function curlCallsOf(section: Section): CurlCall[] {
  const joined = section.lines.join('\n').replace(/\\\n\s*/g, ' ');
  const calls: CurlCall[] = [];
  let shellBody: string | undefined;
  const lines = joined.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    // A quoted body may span lines: read on until the single quotes balance.
    while (line.startsWith('curl ') && (line.match(/'/g) ?? []).length % 2 === 1 && i + 1 < lines.length)
      line += `\n${lines[++i] ?? ''}`;
    const assigned = /^BODY='(.*)'$/.exec(line);
    if (assigned) shellBody = assigned[1];
    if (!line.startsWith('curl ')) continue;
    const url = /\$VIGIL(\/[^\s"'?]*)/.exec(line);
    const literal = /(?:-d|--data-raw) '([^']*)'/.exec(line);
    const fromVar = /(?:-d|--data-raw) "\$BODY"/.test(line) ? shellBody : undefined;
    const body = literal?.[1] ?? fromVar;
    const method = /-X ([A-Z]+)/.exec(line)?.[1] ?? (body === undefined ? 'GET' : 'POST');
    calls.push({ method, path: url?.[1] ?? `(no $VIGIL URL in: ${line})`, body });
  }
  return calls;
}

function matchesTemplate(template: string, path: string): boolean {
  const pattern = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${pattern}$`).test(path);
}

/** The JSON-schema subset the controller's zod bodies export to; returns every violation found. */
function violations(schema: JsonSchema, value: unknown, at = 'body'): string[] {
  if (schema.anyOf)
    return schema.anyOf.some((s) => violations(s, value, at).length === 0) ? [] : [`${at}: matches no anyOf`];
  const problems: string[] = [];
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const typeOk =
    schema.type === undefined ||
    schema.type === kind ||
    (schema.type === 'integer' && Number.isInteger(value));
  if (!typeOk) return [`${at}: expected ${schema.type}, got ${kind}`];
  if (schema.const !== undefined && value !== schema.const)
    problems.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${at}: not one of ${schema.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: too short`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: too long`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      problems.push(`${at}: fails ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: below minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: above maximum`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      problems.push(`${at}: too few items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      problems.push(`${at}: too many items`);
    const items = schema.items;
    if (items) value.forEach((v, i) => problems.push(...violations(items, v, `${at}[${i}]`)));
  }
  if (kind === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) problems.push(`${at}.${key}: missing`);
    for (const [key, v] of Object.entries(obj)) {
      const known = schema.properties?.[key];
      const extra = schema.additionalProperties;
      if (known) problems.push(...violations(known, v, `${at}.${key}`));
      else if (extra === false) problems.push(`${at}.${key}: not allowed`);
      else if (typeof extra === 'object') problems.push(...violations(extra, v, `${at}.${key}`));
    }
  }
  return problems;
}

function successStatus(op: Operation): string {
  const codes = Object.keys(op.responses ?? {}).filter((c) => Number(c) < 400);
  return codes.sort()[0] ?? 'none';
}

describe('docs/api.md covers exactly the served API', () => {
  let redis: RedisFixture;
  let controller: ControllerApp;
  let served: Map<string, Operation>;
  let sections: Section[];

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password },
      recovery: { enabled: false },
    });
    controller = await startController({
      config,
      logger: createLogger({ name: 'test', destination: new LogCapture() }),
    });
    const res = await fetch(`${controller.url}/openapi.json`);
    const doc = (await res.json()) as OpenApiDoc;
    served = new Map();
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) served.set(`${method.toUpperCase()} ${path}`, op);
    sections = sectionsOf(readFileSync(DOC_PATH, 'utf8'));
  });

  afterAll(async () => {
    await controller.close();
    await redis.stop();
  });

  it('has one section per served route and none for a route that is not served', () => {
    const documented = sections.map((s) => s.route);
    expect(served.size).toBeGreaterThan(40);
    expect(documented.filter((r, i) => documented.indexOf(r) !== i)).toEqual([]);
    expect([...served.keys()].filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.has(r))).toEqual([]);
  });

  it("states each route's success status as the OpenAPI document does", () => {
    const wrong = sections.flatMap((s) => {
      const op = served.get(s.route);
      const expected = op ? successStatus(op) : 'none';
      const stated = s.lines.map((l) => /^Success: (\d{3}|none)\b/.exec(l)?.[1]).find(Boolean);
      return stated === expected ? [] : [`${s.route}: doc says ${stated ?? 'nothing'}, served ${expected}`];
    });
    expect(wrong).toEqual([]);
  });

  it('gives every section a curl example aimed at its own method and path', () => {
    const wrong = sections.flatMap((s) => {
      const calls = curlCallsOf(s);
      if (calls.length === 0) return [`${s.route}: no curl example`];
      return calls
        .filter(
          (c) =>
            `${c.method} ${c.path}` !== s.route &&
            !(s.route.startsWith(`${c.method} `) && matchesTemplate(s.template, c.path)),
        )
        .map((c) => `${s.route}: example calls ${c.method} ${c.path}`);
    });
    expect(wrong).toEqual([]);
  });

  it('sends only well-formed JSON, valid against the request schema the route validates with', () => {
    const wrong = sections.flatMap((s) =>
      curlCallsOf(s).flatMap((c) => {
        if (c.body === undefined) return [];
        let parsed: unknown;
        try {
          parsed = JSON.parse(c.body);
        } catch (e) {
          return [`${s.route}: body is not JSON (${(e as Error).message})`];
        }
        const schema = served.get(s.route)?.requestBody?.content?.['application/json']?.schema;
        return schema ? violations(schema, parsed).map((v) => `${s.route}: ${v}`) : [];
      }),
    );
    expect(wrong).toEqual([]);
  });

  it('documents a request body for every route that requires one', () => {
    const missing = sections
      .filter((s) => served.get(s.route)?.requestBody && !curlCallsOf(s).some((c) => c.body !== undefined))
      .map((s) => s.route);
    expect(missing).toEqual([]);
  });
});
