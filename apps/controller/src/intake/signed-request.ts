import { type IntakeConfig } from '@vigil/config';
import { ErrorCode, VigilError, deriveHostSecret, verifySignature } from '@vigil/contracts';

/**
 * Checks a host monitor's signature over the exact body bytes. Every rejection is a coded error:
 * missing/bad signature → 401, timestamp outside `maxSkewMs` → 409 (a delayed or replayed request).
 */
export class SignatureVerifier {
  // Each secret is one HMAC; caching them keeps verification to a single HMAC per request.
  private readonly secrets = new Map<string, string>();
  private static readonly MAX_CACHED = 100_000;

  constructor(private readonly config: IntakeConfig) {}

  get enabled(): boolean {
    return this.config.heartbeatMasterKey !== undefined;
  }

  verify(host: string | undefined, body: string, header: string | undefined, nowMs: number): string {
    const masterKey = this.config.heartbeatMasterKey;
    if (!masterKey)
      throw new VigilError(
        ErrorCode.UNAVAILABLE,
        'Heartbeat intake is disabled: intake.heartbeatMasterKey is not configured.',
      );
    if (!host) throw unauthorized('missing x-vigil-host header');
    const check = verifySignature(this.secretOf(masterKey, host), body, header, nowMs);
    if (!check.ok) {
      if (check.reason === 'stale') throw stale();
      throw unauthorized(check.reason === 'malformed' ? 'missing or malformed signature' : 'bad signature');
    }
    if (Math.abs(nowMs - check.timestampMs) > this.config.maxSkewMs) throw stale();
    return host;
  }

  private secretOf(masterKey: string, host: string): string {
    let secret = this.secrets.get(host);
    if (!secret) {
      if (this.secrets.size >= SignatureVerifier.MAX_CACHED) this.secrets.clear();
      secret = deriveHostSecret(masterKey, host);
      this.secrets.set(host, secret);
    }
    return secret;
  }
}

export function unauthorized(why: string): VigilError {
  return new VigilError(ErrorCode.UNAUTHORIZED, `Heartbeat rejected: ${why}.`);
}

function stale(): VigilError {
  return new VigilError(
    ErrorCode.CONFLICT,
    'Heartbeat rejected: signature timestamp outside the accepted clock skew.',
  );
}
