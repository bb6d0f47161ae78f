import { chmodSync, writeFileSync } from 'node:fs';
import { deriveHostSecret } from '@vigil/contracts';

/** Where the controller's environment file keeps the heartbeat master key (docs/operations.md). */
export const MASTER_KEY_VARIABLE = 'VIGIL_INTAKE__HEARTBEAT_MASTER_KEY';

/**
 * `vigil monitor-secret <host> [--out FILE]`, run on a controller node with its environment loaded:
 * derives the host monitor's secret from the master key in the environment (never from argv) and
 * writes it to FILE with mode 0600, or prints it for a config-management tool. Returns the exit code.
 */
export function monitorSecret(
  host: string,
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  file?: string,
): number {
  const masterKey = env[MASTER_KEY_VARIABLE];
  if (!masterKey) {
    out(
      `vigil monitor-secret: ${MASTER_KEY_VARIABLE} is not set; load the controller's environment first ` +
        '(set -a; . /etc/vigil/controller.env; set +a)\n',
    );
    return 2;
  }
  const secret = deriveHostSecret(masterKey, host);
  if (!file) {
    out(`${secret}\n`);
    return 0;
  }
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'w' });
  // `mode` applies only to a new file: an existing one is narrowed too.
  chmodSync(file, 0o600);
  out(
    `secret of ${host} written to ${file} (mode 0600); copy it to /etc/vigil/host-monitor.secret on ${host}\n`,
  );
  return 0;
}
