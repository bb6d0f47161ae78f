import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServerProcess, createRedisClient, type Redis } from '@vigil/redis';

/**
 * A real redis-server on a free loopback port with append-only persistence in a temp dir,
 * one per test file. `restart()` keeps the data dir, so persistence is exercised for real.
 */
export interface RedisFixture {
  readonly url: string;
  readonly port: number;
  readonly password: string | undefined;
  readonly server: RedisServerProcess;
  /** A fresh command client (closed by `stop`). */
  client(): Redis;
  /** Removes every key, between tests. */
  flush(): Promise<void>;
  /** SIGTERM (AOF flushed) then start on the same port and data dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  const server = new RedisServerProcess({ dataDir, requirePassword: true });
  await server.start();
  const clients: Redis[] = [];
  const fixture: RedisFixture = {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    password: server.password,
    server,
    client() {
      const c = createRedisClient({ url: server.url, password: server.password }, 'blocking');
      clients.push(c);
      return c;
    },
    async flush() {
      const c = createRedisClient({ url: server.url, password: server.password }, 'blocking');
      await c.flushall();
      c.disconnect();
    },
    async restart() {
      await server.stop();
      await server.start();
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}
