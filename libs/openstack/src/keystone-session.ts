import { type KeystoneConfig, type Logger, registerSecret } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { HttpTransport, type HttpResponse, type RequestObserver, faultMessage, parseBody } from './http';
import {
  type CatalogEntry,
  type EndpointQuery,
  type TokenInfo,
  parseExpiresAt,
  selectEndpoint,
  tokenBodySchema,
  toTokenInfo,
} from './token';

export interface KeystoneSessionOptions {
  config: KeystoneConfig;
  logger: Logger;
  /** Epoch ms clock; default `Date.now`. */
  now?: () => number;
  /** Told of every request to Keystone (outcome, seconds). */
  observe?: RequestObserver;
}

/** The service token we hold, with what came with it. */
export interface ServiceAuth {
  readonly token: string;
  readonly info: TokenInfo;
}

const SERVICE = 'Keystone';

/**
 * The controller's identity towards OpenStack: one service token (password or application credential),
 * cached until `renewBeforeExpiryMs` before it expires, shared by concurrent callers (one auth request in
 * flight at most). Services call `invalidate` on a 401 and retry once (openstack-api.md §1.4).
 * Tokens and passwords are registered as secrets, so no log line can carry them.
 */
export class KeystoneSession {
  private readonly http: HttpTransport;
  private readonly baseUrl: string;
  private readonly now: () => number;
  private current?: ServiceAuth;
  private inflight?: Promise<ServiceAuth>;

  constructor(private readonly options: KeystoneSessionOptions) {
    const { config } = options;
    registerSecret(config.password);
    registerSecret(config.applicationCredentialSecret);
    this.baseUrl = `${config.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3`;
    this.now = options.now ?? Date.now;
    this.http = new HttpTransport(SERVICE, options.observe);
  }

  /** A valid service token, issuing a new one when the cached one is (nearly) expired. */
  async token(): Promise<string> {
    return (await this.auth()).token;
  }

  async auth(): Promise<ServiceAuth> {
    const cached = this.current;
    if (cached && cached.info.expiresAtMs - this.now() > this.options.config.renewBeforeExpiryMs)
      return cached;
    this.inflight ??= this.issue().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * Drops the cached token after a service rejected it. With `token`, only if it is still the cached
   * one, so a late 401 for an old token does not throw away a fresh one.
   */
  invalidate(token?: string): void {
    if (token === undefined || this.current?.token === token) this.current = undefined;
  }

  /** Endpoint URL of a service type from the catalog, using the configured interface and region by default. */
  async endpoint(type: string, query: Partial<Omit<EndpointQuery, 'type'>> = {}): Promise<string> {
    const { catalog } = (await this.auth()).info;
    const wanted: EndpointQuery = {
      type,
      interface: query.interface ?? this.options.config.interface,
      region: query.region ?? this.options.config.region,
    };
    const url = selectEndpoint(catalog, wanted);
    if (!url)
      throw new VigilError(ErrorCode.CONFIG_INVALID, `No ${type} endpoint in the Keystone catalog`, {
        ...wanted,
        servicesInCatalog: catalog.map((c: CatalogEntry) => c.type),
      });
    return url.replace(/\/+$/, '');
  }

  /**
   * Checks a caller's token with our own (`GET /v3/auth/tokens`). `undefined` when Keystone says it is
   * invalid, expired or revoked (404); throws UNAVAILABLE/TIMEOUT when Keystone cannot tell.
   */
  async validateToken(subjectToken: string): Promise<TokenInfo | undefined> {
    for (let attempt = 1; ; attempt++) {
      const auth = await this.auth();
      const res = await this.http.send({
        method: 'GET',
        url: `${this.baseUrl}/auth/tokens?nocatalog`,
        headers: { 'X-Auth-Token': auth.token, 'X-Subject-Token': subjectToken },
        timeoutMs: this.options.config.timeoutMs,
      });
      if (res.status === 200) return this.tokenInfoFrom(res, 'token validation');
      if (res.status === 404) return undefined;
      if (res.status === 401 && attempt === 1) {
        this.invalidate(auth.token);
        continue;
      }
      throw this.errorFrom(res, 'validating a token');
    }
  }

  private async issue(): Promise<ServiceAuth> {
    const { config, logger } = this.options;
    const res = await this.http.send({
      method: 'POST',
      url: `${this.baseUrl}/auth/tokens`,
      body: authRequestBody(config),
      timeoutMs: config.timeoutMs,
    });
    if (res.status !== 201 && res.status !== 200) throw this.errorFrom(res, 'issuing the service token');
    const token = res.headers['x-subject-token'];
    if (!token)
      throw new VigilError(ErrorCode.BAD_RESPONSE, 'Keystone issued a token without X-Subject-Token', {
        status: res.status,
      });
    registerSecret(token);
    const info = this.tokenInfoFrom(res, 'token issue');
    this.current = { token, info };
    logger.debug(
      { userId: info.userId, projectId: info.projectId, expiresAt: new Date(info.expiresAtMs).toISOString() },
      'issued Keystone service token',
    );
    return this.current;
  }

  private tokenInfoFrom(res: HttpResponse, what: string): TokenInfo {
    const body = parseBody(SERVICE, res, tokenBodySchema, what);
    const expiresAtMs = parseExpiresAt(body.token.expires_at);
    if (expiresAtMs === undefined)
      throw new VigilError(ErrorCode.BAD_RESPONSE, `Keystone ${what}: unparseable expires_at`, {
        expiresAt: body.token.expires_at,
      });
    return toTokenInfo(body, expiresAtMs);
  }

  private errorFrom(res: HttpResponse, doing: string): VigilError {
    const details = { service: SERVICE, status: res.status, fault: faultMessage(res) };
    const message = `Keystone answered ${res.status} ${doing}: ${details.fault}`;
    if (res.status === 401) return new VigilError(ErrorCode.AUTH_FAILED, message, details);
    if (res.status === 403) return new VigilError(ErrorCode.FORBIDDEN, message, details);
    if (res.status === 400) return new VigilError(ErrorCode.BAD_REQUEST, message, details);
    if (res.status >= 500 || res.status === 429)
      return new VigilError(ErrorCode.UNAVAILABLE, message, details);
    return new VigilError(ErrorCode.BAD_RESPONSE, message, details);
  }
}

/** The `POST /v3/auth/tokens` body for our credentials (openstack-api.md §1.1). */
export function authRequestBody(config: KeystoneConfig): unknown {
  if (config.applicationCredentialId && config.applicationCredentialSecret)
    // An application credential carries its own scope; sending one is a 401.
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: {
            id: config.applicationCredentialId,
            secret: config.applicationCredentialSecret,
          },
        },
      },
    };
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: config.username, domain: { name: config.userDomainName }, password: config.password },
        },
      },
      scope: { project: { name: config.projectName, domain: { name: config.projectDomainName } } },
    },
  };
}
