import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse, header } from './fake-http';
import { discoveryResponse } from './keystone-discovery';
import {
  type FakeProject,
  type FakeUser,
  KeystoneDirectory,
  KeystoneError,
  type KeystoneFakeAppCredSpec,
  type KeystoneFakeUserSpec,
  asRecord,
  keystoneErrorBody,
} from './keystone-identity';

export interface KeystoneFakeEndpoint {
  /** Service type, e.g. `compute`. */
  type: string;
  name?: string;
  interface: 'public' | 'internal' | 'admin';
  /** Default `RegionOne`. */
  region?: string;
  url: string;
}

export interface KeystoneFakeOptions {
  users?: readonly KeystoneFakeUserSpec[];
  applicationCredentials?: readonly KeystoneFakeAppCredSpec[];
  catalog?: readonly KeystoneFakeEndpoint[];
  /** Lifetime of issued tokens (ms). Default 3,600,000 (keystone's `[token] expiration`). */
  tokenLifetimeMs?: number;
  /** Epoch-ms clock; default `Date.now`. */
  now?: () => number;
}

/** A token the fake issued, as the Nova fake's in-process check sees it. */
export interface FakeToken {
  readonly value: string;
  readonly user: FakeUser;
  readonly project: FakeProject;
  readonly roles: readonly string[];
  readonly methods: readonly string[];
  readonly issuedAtMs: number;
  expiresAtMs: number;
  revoked: boolean;
  readonly appCredId?: string;
}

/**
 * Keystone v3 token API on a loopback port (openstack-api.md §1): password and application-credential
 * auth, project scope, catalog, validation and revocation, keystone's error shape. Knobs: token lifetime,
 * catalog, revocation, injected faults (`http.failNext`, `http.hangNext`, `http.faults`); counters of
 * issue and validation calls.
 */
export class KeystoneFake {
  readonly directory = new KeystoneDirectory();
  readonly http: FakeHttpServer;
  /** Lifetime of tokens issued from now on (ms). */
  tokenLifetimeMs: number;
  catalog: KeystoneFakeEndpoint[];
  /** Successful and failed `POST /v3/auth/tokens` calls. */
  issueCalls = 0;
  /** `GET /v3/auth/tokens` calls. */
  validateCalls = 0;
  private readonly tokens = new Map<string, FakeToken>();
  private readonly now: () => number;

  constructor(options: KeystoneFakeOptions = {}) {
    for (const user of options.users ?? []) this.directory.addUser(user);
    this.directory.appCreds.push(...(options.applicationCredentials ?? []));
    this.catalog = [...(options.catalog ?? [])];
    this.tokenLifetimeMs = options.tokenLifetimeMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
    this.http = new FakeHttpServer(
      (req) => this.route(req),
      (status) => keystoneErrorBody(status, 'injected failure'),
    );
  }

