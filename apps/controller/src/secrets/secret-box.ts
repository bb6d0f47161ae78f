import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ErrorCode, VigilError } from '@vigil/contracts';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format tag, so the scheme can change later without guessing what old values are. */
const VERSION = 'v1';

/**
 * AES-256-GCM for secrets at rest. Each value gets a fresh IV; the `context` (e.g. `fencing:<host>:password`)
 * is bound as additional authenticated data, so a ciphertext copied to another field or host fails to decrypt.
 * Format: `v1:<base64 iv|tag|ciphertext>`.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES)
      throw new VigilError(ErrorCode.CONFIG_INVALID, `encryption key must be ${KEY_BYTES} bytes`);
    this.key = Buffer.from(key);
  }

  static generateKey(): Buffer {
    return randomBytes(KEY_BYTES);
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  decrypt(sealed: string, context: string): string {
    const [version, data] = sealed.split(':', 2);
    if (version !== VERSION || data === undefined)
      throw new VigilError(ErrorCode.INTERNAL, 'stored secret has an unknown format');
    const raw = Buffer.from(data, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES)
      throw new VigilError(ErrorCode.INTERNAL, 'stored secret is truncated');
    const decipher = createDecipheriv(ALGORITHM, this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // Wrong key (secret.key replaced?) or tampered value; never include the data in the message.
      throw new VigilError(
        ErrorCode.INTERNAL,
        'stored secret cannot be decrypted with the current encryption key',
      );
    }
  }
}
