import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { RedisServerProcess, findFreePort } from '@vigil/redis';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

export interface ControllerStackOptions {
  /** Config keys besides redis, api and auth (which the stack sets), e.g. intake, detection, keystone. */
  config: Record<string, unknown>;
  /** Write a V8 CPU profile of the controller into the work dir (kept on stop). */
  cpuProfile?: boolean;
}

/** A further controller process on the same Redis and config (active/active intake). */
export interface ControllerReplica {
  url: string;
  pid: number;
  /** SIGKILL: a crash, no shutdown hooks. */
  kill(): Promise<void>;
}

/**
 * A real redis-server (temp data dir) and the built controller (`dist/apps/controller/main.js`) as a
 * child process configured through VIGIL_CONFIG, so secrets stay out of argv. Logs: `<workDir>/controller.log`.
 */
export class ControllerStack {
  readonly workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  readonly logFile = join(this.workDir, 'controller.log');
  private readonly redis = new RedisServerProcess({ dataDir: join(this.workDir, 'redis') });
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private port = 0;
  private config: Record<string, unknown> = {};
  private readonly replicas: Array<{ child: ChildProcess; exited: Promise<void> }> = [];

  constructor(private readonly options: ControllerStackOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new VigilError(ErrorCode.INTERNAL, 'controller not started');
    return pid;
  }

  get redisPid(): number | undefined {
    return this.redis.pid;
  }

  async start(): Promise<void> {
    await this.redis.start();
    this.port = await findFreePort();
    this.config = {
      dataDir: join(this.workDir, 'data'),
      auth: { strategy: 'noauth' },
      api: { host: '127.0.0.1', port: this.port },
      redis: { url: this.redis.url, password: this.redis.password },
      log: { level: 'warn' },
      ...this.options.config,
    };
    const child = this.spawnController('controller', this.config);
    this.child = child;
    this.exited = new Promise((done) => child.once('exit', () => done()));
    await this.waitForApi(child, this.url);
  }

  /** Starts one more controller process on the same Redis and config (its own port and data dir). */
  async addReplica(): Promise<ControllerReplica> {
    const name = `replica-${this.replicas.length + 1}`;
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const child = this.spawnController(name, {
      ...this.config,
      dataDir: join(this.workDir, `${name}-data`),
      api: { host: '127.0.0.1', port },
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    this.replicas.push({ child, exited });
    await this.waitForApi(child, url);
    const pid = child.pid ?? 0;
    return {
      url,
      pid,
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
  }

  /** The primary controller as a replica handle (to kill it as the leader, for instance). */
  primary(): ControllerReplica {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) throw new VigilError(ErrorCode.INTERNAL, 'controller not started');
    return {
      url: this.url,
      pid: this.pid,
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
  }

  private spawnController(name: string, config: Record<string, unknown>): ChildProcess {
    const configFile = join(this.workDir, `${name}.yaml`);
    writeFileSync(configFile, toYaml(config), { mode: 0o600 });
    const log = openSync(name === 'controller' ? this.logFile : join(this.workDir, `${name}.log`), 'a');
    const profile = this.options.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${this.workDir}`] : [];
    const child = spawn(process.execPath, [...profile, resolve('dist/apps/controller/main.js')], {
      cwd: this.workDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VIGIL_CONFIG: configFile },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    return child;
  }

  async stop(keepWorkDir = false): Promise<void> {
    for (const { child, exited } of this.replicas) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    await this.redis.stop();
    if (!keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  private async waitForApi(child: ChildProcess, url: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new VigilError(
          ErrorCode.UNAVAILABLE,
          `controller exited with ${child.exitCode}; see ${this.logFile}`,
        );
      try {
        const res = await fetch(`${url}/v1`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new VigilError(
      ErrorCode.TIMEOUT,
      `controller API not up within ${READY_TIMEOUT_MS} ms; see ${this.logFile}`,
    );
  }
}
