import { execFile } from 'node:child_process';
import { z } from 'zod';
import { type SharedDiskGuardConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type DiskHolders, type SharedDiskProbe } from './shared-disk-guard';

/** `rbd status --format json` (Ceph src/tools/rbd/action/Status.cc): `{"watchers": [{address, client, cookie}]}`. */
const statusSchema = z.object({
  watchers: z.array(z.object({ address: z.string(), client: z.number(), cookie: z.number() })),
});
/** `rbd lock ls --format json` (Lock.cc): `[{"id", "locker", "address"}]`. */
const locksSchema = z.array(z.object({ id: z.string(), locker: z.string(), address: z.string() }));

/**
 * The only runner of the `rbd` CLI. Arguments as an argv array (no shell); never a secret in argv: the
 * client id only (`--id`), its keyring found by rbd through ceph.conf. JSON output parsed by schema.
 */
export class RbdCli implements SharedDiskProbe {
  constructor(private readonly config: SharedDiskGuardConfig) {}

  async holders(image: string): Promise<DiskHolders> {
    const status = parse(statusSchema, await this.json(['status', image]), 'status');
    const locks = parse(locksSchema, await this.json(['lock', 'ls', image]), 'lock ls');
    return { watchers: status.watchers.map(({ address, client }) => ({ address, client })), locks };
  }

  private json(args: string[]): Promise<unknown> {
    const user = this.config.cephUser === undefined ? [] : ['--id', this.config.cephUser];
    const argv = [...args, '--format', 'json', ...user];
    return new Promise((resolve, reject) => {
      execFile(
        this.config.rbdPath,
        argv,
        { timeout: this.config.commandTimeoutMs, maxBuffer: 1 << 20 },
        (err, stdout, stderr) => {
          if (err) {
            const timedOut = err.killed === true;
            return reject(
              new VigilError(
                timedOut ? ErrorCode.TIMEOUT : ErrorCode.UNAVAILABLE,
                `rbd ${args.join(' ')} ${timedOut ? 'timed out' : 'failed'}: ${stderr.trim().slice(0, 300) || err.message}`,
              ),
            );
          }
          try {
            resolve(JSON.parse(stdout));
          } catch {
            reject(new VigilError(ErrorCode.BAD_RESPONSE, `rbd ${args.join(' ')} printed no JSON`));
          }
        },
      );
    });
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new VigilError(ErrorCode.BAD_RESPONSE, `rbd ${what} printed an unexpected shape`, {
      issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  return parsed.data;
}
