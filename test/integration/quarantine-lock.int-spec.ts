import { controllerConfigSchema } from '@vigil/config';
import { ErrorCode } from '@vigil/contracts';
import { type RedisFixture, startRedis } from '@vigil/testing';
import { QuarantineStore } from '../../apps/controller/src/quarantine/quarantine.store';

/**
 * The quarantine lock on a real Redis: two stores on their own connections play two controller
 * replicas. Their sections run one at a time across both, a waiter gives up with a retryable error
 * instead of blocking for ever, and a failing section releases the lock.
 */
describe('quarantine lock across controller replicas', () => {
  let redis: RedisFixture;
  let replicas: [QuarantineStore, QuarantineStore];

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      api: { port: 0 },
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'qlock:' },
    });
    replicas = [new QuarantineStore(config, redis.client()), new QuarantineStore(config, redis.client())];
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('runs the sections of both replicas one at a time, each reading what the previous one wrote', async () => {
    let inside = 0;
    let most = 0;
    // Each section reads the record, yields to the other replica's connection, then writes it back:
    // without the lock, two sections read the same count and one increment is lost.
    const section = (store: QuarantineStore) =>
      store.exclusive(async () => {
        inside += 1;
        most = Math.max(most, inside);
        const current = await store.get('cmp-01');
        await new Promise((resolve) => setImmediate(resolve));
        await store.put({
          host: 'cmp-01',
          segmentId: 's',
          since: 0,
          signals: [],
          mode: 'drain',
          liveMigrationsStarted: (current?.liveMigrationsStarted ?? 0) + 1,
        });
        inside -= 1;
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => section(replicas[i % 2] as QuarantineStore)));
    expect(most).toBe(1);
    expect((await replicas[0].get('cmp-01'))?.liveMigrationsStarted).toBe(20);
  });

  it('a replica waiting longer than its bound is told to try again (UNAVAILABLE), never blocked for ever', async () => {
    let release: () => void = () => undefined;
    const held = replicas[0].exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(replicas[1].exclusive(() => Promise.resolve('ran'), 100)).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
    });
    release();
    await held;
    await expect(replicas[1].exclusive(() => Promise.resolve('ran'), 100)).resolves.toBe('ran');
  });

  it('an error inside a section releases the lock', async () => {
    await expect(replicas[0].exclusive(() => Promise.reject(new Error('nova down')))).rejects.toThrow(
      'nova down',
    );
    await expect(replicas[1].exclusive(() => Promise.resolve('ran'), 100)).resolves.toBe('ran');
  });
});
