import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/** One cloud of a clouds.yaml, as the openstack client reads it. */
export interface CloudAuth {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  region?: string;
  interface: string;
}

/** clouds.yaml where the openstack client looks for it: OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack, /etc/openstack. */
export function findCloudsYaml(explicit?: string): string {
  const candidates = [
    explicit,
    process.env.OS_CLIENT_CONFIG_FILE,
    'clouds.yaml',
    join(homedir(), '.config/openstack/clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no clouds.yaml found (looked at ${candidates.join(', ')})`);
  return found;
}

export function readCloud(file: string, name: string): CloudAuth {
  const doc = parse(readFileSync(file, 'utf8')) as { clouds?: Record<string, Record<string, unknown>> };
  const cloud = doc.clouds?.[name];
  if (!cloud) throw new Error(`cloud ${name} is not in ${file}`);
  const auth = (cloud.auth ?? {}) as Record<string, string | undefined>;
  const need = (k: string): string => {
    const v = auth[k];
    if (!v) throw new Error(`cloud ${name} in ${file} has no auth.${k}`);
    return v;
  };
  return {
    authUrl: need('auth_url').replace(/\/+$/, ''),
    username: need('username'),
    password: need('password'),
    projectName: need('project_name'),
    userDomainName: auth.user_domain_name ?? 'Default',
    projectDomainName: auth.project_domain_name ?? 'Default',
    region: cloud.region_name as string | undefined,
    interface: (cloud.interface as string | undefined) ?? 'public',
  };
}

interface CatalogEntry {
  type: string;
  endpoints: Array<{ interface: string; region?: string; url: string }>;
}

/** A Keystone session and plain REST calls to the cloud's services (admin). */
export class Cloud {
  private token = '';
  private projectId = '';
  private catalog: CatalogEntry[] = [];
  private expires = 0;

  constructor(readonly auth: CloudAuth) {}

  async login(): Promise<void> {
    const res = await fetch(`${this.auth.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: {
                name: this.auth.username,
                password: this.auth.password,
                domain: { name: this.auth.userDomainName },
              },
            },
          },
          scope: { project: { name: this.auth.projectName, domain: { name: this.auth.projectDomainName } } },
        },
      }),
    });
    if (res.status !== 201) throw new Error(`keystone login: ${res.status} ${await res.text()}`);
    this.token = res.headers.get('x-subject-token') ?? '';
    const body = (await res.json()) as {
      token: { project: { id: string }; catalog: CatalogEntry[]; expires_at: string };
    };
    this.projectId = body.token.project.id;
    this.catalog = body.token.catalog;
    this.expires = Date.parse(body.token.expires_at) - 300_000;
  }

  async tokenNow(): Promise<string> {
    if (!this.token || Date.now() > this.expires) await this.login();
    return this.token;
  }

  get project(): string {
    return this.projectId;
  }

  endpoint(type: string): string {
    const entry = this.catalog.find((c) => c.type === type);
    const ep = entry?.endpoints.find(
      (e) => e.interface === this.auth.interface && (!this.auth.region || e.region === this.auth.region),
    );
    if (!ep) throw new Error(`no ${type} endpoint in the catalog`);
    return ep.url
      .replace('%(tenant_id)s', this.projectId)
      .replace('$(tenant_id)s', this.projectId)
      .replace(/\/+$/, '');
  }

  /** JSON call; returns status and parsed body. `headers` add to the token and content type. */
  async call<T = unknown>(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(url, {
      method,
      headers: {
        'x-auth-token': await this.tokenNow(),
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed as T };
  }

  async ok<T = unknown>(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const res = await this.call<T>(method, url, body, headers);
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  // ---- Nova (microversion 2.60, as the harness scripts) ----------------------------------------------

  nova<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return this.ok<T>(method, `${this.endpoint('compute')}${path}`, body, {
      'OpenStack-API-Version': 'compute 2.60',
    });
  }

  async service(host: string): Promise<{ id: string; status: string; state: string; forced_down: boolean }> {
    const { services } = await this.nova<{
      services: Array<{ id: string; host: string; status: string; state: string; forced_down: boolean }>;
    }>('GET', `/os-services?binary=nova-compute&host=${encodeURIComponent(host)}`);
    const s = services[0];
    if (!s) throw new Error(`Nova has no nova-compute on ${host}`);
    return s;
  }

  async server(id: string): Promise<{ status: string; host?: string; task?: string | null } | undefined> {
    const res = await this.call<{ server: Record<string, unknown> }>(
      'GET',
      `${this.endpoint('compute')}/servers/${id}`,
      undefined,
      { 'OpenStack-API-Version': 'compute 2.60' },
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`show server ${id}: ${res.status}`);
    const s = res.body.server;
    return {
      status: String(s.status),
      host: (s['OS-EXT-SRV-ATTR:host'] as string | null) ?? undefined,
      task: s['OS-EXT-STS:task_state'] as string | null,
    };
  }

  async imageId(name: string): Promise<string> {
    const { images } = await this.ok<{ images: Array<{ id: string }> }>(
      'GET',
      `${this.endpoint('image')}/v2/images?name=${encodeURIComponent(name)}`,
    );
    const id = images[0]?.id;
    if (!id) throw new Error(`no image ${name}`);
    return id;
  }

  async flavorId(name: string): Promise<string> {
    const { flavors } = await this.nova<{ flavors: Array<{ id: string; name: string }> }>('GET', '/flavors');
    const id = flavors.find((f) => f.name === name || f.id === name)?.id;
    if (!id) throw new Error(`no flavor ${name}`);
    return id;
  }
}
