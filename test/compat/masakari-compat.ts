// The differential test's request script and normaliser, shared by the recorder
// (test/compat/record-masakari.sh, against the real Masakari 14) and the suite
// (test/integration/masakari-compat.int-spec.ts, against Vigil). No imports from the project: the
// recorder compiles this file alone.

export interface CompatStep {
  /** Unique, stable name: the recording is keyed by it. */
  name: string;
  method: string;
  /** May contain {seg}, {host}, {notif}, {prefix}, {now}. */
  path: string;
  body?: unknown;
  /** Raw body sent as is (malformed JSON). */
  rawBody?: string;
  /** false sends no X-Auth-Token. */
  token?: boolean;
  /** `OpenStack-API-Version: instance-ha <version>`. */
  version?: string;
  accept?: string;
  /** Remembers a field of the answer under a variable name (e.g. seg = segment.uuid). */
  capture?: { name: string; path: string[] };
  /** Before this step, polls GET <path> until its status is final (not new, running or error). */
  waitSettled?: string;
}

/** The compute host the script registers; must be a nova-compute host on both sides. */
export const COMPAT_HOST = 'compute3';

const seg = (prefix: string): unknown => ({
  segment: { name: `${prefix}-seg`, recovery_method: 'auto', service_type: 'COMPUTE' },
});

