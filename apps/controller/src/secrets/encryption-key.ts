import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { SecretBox } from './secret-box';

export const KEY_FILE_NAME = 'secret.key';

/**
 * The key from `secrets.encryptionKey`, or else from `<dataDir>/secret.key`, created once (0600) on first
 * boot. The file sits next to the data it protects, so it only guards against leaked Redis dumps and
 * backups: the boot warning says so.
 */
export function loadEncryptionKey(config: ControllerConfig, logger: Logger): Buffer {
  const configured = config.secrets.encryptionKey;
  if (configured) return Buffer.from(configured, 'base64');
  const dir = resolve(config.dataDir);
  const path = join(dir, KEY_FILE_NAME);
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== 32)
      throw new VigilError(ErrorCode.CONFIG_INVALID, `${path} does not hold a 32-byte base64 key`);
    logger.warn(
      { keyFile: path },
      'secrets.encryptionKey is not set: BMC passwords are encrypted with the key file in the data dir; set secrets.encryptionKey for production',
    );
    return key;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = SecretBox.generateKey();
  // 'wx' refuses to overwrite a key another process created meanwhile (that would orphan its secrets).
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  logger.warn(
    { keyFile: path },
    'secrets.encryptionKey is not set: generated a new encryption key file in the data dir; set secrets.encryptionKey for production',
  );
  return key;
}
