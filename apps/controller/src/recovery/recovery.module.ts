import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { QUEUE_HEALTH } from '../health/readiness-ports';
import { RecoveryController } from './api/recovery.controller';
import { RECOVERY_REDIS_FACTORY, RecoveryLifecycle, type RedisFactory } from './recovery-lifecycle';

export interface RecoveryModuleOptions {
  /**
   * Modules exporting the port tokens (COMPUTE_API, HOST_FENCER, INCIDENT_LEDGER, SEGMENT_DIRECTORY,
   * FENCING_TOKEN_SOURCE, HOST_HEALTH, optionally CLOCK). Global providers work too.
   */
  imports?: ModuleMetadata['imports'];
}

/**
 * The recovery engine (BullMQ workers, startup reconciliation) and its operator routes under /vigil/v1.
 * Global so readiness (HealthModule) gets QUEUE_HEALTH, the recovery queues' health, from it.
 */
@Module({})
export class RecoveryModule {
  /** `connect` is `RedisConnection.client`: BullMQ gets its own blocking connections from it. */
  static forRoot(connect: RedisFactory, options: RecoveryModuleOptions = {}): DynamicModule {
    return {
      global: true,
      module: RecoveryModule,
      imports: options.imports ?? [],
      controllers: [RecoveryController],
      providers: [
        { provide: RECOVERY_REDIS_FACTORY, useValue: connect },
        RecoveryLifecycle,
        {
          provide: QUEUE_HEALTH,
          inject: [RecoveryLifecycle],
          useFactory: (lifecycle: RecoveryLifecycle) => lifecycle.queueHealth,
        },
      ],
      exports: [RecoveryLifecycle, QUEUE_HEALTH],
    };
  }
}
