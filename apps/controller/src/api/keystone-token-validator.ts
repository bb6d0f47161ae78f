import { createHash } from 'node:crypto';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { KeystoneSession, type TokenInfo } from '@vigil/openstack';
import { type CallerIdentity, type TokenValidator } from './auth';

/** What the validator needs from Keystone: `KeystoneSession` in production. */
export interface TokenIntrospector {
  validateToken(token: string): Promise<TokenInfo | undefined>;
}

export interface KeystoneTokenValidatorOptions {
  introspector: TokenIntrospector;
  /** How long a positive answer is trusted (ms); never beyond the token's own expiry. 0 = no cache. */
  cacheTtlMs: number;
  /** Most cached tokens; the oldest entry is dropped beyond it. Default 10,000. */
  maxEntries?: number;
  /** Epoch-ms clock; default `Date.now`. */
  now?: () => number;
}

interface CacheEntry {
  identity: CallerIdentity;
  untilMs: number;
}

/**
 * Validates callers' X-Auth-Token with Keystone (`GET /v3/auth/tokens` under our service token), with a
 * short positive cache keyed by the token's hash so raw tokens are not kept in memory. Invalid, expired
 * and revoked tokens are never cached (a caller fixing its token is not locked out).
 */
export class KeystoneTokenValidator implements TokenValidator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly options: KeystoneTokenValidatorOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async validate(token: string): Promise<CallerIdentity | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.untilMs > now) return hit.identity;
    this.cache.delete(key);
    const info = await this.introspect(token);
    // An unscoped token has no project: it cannot call a project API.
    if (!info?.projectId) return undefined;
    const identity: CallerIdentity = {
      userId: info.userId,
      userName: info.userName,
      projectId: info.projectId,
      roles: info.roles,
    };
    const untilMs = Math.min(now + this.options.cacheTtlMs, info.expiresAtMs);
    if (untilMs > now) this.remember(key, { identity, untilMs });
    return identity;
  }

  private async introspect(token: string): Promise<TokenInfo | undefined> {
    try {
      return await this.options.introspector.validateToken(token);
    } catch (err) {
      // A Keystone that does not answer in time is, to our caller, a Keystone that is down: retry later.
      if (err instanceof VigilError && err.code === ErrorCode.TIMEOUT)
        throw new VigilError(
          ErrorCode.UNAVAILABLE,
          'Keystone did not answer in time; retry shortly.',
          err.details,
        );
      throw err;
    }
  }

  private remember(key: string, entry: CacheEntry): void {
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, entry);
  }
}

/** The production validator: a Keystone session with the service credentials of `config.keystone`. */
export function keystoneTokenValidatorFrom(config: ControllerConfig, logger: Logger): KeystoneTokenValidator {
  if (!config.keystone)
    throw new VigilError(ErrorCode.CONFIG_INVALID, 'keystone is required when auth.strategy is keystone');
  const session = new KeystoneSession({
    config: config.keystone,
    logger: logger.child({ component: 'keystone' }),
  });
  return new KeystoneTokenValidator({ introspector: session, cacheTtlMs: config.auth.tokenCacheTtlMs });
}
