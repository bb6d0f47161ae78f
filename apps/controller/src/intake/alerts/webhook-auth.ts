import { createHash, timingSafeEqual } from 'node:crypto';
import { type AlertsConfig } from '@vigil/config';

export type WebhookAuthVerdict = 'ok' | 'missing' | 'invalid' | 'not-configured';

/**
 * Checks `Authorization: Bearer <token>` or `Basic <base64(user:pass)>` against `alerts.auth`.
 * Compares SHA-256 digests in constant time, so neither content nor length leaks through timing.
 */
export function checkWebhookAuth(
  config: Pick<AlertsConfig, 'auth' | 'allowUnauthenticated'>,
  header: string | undefined,
): WebhookAuthVerdict {
  if (config.allowUnauthenticated) return 'ok';
  const auth = config.auth;
  if (!auth) return 'not-configured';
  if (!header) return 'missing';
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (!m?.[1] || !m[2]) return 'invalid';
  const scheme = m[1].toLowerCase();
  const credential = m[2];
  if (scheme === 'bearer' && auth.bearerToken !== undefined)
    return sameSecret(credential, auth.bearerToken) ? 'ok' : 'invalid';
  if (scheme === 'basic' && auth.username !== undefined && auth.password !== undefined) {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'invalid';
    // Both halves are always compared, so a wrong user name costs as much as a wrong password.
    const userOk = sameSecret(decoded.slice(0, colon), auth.username);
    const passOk = sameSecret(decoded.slice(colon + 1), auth.password);
    return userOk && passOk ? 'ok' : 'invalid';
  }
  return 'invalid';
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
