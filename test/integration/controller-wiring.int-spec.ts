import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { NestFactory } from '@nestjs/core';
import { controllerConfigSchema, createLogger } from '@vigil/config';
import { LogCapture, startRedis, type RedisFixture } from '@vigil/testing';
import { NoAuthValidator } from '../../apps/controller/src/api/auth';
import { AppModule, type AppDependencies } from '../../apps/controller/src/app.module';
import { RedisConnection } from '../../apps/controller/src/platform/redis-connection';
import { RecoveryAdaptersModule } from '../../apps/controller/src/recovery/adapters/recovery-adapters.module';
import { COMPUTE_API, HOST_FENCER } from '../../apps/controller/src/recovery/ports';
import { RecoveryModule } from '../../apps/controller/src/recovery/recovery.module';

/**
 * Wired or no boot: the controller's production module graph (AppModule) with one recovery adapter taken
 * out of RecoveryAdaptersModule must refuse to start, naming what is missing, instead of running with
 * recovery silently off. Observe mode is the explicit `recovery.enabled: false`, and needs the same wiring.
 */
describe('controller wiring: a missing adapter fails the boot and names it', () => {
  let redis: RedisFixture;
  let connection: RedisConnection;
  let deps: AppDependencies;

  beforeAll(async () => {
    redis = await startRedis();
    const config = controllerConfigSchema.parse({
      auth: { strategy: 'noauth' },
      redis: { url: redis.url, password: redis.password, keyPrefix: 'wiring-test:' },
    });
    const logger = createLogger({ name: 'wiring', level: 'warn', destination: new LogCapture() });
    connection = await RedisConnection.open(config, logger);
    deps = { config, logger, redis: connection, tokenValidator: new NoAuthValidator() };
  });

  afterAll(async () => {
    await connection?.close();
    await redis?.stop();
  });

  /** RecoveryAdaptersModule as shipped, without the provider of `token`. */
  function adaptersWithout(token: symbol): DynamicModule {
    const meta = (key: string): unknown[] =>
      (Reflect.getMetadata(key, RecoveryAdaptersModule) as unknown[] | undefined) ?? [];
    const provides = (p: unknown): unknown =>
      typeof p === 'object' && p !== null ? (p as { provide?: unknown }).provide : p;
    @Module({})
    class AdaptersMissingOne {}
    return {
      module: AdaptersMissingOne,
      imports: meta(MODULE_METADATA.IMPORTS) as DynamicModule['imports'],
      providers: (meta(MODULE_METADATA.PROVIDERS) as Provider[]).filter((p) => provides(p) !== token),
      exports: meta(MODULE_METADATA.EXPORTS).filter((e) => e !== token) as DynamicModule['exports'],
    };
  }

  /** AppModule.forRoot(deps) with its recovery module given `adapters` instead of the real ones. */
  function appWith(adapters: DynamicModule, recoveryEnabled = true): DynamicModule {
    const config = { ...deps.config, recovery: { ...deps.config.recovery, enabled: recoveryEnabled } };
    const app = AppModule.forRoot({ ...deps, config });
    return {
      ...app,
      imports: (app.imports ?? []).map((m) =>
        (m as DynamicModule).module === RecoveryModule
          ? RecoveryModule.forRoot((role) => connection.client(role), { imports: [adapters] })
          : m,
      ),
    };
  }

  async function bootError(root: DynamicModule): Promise<string> {
    try {
      const app = await NestFactory.createApplicationContext(root, { logger: false, abortOnError: false });
      await app.close();
      return 'booted';
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  it.each([
    ['COMPUTE_API', true, COMPUTE_API],
    ['HOST_FENCER', true, HOST_FENCER],
    ['HOST_FENCER', false, HOST_FENCER],
  ])(
    'without %s (recovery.enabled: %s) the boot fails naming it and the recovery engine',
    async (name, enabled, token) => {
      const message = await bootError(appWith(adaptersWithout(token), enabled));
      expect(message).toContain(`Symbol(${name})`);
      expect(message).toContain('RecoveryLifecycle');
    },
  );

  it('the same graph with every adapter boots', async () => {
    expect(await bootError(appWith(adaptersWithout(Symbol('nothing'))))).toBe('booted');
  });
});