export function compatSteps(prefix: string): CompatStep[] {
  return [
    { name: 'versions root', method: 'GET', path: '/', token: false },
    { name: 'version v1', method: 'GET', path: '/v1' },
    { name: 'version v1 at 1.2', method: 'GET', path: '/v1', version: '1.2' },
    { name: 'version v2 (300)', method: 'GET', path: '/v2', token: false },
    { name: 'v1 without token (401)', method: 'GET', path: '/v1', token: false },
    { name: 'segments without token (401)', method: 'GET', path: '/v1/segments', token: false },
    { name: 'unknown path, json (404)', method: 'GET', path: '/v1/foo', accept: 'application/json' },
    { name: 'version 0.9 (400)', method: 'GET', path: '/v1/segments', version: '0.9' },
    { name: 'version foo (400)', method: 'GET', path: '/v1/segments', version: 'foo' },
    { name: 'version 1.9 (406)', method: 'GET', path: '/v1/segments', version: '1.9' },
    { name: 'malformed json (400)', method: 'POST', path: '/v1/segments', rawBody: '{"segment": ' },
    {
      name: 'create segment',
      method: 'POST',
      path: '/v1/segments',
      body: seg(prefix),
      capture: { name: 'seg', path: ['segment', 'uuid'] },
    },
    { name: 'create segment again (409)', method: 'POST', path: '/v1/segments', body: seg(prefix) },
    {
      name: 'create segment, bad method (400)',
      method: 'POST',
      path: '/v1/segments',
      body: { segment: { name: `${prefix}-x`, recovery_method: 'nope', service_type: 'COMPUTE' } },
    },
    { name: 'show segment', method: 'GET', path: '/v1/segments/{seg}' },
    { name: 'show segment at 1.2', method: 'GET', path: '/v1/segments/{seg}', version: '1.2' },
    { name: 'list segments limit 1', method: 'GET', path: '/v1/segments?limit=1' },
    {
      name: 'update segment',
      method: 'PUT',
      path: '/v1/segments/{seg}',
      body: { segment: { description: 'compat' } },
    },
    { name: 'patch segment (404)', method: 'PATCH', path: '/v1/segments/{seg}', accept: 'application/json' },
    {
      name: 'post to a segment (404)',
      method: 'POST',
      path: '/v1/segments/{seg}',
      body: {},
      accept: 'application/json',
    },
    {
      name: 'delete the collection (404)',
      method: 'DELETE',
      path: '/v1/segments',
      accept: 'application/json',
    },
    {
      name: 'show unknown segment (404)',
      method: 'GET',
      path: '/v1/segments/00000000-0000-4000-8000-000000000000',
    },
    {
      name: 'create host',
      method: 'POST',
      path: '/v1/segments/{seg}/hosts',
      body: { host: { name: COMPAT_HOST, type: 'COMPUTE', control_attributes: 'SSH' } },
      capture: { name: 'host', path: ['host', 'uuid'] },
    },
    {
      name: 'create host unknown to nova (400)',
      method: 'POST',
      path: '/v1/segments/{seg}/hosts',
      body: { host: { name: `${prefix}-nohost`, type: 'COMPUTE', control_attributes: 'SSH' } },
    },
    { name: 'show host', method: 'GET', path: '/v1/segments/{seg}/hosts/{host}' },
    { name: 'list hosts', method: 'GET', path: '/v1/segments/{seg}/hosts' },
    {
      name: 'update host',
      method: 'PUT',
      path: '/v1/segments/{seg}/hosts/{host}',
      body: { host: { reserved: true } },
    },
    {
      name: 'notification host_status UNKNOWN (202 new)',
      method: 'POST',
      path: '/v1/notifications',
      body: {
        notification: {
          type: 'COMPUTE_HOST',
          hostname: COMPAT_HOST,
          generated_time: '{now}',
          payload: { event: 'STOPPED', host_status: 'UNKNOWN', cluster_status: 'OFFLINE' },
        },
      },
      capture: { name: 'notif', path: ['notification', 'notification_uuid'] },
    },
    {
      name: 'notification unknown host (400)',
      method: 'POST',
      path: '/v1/notifications',
      body: {
        notification: {
          type: 'COMPUTE_HOST',
          hostname: `${prefix}-nohost`,
          generated_time: '{now}',
          payload: { event: 'STOPPED', host_status: 'NORMAL', cluster_status: 'OFFLINE' },
        },
      },
    },
    {
      name: 'UNKNOWN notification later (ignored)',
      method: 'GET',
      path: '/v1/notifications/{notif}',
      version: '1.1',
      waitSettled: '/v1/notifications/{notif}',
    },
    { name: 'notification at 1.0', method: 'GET', path: '/v1/notifications/{notif}' },
    { name: 'put notification (405)', method: 'PUT', path: '/v1/notifications/{notif}', body: {} },
    { name: 'delete notification (405)', method: 'DELETE', path: '/v1/notifications/{notif}' },
    { name: 'list notifications limit 1', method: 'GET', path: '/v1/notifications?limit=1' },
    { name: 'delete host (204)', method: 'DELETE', path: '/v1/segments/{seg}/hosts/{host}' },
    { name: 'delete segment (204)', method: 'DELETE', path: '/v1/segments/{seg}' },
    { name: 'show deleted segment (404)', method: 'GET', path: '/v1/segments/{seg}' },
  ];
}

export interface CompatTarget {
  base: string;
  /** Sent as X-Auth-Token when the step wants a token. */
  token: string;
}

/** One answer, normalised: what the differential test compares. */
export interface CompatAnswer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

