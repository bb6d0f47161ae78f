import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Redis } from '@vigil/redis';
import { REDIS } from '../platform/tokens';
import { SecretBox } from '../secrets/secret-box';

/** One signed-in operator: the Keystone token the page acts with, and the CSRF token it must echo. */
export interface UiSession {
  token: string;
  csrf: string;
  user: string;
  project: string;
  roles: string[];
  /** Epoch ms: the Keystone token's expiry, or the session cap, whichever is first. */
  expiresAt: number;
}

/** A session never outlives this, even when its Keystone token would. */
export const SESSION_MAX_AGE_MS = 8 * 3600_000;
export const SESSION_COOKIE = 'vigil_session';
export const CSRF_HEADER = 'x-csrf-token';

const keyOf = (id: string): string => `vigil:ui:session:${createHash('sha256').update(id).digest('hex')}`;
/** The token is sealed with a key only the cookie holder has: Redis alone never yields a usable token. */
const boxOf = (id: string): SecretBox =>
  new SecretBox(createHash('sha256').update(`vigil-ui-session-token:${id}`).digest());
const TOKEN_CONTEXT = 'ui-session:token';

/**
 * Sessions live in Redis (keyed by a hash of the cookie value, expiring with the token, the token sealed
 * with a key derived from the cookie value), so the page stays signed in across a controller restart or a
 * change of leader: any replica can serve it.
 */
@Injectable()
export class UiSessionStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async create(s: Omit<UiSession, 'csrf'>): Promise<{ id: string; session: UiSession }> {
    const id = randomBytes(32).toString('base64url');
    const session: UiSession = { ...s, csrf: randomBytes(24).toString('base64url') };
    const ttl = Math.max(1, session.expiresAt - Date.now());
    const stored = { ...session, token: boxOf(id).encrypt(session.token, TOKEN_CONTEXT) };
    await this.redis.set(keyOf(id), JSON.stringify(stored), 'PX', ttl);
    return { id, session };
  }

  async get(id: string): Promise<UiSession | undefined> {
    const raw = await this.redis.get(keyOf(id));
    if (!raw) return undefined;
    const s = JSON.parse(raw) as UiSession;
    if (s.expiresAt <= Date.now()) return undefined;
    return { ...s, token: boxOf(id).decrypt(s.token, TOKEN_CONTEXT) };
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(keyOf(id));
  }
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
