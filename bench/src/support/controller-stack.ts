import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { RedisServerProcess, findFreePort } from '@vigil/redis';
import { ControllerProcess } from '@vigil/testing';

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
 * child process (the shared `ControllerProcess`), plus replicas on the same Redis and config.
 * Logs: `<workDir>/controller.log`, `<workDir>/replica-N.log`.
 */
export class ControllerStack {
  readonly workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  readonly logFile = join(this.workDir, 'controller.log');
  private readonly redis = new RedisServerProcess({ dataDir: join(this.workDir, 'redis') });
  private controller: ControllerProcess | undefined;
  private port = 0;
  private config: Record<string, unknown> = {};
  private readonly replicas: ControllerProcess[] = [];

  constructor(private readonly options: ControllerStackOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.primary().pid;
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
    this.controller = this.controllerProcess('controller', this.config);
    await this.controller.start(this.url);
  }

  /** Starts one more controller process on the same Redis and config (its own port and data dir). */
  async addReplica(): Promise<ControllerReplica> {
    const name = `replica-${this.replicas.length + 1}`;
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const replica = this.controllerProcess(name, {
      ...this.config,
      dataDir: join(this.workDir, `${name}-data`),
      api: { host: '127.0.0.1', port },
    });
    this.replicas.push(replica);
    await replica.start(url);
    return { url, pid: replica.pid, kill: () => replica.kill() };
  }

  /** The primary controller as a replica handle (to kill it as the leader, for instance). */
  primary(): ControllerReplica {
    const controller = this.controller;
    if (!controller) throw new VigilError(ErrorCode.INTERNAL, 'controller not started');
    return { url: this.url, pid: controller.pid, kill: () => controller.kill() };
  }

  async stop(keepWorkDir = false): Promise<void> {
    for (const replica of this.replicas) await replica.stop(STOP_GRACE_MS);
    await this.controller?.stop(STOP_GRACE_MS);
    await this.redis.stop();
    if (!keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  private controllerProcess(name: string, config: Record<string, unknown>): ControllerProcess {
    return new ControllerProcess({
      name,
      mainJs: resolve('dist/apps/controller/main.js'),
      workDir: this.workDir,
      config,
      readyTimeoutMs: READY_TIMEOUT_MS,
      nodeArgs: this.options.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${this.workDir}`] : [],
    });
  }
}
