import { join, resolve } from 'node:path';
import { type ControllerConfig, type Logger, registerSecret } from '@vigil/config';
import { RedisServerProcess, createRedisClient, type Redis } from '@vigil/redis';

/**
 * The controller's Redis: the configured one (URL or Sentinel), or, when none is configured, an embedded
 * redis-server child with append-only persistence that this process starts and supervises.
 */
export class RedisConnection {
  private embedded: RedisServerProcess | undefined;
  private clients: Redis[] = [];
  private lastStatus = '';

  private constructor(
    private readonly config: ControllerConfig,
    private readonly logger: Logger,
  ) {}

  static async open(config: ControllerConfig, logger: Logger): Promise<RedisConnection> {
    const connection = new RedisConnection(config, logger);
    await connection.startEmbeddedIfNeeded();
    return connection;
  }

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  /** A new client; `blocking` for BullMQ. Closed by `close()`. */
  client(role: 'command' | 'blocking' = 'command'): Redis {
    const r = this.config.redis;
    const client = this.embedded
      ? createRedisClient(
          { url: this.embedded.url, password: this.embedded.password, commandTimeoutMs: r.commandTimeoutMs },
          role,
        )
      : createRedisClient(
          {
            url: r.url,
            sentinels: r.sentinels,
            name: r.name,
            password: r.password,
            sentinelPassword: r.sentinelPassword,
            commandTimeoutMs: r.commandTimeoutMs,
          },
          role,
        );
    if (role === 'command' && this.clients.length === 0) this.watchStatus(client);
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    this.clients = [];
    await this.embedded?.stop();
  }

  private watchStatus(client: Redis): void {
    // Logged on change only: a Redis outage must not flood the log.
    const report = (status: string, err?: Error): void => {
      if (status === this.lastStatus) return;
      this.lastStatus = status;
      if (status === 'ready') this.logger.info('redis connection ready');
      else
        this.logger.warn(
          { err: err?.message },
          `redis connection ${status}; API answers 503 until it is back`,
        );
    };
    client.on('ready', () => report('ready'));
    client.on('error', (err: Error) => report('down', err));
    client.on('end', () => report('closed'));
  }

  private async startEmbeddedIfNeeded(): Promise<void> {
    const r = this.config.redis;
    registerSecret(r.password);
    registerSecret(r.sentinelPassword);
    if (r.url || r.sentinels) {
      this.logger.info(
        { redis: r.sentinels ? { sentinels: r.sentinels, name: r.name } : { url: redactUrl(r.url ?? '') } },
        'using configured Redis',
      );
      return;
    }
    const dataDir = resolve(
      r.embedded.dataDir === '.vigil-data/redis' ? join(this.config.dataDir, 'redis') : r.embedded.dataDir,
    );
    this.embedded = new RedisServerProcess({
      binary: r.embedded.binary,
      dataDir,
      port: r.embedded.port,
      supervise: true,
      onEvent: (e) => {
        switch (e.kind) {
          case 'started':
            return this.logger.info({ port: e.port, pid: e.pid, dataDir }, 'embedded redis-server running');
          case 'exited':
            if (!e.expected)
              this.logger.error({ code: e.code, signal: e.signal }, 'embedded redis-server exited');
            return;
          case 'restart-scheduled':
            return this.logger.warn({ inMs: e.inMs }, 'restarting embedded redis-server');
        }
      },
    });
    registerSecret(this.embedded.password);
    this.logger.warn(
      { dataDir },
      'no redis.url or redis.sentinels configured: starting an embedded redis-server (append-only file in the data dir). Fine for a first run; configure a real Redis for production.',
    );
    await this.embedded.start();
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//[redacted]@');
}