  /** Starts listening; returns the auth URL (`http://127.0.0.1:<port>/v3`). */
  async start(): Promise<string> {
    await this.http.start();
    return this.authUrl;
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  get authUrl(): string {
    return `${this.http.url}/v3`;
  }

  addUser(spec: KeystoneFakeUserSpec): FakeUser {
    return this.directory.addUser(spec);
  }

  /** Issues a token in-process (not counted), e.g. for a test's API caller. */
  issueToken(userName: string, projectName: string, domain = 'Default'): string {
    const user = this.directory.findUser({ name: userName, domain: { name: domain } }, 'user');
    const project = this.directory.findProject({ name: projectName, domain: { name: domain } });
    return this.createToken(user, project, ['password']).value;
  }

  /** The live token, or undefined when unknown, expired or revoked (what keystonemiddleware decides). */
  inspectToken(value: string): FakeToken | undefined {
    const token = this.tokens.get(value);
    return token && !token.revoked && token.expiresAtMs > this.now() ? token : undefined;
  }

  /** Every token value issued so far (live or not), for asserting that logs never carry one. */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  revokeAll(): void {
    for (const token of this.tokens.values()) token.revoked = true;
  }

  /** Makes a token expired now, without its holder knowing (its `expires_at` said later). */
  expire(value: string): void {
    const token = this.tokens.get(value);
    if (token) token.expiresAtMs = this.now() - 1;
  }

  expireAll(): void {
    for (const token of this.tokens.values()) token.expiresAtMs = this.now() - 1;
  }

  private route(req: FakeRequest): FakeResponse {
    try {
      const discovery = discoveryResponse(req, this.http.url);
      if (discovery) return discovery;
      if (req.path.replace(/\/+$/, '') !== '/v3/auth/tokens')
        return { status: 404, body: keystoneErrorBody(404, 'The resource could not be found.') };
      switch (req.method) {
        case 'POST':
          this.issueCalls++;
          return this.issue(req);
        case 'GET':
          this.validateCalls++;
          return this.check(req, false);
        case 'DELETE':
          return this.check(req, true);
        default:
          return { status: 405, body: keystoneErrorBody(405, 'The method is not allowed.') };
      }
    } catch (err) {
      if (!(err instanceof KeystoneError)) throw err;
      const headers: Record<string, string> =
        err.status === 401 ? { 'WWW-Authenticate': `Keystone uri="${this.http.url}"` } : {};
      return { status: err.status, headers, body: keystoneErrorBody(err.status, err.message) };
    }
  }

  private issue(req: FakeRequest): FakeResponse {
    if (req.malformedBody) throw new KeystoneError(400, 'Malformed JSON in request body.');
    const auth = asRecord(asRecord(req.body).auth);
    const identity = asRecord(auth.identity);
    const methods = identity.methods;
    if (!Array.isArray(methods) || methods.length === 0)
      throw new KeystoneError(400, "Invalid input for field 'identity': 'methods' is a required property");
    let token: FakeToken;
    if (methods.includes('application_credential')) {
      // The scope of an application credential is fixed at creation.
      if (auth.scope !== undefined)
        throw new KeystoneError(401, 'Application credentials cannot request a scope.');
      token = this.appCredToken(asRecord(identity.application_credential));
    } else if (methods.includes('password')) {
      const password = asRecord(identity.password);
      const userRef = asRecord(password.user);
      if (Object.keys(userRef).length === 0)
        throw new KeystoneError(400, "Invalid input for field 'identity/password/user'");
      const user = this.directory.findUser(userRef, 'user');
      if (!user.enabled || userRef.password !== user.password)
        throw new KeystoneError(401, 'The request you have made requires authentication.');
      const scope = asRecord(auth.scope);
      const scopeKeys = Object.keys(scope);
      if (scopeKeys.length > 1) throw new KeystoneError(400, 'Exactly one scope may be requested.');
      if (scope.project === undefined)
        throw new KeystoneError(400, 'The fake only issues project-scoped tokens.');
      const project = this.directory.findProject(asRecord(scope.project));
      token = this.createToken(user, project, ['password']);
    } else throw new KeystoneError(401, `Unsupported auth methods: ${methods.join(',')}`);
    const withCatalog = !req.query.has('nocatalog');
    return {
      status: 201,
      headers: { 'X-Subject-Token': token.value },
      body: this.tokenBody(token, withCatalog),
    };
  }

  private appCredToken(ref: Record<string, unknown>): FakeToken {
    const cred = this.directory.appCreds.find((c) =>
      typeof ref.id === 'string' ? c.id === ref.id : c.name === ref.name,
    );
    if (typeof ref.id !== 'string' && ref.user === undefined)
      throw new KeystoneError(400, 'Expecting to find user in application_credential');
    if (!cred || cred.secret !== ref.secret)
      throw new KeystoneError(401, 'The request you have made requires authentication.');
    const user = this.directory.findUser({ name: cred.userName, domain: { name: 'Default' } }, 'user');
    const project = this.directory.findProject({ name: cred.projectName, domain: { name: 'Default' } });
    return this.createToken(user, project, ['application_credential'], cred.roles, cred.id);
  }

  private createToken(
    user: FakeUser,
    project: FakeProject,
    methods: string[],
    roles?: readonly string[],
    appCredId?: string,
  ): FakeToken {
    const granted = roles ?? user.roles[project.name] ?? [];
    if (granted.length === 0)
      throw new KeystoneError(401, `User ${user.id} has no access to project ${project.id}`);
    const now = this.now();
    const token: FakeToken = {
      value: `gAAAAA${randomBytes(24).toString('base64url')}`,
      user,
      project,
      roles: granted,
      methods,
      issuedAtMs: now,
      expiresAtMs: now + this.tokenLifetimeMs,
      revoked: false,
      appCredId,
    };
    this.tokens.set(token.value, token);
    return token;
  }

  private check(req: FakeRequest, revoke: boolean): FakeResponse {
    const callerToken = header(req.headers, 'X-Auth-Token');
    if (!callerToken || !this.inspectToken(callerToken))
      throw new KeystoneError(401, 'The request you have made requires authentication.');
    const subject = header(req.headers, 'X-Subject-Token');
    const token = subject ? this.inspectToken(subject) : undefined;
    if (!token) throw new KeystoneError(404, `Failed to validate token`);
    if (revoke) {
      token.revoked = true;
      return { status: 204 };
    }
    const withCatalog = !req.query.has('nocatalog');
    return {
      status: 200,
      headers: { 'X-Subject-Token': token.value },
      body: this.tokenBody(token, withCatalog),
    };
  }

  private tokenBody(token: FakeToken, withCatalog: boolean): unknown {
    const domain = (d: { id: string; name: string }) => ({ id: d.id, name: d.name });
    return {
      token: {
        methods: token.methods,
        user: {
          id: token.user.id,
          name: token.user.name,
          domain: domain(token.user.domain),
          password_expires_at: null,
        },
        audit_ids: [randomBytes(16).toString('base64url')],
        expires_at: keystoneTime(token.expiresAtMs),
        issued_at: keystoneTime(token.issuedAtMs),
        project: { id: token.project.id, name: token.project.name, domain: domain(token.project.domain) },
        is_domain: false,
        roles: token.roles.map((name) => ({ id: `role-${name}`, name })),
        ...(token.appCredId ? { application_credential: { id: token.appCredId, restricted: true } } : {}),
        ...(withCatalog ? { catalog: this.catalogBody() } : {}),
      },
    };
  }

  private catalogBody(): unknown[] {
    const byType = new Map<string, KeystoneFakeEndpoint[]>();
    for (const e of this.catalog) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
    return [...byType.entries()].map(([type, endpoints], i) => ({
      type,
      name: endpoints[0]?.name ?? type,
      id: `svc-${i}`,
      endpoints: endpoints.map((e, j) => ({
        id: `ep-${i}-${j}`,
        interface: e.interface,
        region_id: e.region ?? 'RegionOne',
        region: e.region ?? 'RegionOne',
        url: e.url,
      })),
    }));
  }
}

/** Keystone's format: microseconds and `Z` (`2024-05-01T11:00:00.000000Z`). */
export function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
