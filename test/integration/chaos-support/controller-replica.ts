import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ErrorCode, VigilError } from '@vigil/contracts';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/**
 * One controller replica as a child process (`node dist/apps/controller/main.js`) in its own process
 * group, configured through VIGIL_CONFIG so secrets stay out of argv. Unlike the demo's
 * `ControllerProcess` it can be SIGKILLed and started again on the same port and config, which is
 * what a replica crash looks like to the rest of the cluster.
 */
export class ControllerReplica {
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly killGroupOnExit = (): void => this.signalGroup('SIGKILL');

  constructor(
    readonly name: string,
    private readonly mainJs: string,
    private readonly workDir: string,
    private readonly port: number,
    private readonly config: Record<string, unknown>,
  ) {
    this.logFile = join(workDir, `${name}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async start(): Promise<void> {
    mkdirSync(this.workDir, { recursive: true });
    const configFile = join(this.workDir, `${this.name}.yaml`);
    writeFileSync(configFile, toYaml(this.config), { mode: 0o600 });
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [this.mainJs], {
      cwd: this.workDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VIGIL_CONFIG: configFile },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    this.child = child;
    process.once('exit', this.killGroupOnExit);
    this.exited = new Promise((done) => child.once('exit', () => done()));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new VigilError(
          ErrorCode.UNAVAILABLE,
          `${this.name} exited with ${child.exitCode}; see ${this.logFile}`,
        );
      try {
        const res = await fetch(`${this.url}/v1`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new VigilError(
      ErrorCode.TIMEOUT,
      `${this.name} API not up in ${READY_TIMEOUT_MS} ms; see ${this.logFile}`,
    );
  }

  /** A crash: SIGKILL to the whole group, no shutdown hooks run. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signalGroup('SIGKILL');
    await this.exited;
    process.removeListener('exit', this.killGroupOnExit);
  }

  /** SIGTERM, SIGKILL to the group after a grace period. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child?.kill('SIGTERM');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.signalGroup('SIGKILL');
    process.removeListener('exit', this.killGroupOnExit);
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
