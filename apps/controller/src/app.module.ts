import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { AuthGuard, TOKEN_VALIDATOR, type TokenValidator } from './api/auth';
import { ErrorFilter } from './api/error.filter';
import { MasakariApiModule } from './api/masakari/masakari-api.module';
import { OpenApiController } from './api/openapi/openapi.controller';
import { OpenApiService } from './api/openapi/openapi.service';
import { VersionsController } from './api/versions.controller';
import { VigilApiModule } from './api/vigil/vigil-api.module';
import { DetectionAdaptersModule } from './detection/adapters/detection-adapters.module';
import { DetectionModule } from './detection/detection.module';
import { DrillModule } from './drill/drill.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { AlertsModule } from './intake/alerts/alerts.module';
import { type RedisConnection } from './platform/redis-connection';
import { RecoveryAdaptersModule } from './recovery/adapters/recovery-adapters.module';
import { RecoveryModule } from './recovery/recovery.module';
import { OpenStackClients } from './platform/openstack-clients';
import { OperatorViewModule } from './operator-view/operator-view.module';
import { QuarantineModule } from './quarantine/quarantine.module';
import { CONFIG, LOGGER, OPENSTACK, REDIS } from './platform/tokens';

export interface AppDependencies {
  config: ControllerConfig;
  logger: Logger;
  redis: RedisConnection;
  tokenValidator: TokenValidator;
  /** Shared with the token validator when Keystone auth is on; built from config otherwise. */
  openstack?: OpenStackClients;
}

/** Process-wide singletons, built before Nest starts (config, logger, Redis) and shared by every module. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    const providers: Provider[] = [
      { provide: CONFIG, useValue: deps.config },
      { provide: LOGGER, useValue: deps.logger },
      { provide: REDIS, useFactory: () => deps.redis.client('command') },
      { provide: OPENSTACK, useValue: deps.openstack ?? new OpenStackClients(deps.config, deps.logger) },
      { provide: TOKEN_VALIDATOR, useValue: deps.tokenValidator },
    ];
    return { module: PlatformModule, providers, exports: providers };
  }
}

@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(deps),
        DiscoveryModule,
        MasakariApiModule,
        VigilApiModule,
        DetectionModule,
        DetectionAdaptersModule,
        HealthModule,
        AlertsModule,
        EventsModule,
        OperatorViewModule,
        DrillModule,
        QuarantineModule,
        RecoveryModule.forRoot((role) => deps.redis.client(role), { imports: [RecoveryAdaptersModule] }),
      ],
      controllers: [VersionsController, OpenApiController],
      providers: [
        OpenApiService,
        { provide: APP_GUARD, useClass: AuthGuard },
        {
          provide: APP_FILTER,
          useFactory: () => new ErrorFilter(deps.logger, deps.config.keystone?.authUrl),
        },
      ],
    };
  }
}