/** Headers compared; values normalised by normaliseHeader. */
export const COMPARED_HEADERS = [
  'content-type',
  'openstack-api-version',
  'vary',
  'x-openstack-request-id',
  'www-authenticate',
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REQ_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Body values kept verbatim (after replacing the base URL): they are part of the contract. */
const KEPT = new Set([
  'status',
  'code',
  'title',
  'rel',
  'href',
  'type',
  'id',
  'version',
  'min_version',
  'updated',
  'base',
  'state',
  'name',
  'service_type',
  'recovery_method',
  'control_attributes',
  'event',
  'host_status',
  'cluster_status',
  'vir_domain_event',
]);

export function normaliseHeader(name: string, value: string | null): string | null {
  if (value === null) return null;
  switch (name) {
    case 'content-type':
      return value.split(';')[0]!.trim().toLowerCase();
    case 'x-openstack-request-id':
      return REQ_ID.test(value) ? 'req-<uuid>' : value;
    case 'www-authenticate':
      return value.replace(/uri="[^"]*"/, 'uri="<keystone>"');
    case 'vary':
      return value.toLowerCase();
    default:
      return value;
  }
}

/** Replaces values that differ between runs (ids, times, names made from the prefix) by their kind. */
export function normaliseBody(value: unknown, base: string, prefix: string, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normaliseBody(v, base, prefix, key));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        normaliseBody(v, base, prefix, k),
      ]),
    );
  if (typeof value === 'string') {
    if (UUID.test(value)) return '<uuid>';
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/.test(value)) return '<time YYYY-MM-DD hh:mm:ss.ffffff>';
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/.test(value)) return '<time YYYY-MM-DDThh:mm:ss.ffffff>';
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value) && key !== 'updated') return '<time ISO Z>';
    const local = value.split(base).join('<base>').split(prefix).join('<prefix>');
    if (key === 'name' && local.startsWith('<prefix>')) return local;
    if (KEPT.has(key) && !(key === 'name' && value.length > 40)) return local;
    return '<string>';
  }
  if (typeof value === 'number') return key === 'code' || key === 'id_' ? value : '<number>';
  if (typeof value === 'boolean') return '<boolean>';
  return value;
}

export const fill = (template: string, vars: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);

const fillBody = (body: unknown, vars: Record<string, string>): unknown =>
  JSON.parse(fill(JSON.stringify(body), vars)) as unknown;

function pick(body: unknown, path: string[]): string | undefined {
  let v: unknown = body;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return typeof v === 'string' ? v : undefined;
}

async function send(target: CompatTarget, step: CompatStep, vars: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = {};
  if (step.token !== false) headers['X-Auth-Token'] = target.token;
  if (step.version) headers['OpenStack-API-Version'] = `instance-ha ${step.version}`;
  if (step.accept) headers['Accept'] = step.accept;
  let body: string | undefined;
  if (step.rawBody !== undefined) body = step.rawBody;
  else if (step.body !== undefined) body = JSON.stringify(fillBody(step.body, vars));
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${target.base}${fill(step.path, vars)}`, { method: step.method, headers, body });
}

async function waitSettled(
  target: CompatTarget,
  path: string,
  vars: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await send(target, { name: 'poll', method: 'GET', path }, vars);
    const body = (await res.json()) as { notification?: { status?: string } };
    const status = body.notification?.status;
    if (status !== 'new' && status !== 'running' && status !== 'error') return;
    if (Date.now() > deadline) throw new Error(`${path} still ${status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Runs every step in order against one target; answers keyed by step name. */
export async function runCompat(
  target: CompatTarget,
  prefix: string,
  options: { settleTimeoutMs: number },
): Promise<Record<string, CompatAnswer>> {
  const vars: Record<string, string> = {
    prefix,
    now: new Date().toISOString().replace('Z', ''),
  };
  const out: Record<string, CompatAnswer> = {};
  for (const step of compatSteps(prefix)) {
    if (step.waitSettled) await waitSettled(target, step.waitSettled, vars, options.settleTimeoutMs);
    const res = await send(target, step, vars);
    const text = await res.text();
    let parsed: unknown = text === '' ? null : text;
    try {
      parsed = text === '' ? null : (JSON.parse(text) as unknown);
    } catch {
      parsed = '<non-JSON body>';
    }
    if (step.capture) {
      const v = pick(parsed, step.capture.path);
      if (!v) throw new Error(`${step.name}: no ${step.capture.path.join('.')} in ${res.status} ${text}`);
      vars[step.capture.name] = v;
    }
    out[step.name] = {
      status: res.status,
      headers: Object.fromEntries(COMPARED_HEADERS.map((h) => [h, normaliseHeader(h, res.headers.get(h))])),
      body: normaliseBody(parsed, target.base, prefix),
    };
  }
  return out;
}
