import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { ErrorCode, VigilError } from '@vigil/contracts';

/**
 * A `redis-server` child process with append-only persistence under a data directory: the controller's
 * embedded default and the test suite's real Redis. The password lives in a 0600 config file, never argv.
 */
export interface RedisServerOptions {
  /** Binary to run. Default `redis-server`. */
  binary?: string;
  /** Holds redis.conf, the append-only files and the log. Created if missing. */
  dataDir: string;
  /** Loopback port; 0 or unset picks a free one. */
  port?: number;
  /** Require a password (generated once per data dir and kept there). Default true. */
  requirePassword?: boolean;
  /** Restart the server when it exits unexpectedly. Default false (tests want to see the crash). */
  supervise?: boolean;
  /** How long to wait for PING after start. Default 10 s. */
  startTimeoutMs?: number;
  onEvent?: (event: RedisServerEvent) => void;
}

export type RedisServerEvent =
  | { kind: 'started'; port: number; pid: number }
  | { kind: 'exited'; code: number | null; signal: string | null; expected: boolean }
  | { kind: 'restart-scheduled'; inMs: number };

/** Capped backoff between restarts of a crashed embedded server. */
const RESTART_BACKOFF_MS = [200, 500, 1000, 2000, 5000] as const;

export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export class RedisServerProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private portInUse = 0;
  readonly password: string | undefined;
  readonly dataDir: string;

  constructor(private readonly options: RedisServerOptions) {
    this.dataDir = resolve(options.dataDir);
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    this.password = options.requirePassword === false ? undefined : this.loadOrCreatePassword();
  }

  get port(): number {
    return this.portInUse;
  }

  /** `redis://` URL without the password (give `password` separately to clients). */
  get url(): string {
    return `redis://127.0.0.1:${this.portInUse}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.takeOwnership();
    await this.stopOrphanOfThisDataDir();
    if (!this.portInUse) this.portInUse = this.options.port || (await findFreePort());
    const confPath = join(this.dataDir, 'redis.conf');
    const conf = [
      `port ${this.portInUse}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      `dir ${this.dataDir}`,
      'appendonly yes',
      'appendfsync everysec',
      'save ""',
      'daemonize no',
      `logfile ${join(this.dataDir, 'redis.log')}`,
      ...(this.password ? [`requirepass ${this.password}`] : []),
    ];
    writeFileSync(confPath, conf.join('\n') + '\n', { mode: 0o600 });
    const child = spawn(this.options.binary ?? 'redis-server', [confPath], { stdio: 'ignore' });
    this.child = child;
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(
          new VigilError(
            ErrorCode.UNAVAILABLE,
            `cannot start ${this.options.binary ?? 'redis-server'}: ${err.message} (install the redis-server package or configure redis.url)`,
          ),
        ),
      ),
    );
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    if (child.pid) writeFileSync(this.pidFile, String(child.pid), { mode: 0o600 });
    await Promise.race([spawnError, this.waitForPing(this.options.startTimeoutMs ?? 10_000)]);
    this.options.onEvent?.({ kind: 'started', port: this.portInUse, pid: child.pid ?? 0 });
  }

  /** Graceful stop (SIGTERM: Redis flushes its AOF). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.signalAndWait('SIGTERM');
    this.releaseOwnership();
  }

  /** Simulates a crash: SIGKILL, no restart even when supervised. */
  async kill(): Promise<void> {
    this.stopping = true;
    await this.signalAndWait('SIGKILL');
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill(signal);
    });
  }

  private onExit(child: ChildProcess, code: number | null, signal: string | null): void {
    if (child !== this.child) return;
    this.options.onEvent?.({ kind: 'exited', code, signal, expected: this.stopping });
    if (this.stopping || !this.options.supervise) return;
    const inMs = RESTART_BACKOFF_MS[Math.min(this.restarts, RESTART_BACKOFF_MS.length - 1)] ?? 5000;
    this.restarts += 1;
    this.options.onEvent?.({ kind: 'restart-scheduled', inMs });
    this.restartTimer = setTimeout(() => {
      this.start().then(
        () => (this.restarts = 0),
        () => this.onExit(child, null, null),
      );
    }, inMs);
  }

  private async waitForPing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no answer';
    while (Date.now() < deadline) {
      const probe = new Redis({
        host: '127.0.0.1',
        port: this.portInUse,
        password: this.password,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 500,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch (err) {
        lastError = (err as Error).message;
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new VigilError(
      ErrorCode.UNAVAILABLE,
      `redis-server on port ${this.portInUse} did not answer within ${timeoutMs} ms (${lastError}); see ${join(this.dataDir, 'redis.log')}`,
    );
  }

  private get pidFile(): string {
    return join(this.dataDir, 'vigil-redis.pid');
  }

  private get ownerFile(): string {
    return join(this.dataDir, 'vigil-redis.owner');
  }

  /**
   * One supervising process per data directory: the owner file names it (pid and kernel start time, so
   * a reused pid does not count). A second controller with the same config finds a live owner and
   * refuses to start, instead of stopping the first one's Redis from under it.
   */
  private takeOwnership(): void {
    const me = `${process.pid} ${processStartTime(process.pid) ?? ''}`;
    let owner = '';
    try {
      owner = readFileSync(this.ownerFile, 'utf8').trim();
    } catch {
      // no owner yet
    }
    if (owner && owner !== me) {
      const [pid, started] = owner.split(' ');
      const alive = pid !== undefined && started !== undefined && processStartTime(Number(pid)) === started;
      if (alive)
        throw new VigilError(
          ErrorCode.CONFLICT,
          `another process (pid ${pid}) already runs the embedded Redis of data directory ${this.dataDir}; ` +
            'refusing to start a second one on it. Stop that controller first, or give this one its own ' +
            'dataDir or point redis.url at a shared Redis.',
        );
    }
    writeFileSync(this.ownerFile, `${me}\n`, { mode: 0o600 });
  }

  private releaseOwnership(): void {
    try {
      if (readFileSync(this.ownerFile, 'utf8').trim().startsWith(`${process.pid} `)) rmSync(this.ownerFile);
    } catch {
      // already gone
    }
  }

  /**
   * A controller killed with SIGKILL leaves its redis-server running on the same append-only file; a
   * second server on that directory would corrupt it. Stop the orphan first (it flushes its AOF on
   * SIGTERM), but only a process that really is a redis-server working in this data directory: a pid
   * file can be stale and its pid reused by anything.
   */
  private async stopOrphanOfThisDataDir(): Promise<void> {
    if (!existsSync(this.pidFile)) return;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1 || pid === this.child?.pid) return;
    let cmdline = '';
    let cwd = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      return; // not running, or not ours to inspect
    }
    // redis-server rewrites its title ("redis-server 127.0.0.1:6379") and chdirs into its `dir`.
    if (!cmdline.includes('redis-server') || cwd !== this.dataDir) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 50));
  }

  private loadOrCreatePassword(): string {
    const file = join(this.dataDir, 'password');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const password = randomBytes(24).toString('hex');
    writeFileSync(file, password, { mode: 0o600 });
    return password;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined if no such process. */
function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
