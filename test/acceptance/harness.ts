import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs a program (no shell); rejects with its stderr on a non-zero exit. */
export function run(
  program: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 300_000,
        cwd: options.cwd,
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${program} ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value; throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 300_000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * The OpenStack harness (../shared/openstack): one IPMI BMC per compute (ipmi_sim, `BMC_LINK=1` ties
 * its power to the host's processes), nova-compute pid files, the linked-process registry.
 */
export class Harness {
  constructor(readonly dir: string) {
    if (!existsSync(join(dir, 'bmc.sh'))) throw new Error(`${dir} is not the OpenStack harness (no bmc.sh)`);
  }

  computes(): string[] {
    const etc = join(this.dir, 'etc/nova');
    const list = existsSync(etc)
      ? readdirSync(etc)
          .filter((f) => /^compute\d+\.conf$/.test(f))
          .map((f) => f.replace(/\.conf$/, ''))
      : [];
    return list.sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
  }

  bmcPort(host: string): number {
    return 16230 + Number(host.replace(/\D/g, ''));
  }

  linkedDir(host: string): string {
    return join(this.dir, 'data/bmc', host, 'linked');
  }

  novaComputePidFile(host: string): string {
    return join(this.dir, 'run', `nova-compute-${host}.pid`);
  }

  novaComputePid(host: string): number | undefined {
    const f = this.novaComputePidFile(host);
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
  }

  async startBmc(host: string): Promise<void> {
    await run(join(this.dir, 'bmc.sh'), ['start', host], { env: { ...process.env, BMC_LINK: '1' } });
  }

  async ipmi(host: string, ...args: string[]): Promise<string> {
    return run('/usr/bin/ipmitool', [
      '-I',
      'lanplus',
      '-C',
      '3',
      '-H',
      '127.0.0.1',
      '-p',
      String(this.bmcPort(host)),
      '-U',
      'admin',
      '-P',
      'secret',
      ...args,
    ]);
  }

  async power(host: string): Promise<'on' | 'off'> {
    return /on/i.test(await this.ipmi(host, 'chassis', 'power', 'status')) ? 'on' : 'off';
  }

  async start(...services: string[]): Promise<void> {
    await run(join(this.dir, 'start.sh'), services, { timeoutMs: 600_000 });
  }
}
