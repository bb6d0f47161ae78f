import { randomUUID } from 'node:crypto';

/** Users, projects and application credentials the Keystone fake knows (all in-memory). */

export interface FakeDomain {
  id: string;
  name: string;
}
export const DEFAULT_DOMAIN: FakeDomain = { id: 'default', name: 'Default' };

export interface KeystoneFakeUserSpec {
  name: string;
  /** Default: a random UUID. */
  id?: string;
  password: string;
  /** Domain name; default `Default`. */
  domain?: string;
  /** Role names per project name. */
  roles?: Record<string, readonly string[]>;
  /** Default true; a disabled user gets 401. */
  enabled?: boolean;
}

export interface KeystoneFakeProjectSpec {
  name: string;
  id?: string;
  domain?: string;
}

export interface KeystoneFakeAppCredSpec {
  id: string;
  name: string;
  secret: string;
  userName: string;
  projectName: string;
  roles: readonly string[];
}

export interface FakeUser extends Required<Omit<KeystoneFakeUserSpec, 'domain' | 'roles'>> {
  domain: FakeDomain;
  roles: Record<string, readonly string[]>;
}
export interface FakeProject {
  id: string;
  name: string;
  domain: FakeDomain;
}

/** Why an auth request failed, in keystone's terms. */
export class KeystoneError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404,
    message: string,
  ) {
    super(message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};
export function keystoneErrorBody(status: number, message: string): unknown {
  return {
    error: {
      code: status,
      title: TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error'),
      message,
    },
  };
}

export class KeystoneDirectory {
  private readonly domains = new Map<string, FakeDomain>([[DEFAULT_DOMAIN.id, DEFAULT_DOMAIN]]);
  readonly users: FakeUser[] = [];
  readonly projects: FakeProject[] = [];
  readonly appCreds: KeystoneFakeAppCredSpec[] = [];

  addUser(spec: KeystoneFakeUserSpec): FakeUser {
    const user: FakeUser = {
      id: spec.id ?? randomUUID().replace(/-/g, ''),
      name: spec.name,
      password: spec.password,
      enabled: spec.enabled ?? true,
      domain: this.domain(spec.domain ?? DEFAULT_DOMAIN.name),
      roles: { ...spec.roles },
    };
    this.users.push(user);
    for (const project of Object.keys(user.roles)) this.ensureProject({ name: project, domain: spec.domain });
    return user;
  }

  ensureProject(spec: KeystoneFakeProjectSpec): FakeProject {
    const domain = this.domain(spec.domain ?? DEFAULT_DOMAIN.name);
    const existing = this.projects.find((p) => p.name === spec.name && p.domain.id === domain.id);
    if (existing) return existing;
    const project = { id: spec.id ?? randomUUID().replace(/-/g, ''), name: spec.name, domain };
    this.projects.push(project);
    return project;
  }

  private domain(name: string): FakeDomain {
    const found = [...this.domains.values()].find((d) => d.name === name);
    if (found) return found;
    const created = { id: randomUUID().replace(/-/g, ''), name };
    this.domains.set(created.id, created);
    return created;
  }

  /** `{id}` or `{name}` → domain; keystone 401s an unknown domain on auth. */
  findDomain(ref: unknown): FakeDomain | undefined {
    const r = asRecord(ref);
    if (typeof r.id === 'string') return this.domains.get(r.id);
    if (typeof r.name === 'string') return [...this.domains.values()].find((d) => d.name === r.name);
    return undefined;
  }

  findUser(ref: Record<string, unknown>, what: string): FakeUser {
    if (typeof ref.id === 'string') {
      const user = this.users.find((u) => u.id === ref.id);
      if (!user) throw new KeystoneError(401, 'The request you have made requires authentication.');
      return user;
    }
    if (typeof ref.name !== 'string') throw new KeystoneError(400, `Expecting to find id or name in ${what}`);
    if (ref.domain === undefined) throw new KeystoneError(400, `Expecting to find domain in ${what}`);
    const domain = this.findDomain(ref.domain);
    const user = domain && this.users.find((u) => u.name === ref.name && u.domain.id === domain.id);
    if (!user) throw new KeystoneError(401, 'The request you have made requires authentication.');
    return user;
  }

  findProject(ref: Record<string, unknown>): FakeProject {
    if (typeof ref.id === 'string') {
      const project = this.projects.find((p) => p.id === ref.id);
      if (!project) throw new KeystoneError(401, `Could not find project: ${ref.id}.`);
      return project;
    }
    if (typeof ref.name !== 'string') throw new KeystoneError(400, 'Expecting to find id or name in project');
    if (ref.domain === undefined) throw new KeystoneError(400, 'Expecting to find domain in project');
    const domain = this.findDomain(ref.domain);
    const project = domain && this.projects.find((p) => p.name === ref.name && p.domain.id === domain.id);
    if (!project) throw new KeystoneError(401, `Could not find project: ${ref.name}.`);
    return project;
  }
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
