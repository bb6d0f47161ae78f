import { readFile, stat } from 'node:fs/promises';
import { registerSecret, type HostMonitorConfig, type Logger } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';

/** Shorter secrets are refused: `vigil` prints 64 hex characters. */
const MIN_SECRET_LENGTH = 16;

/**
 * The host secret from `secretFile` (first line) or `secret`, registered for log redaction before anything
 * else can log it. A file readable by group or others is accepted with a warning: systemd's LoadCredential
 * already makes it private, and refusing to start would take HA down on a permission slip.
 */
export async function loadHostSecret(config: HostMonitorConfig, logger: Logger): Promise<string> {
  let secret = config.secret;
  if (config.secretFile) {
    const file = config.secretFile;
    try {
      secret = (await readFile(file, 'utf8')).split('\n')[0]?.trim();
      const mode = (await stat(file)).mode;
      if (mode & 0o077)
        logger.warn(
          { file, mode: (mode & 0o777).toString(8) },
          'secret file is readable by others; chmod 600 it',
        );
    } catch (err) {
      throw new VigilError(
        ErrorCode.CONFIG_INVALID,
        `cannot read secretFile ${file}: ${(err as Error).message}`,
      );
    }
  }
  registerSecret(secret);
  if (!secret || secret.length < MIN_SECRET_LENGTH)
    throw new VigilError(
      ErrorCode.CONFIG_INVALID,
      `host secret must be at least ${MIN_SECRET_LENGTH} characters`,
    );
  return secret;
}

export async function readBootId(file: string): Promise<string> {
  try {
    const bootId = (await readFile(file, 'utf8')).trim();
    if (bootId) return bootId;
  } catch (err) {
    throw new VigilError(
      ErrorCode.CONFIG_INVALID,
      `cannot read boot id from ${file}: ${(err as Error).message}`,
    );
  }
  throw new VigilError(ErrorCode.CONFIG_INVALID, `boot id file ${file} is empty`);
}
