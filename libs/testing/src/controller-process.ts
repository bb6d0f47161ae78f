import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ErrorCode, VigilError } from '@vigil/contracts';

export interface ControllerProcessOptions {
  /** Built controller entry, e.g. `dist/apps/controller/main.js`. */
  mainJs: string;
  /** Working directory of the run: config, data dir (embedded Redis), log file. */
  workDir: string;
  /** The controller's config (YAML in `<workDir>/<name>.yaml`, mode 0600: it holds secrets). */
  config: Record<string, unknown>;
  /** Give up waiting for the API after this long, ms. */
  readyTimeoutMs: number;
  /** Names the config and log files (`<name>.yaml`, `<name>.log`). Default `controller`. */
  name?: string;
  /** Options for node itself, before the entry (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[];
}

/** How long the rest of the group (the embedded Redis) gets to exit on SIGTERM before SIGKILL. */
const GROUP_EXIT_WAIT_MS = 5_000;

/**
 * The real controller as a child process (`node dist/apps/controller/main.js`), configured through
 * `VIGIL_CONFIG` so no secret is in its argv; its logs go to `<workDir>/<name>.log`. The one way the
 * demo, the benchmarks and the multi-replica tests run a controller.
 *
 * It runs in its own process group, which it shares with its embedded redis-server: stopping or
 * killing it ends the group, so no Redis outlives it even when the controller exits without stopping
 * it, and an exit hook kills the group if this process dies first. After `kill` or `stop` it can be
 * started again on the same port and config: what a replica crash and restart look like.
 */
export class ControllerProcess {
  readonly name: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  private readonly killGroupOnExit = (): void => this.signalGroup('SIGKILL');

  constructor(private readonly options: ControllerProcessOptions) {
    this.name = options.name ?? 'controller';
    this.logFile = join(options.workDir, `${this.name}.log`);
  }

  get running(): boolean {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** The controller's own pid (for CPU and memory readings). */
  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new VigilError(ErrorCode.INTERNAL, `${this.name} not started`);
    return pid;
  }

  /** Spawns the controller and resolves once `apiUrl` answers its version document. */
  async start(apiUrl: string): Promise<void> {
    mkdirSync(this.options.workDir, { recursive: true });
    const configFile = join(this.options.workDir, `${this.name}.yaml`);
    writeFileSync(configFile, toYaml(this.options.config), { mode: 0o600 });
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), this.options.mainJs], {
      cwd: this.options.workDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VIGIL_CONFIG: configFile },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.child = child;
    process.once('exit', this.killGroupOnExit);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + this.options.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new VigilError(
          ErrorCode.UNAVAILABLE,
          `${this.name} exited with ${child.exitCode}; see ${this.logFile}; it ends with:\n${this.logTail()}`,
        );
      try {
        // The version document: public, so the probe works with Keystone auth on too.
        const res = await fetch(`${apiUrl}/`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new VigilError(
      ErrorCode.TIMEOUT,
      `${this.name} API not up after ${this.options.readyTimeoutMs} ms; see ${this.logFile}`,
    );
  }

  /** A crash: SIGKILL to the whole group, no shutdown hooks run. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signalGroup('SIGKILL');
    await this.exited;
    process.removeListener('exit', this.killGroupOnExit);
  }

  /** SIGTERM, then SIGKILL to the group if it has not exited within `graceMs`; then ends what is left of the group. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.signalGroup('SIGTERM');
    const deadline = Date.now() + GROUP_EXIT_WAIT_MS;
    while (this.groupAlive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.signalGroup('SIGKILL');
    process.removeListener('exit', this.killGroupOnExit);
  }

  /** The last lines of the log: the reason a boot failed, kept in the error since work dirs get removed. */
  private logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private groupAlive(): boolean {
    const pid = this.child?.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}
