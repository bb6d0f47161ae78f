import { Global, Module } from '@nestjs/common';
import { LeadershipModule } from '../leadership/leadership.module';
import { HealthController } from './health.controller';
import { LeaderLeaseStatus } from './leader-lease-status';
import { MetricsService } from './metrics.service';
import { LEADERSHIP_STATUS, type LeadershipStatusPort } from './readiness-ports';
import { ReadinessService } from './readiness.service';
import { VigilMetrics } from './vigil-metrics';

/**
 * Global so every module can inject `MetricsService` / `VigilMetrics` without importing this one.
 * QUEUE_HEALTH comes from the recovery module (global): readiness does not boot without it.
 */
@Global()
@Module({
  imports: [LeadershipModule],
  controllers: [HealthController],
  providers: [
    MetricsService,
    VigilMetrics,
    ReadinessService,
    { provide: LEADERSHIP_STATUS, useClass: LeaderLeaseStatus },
    {
      // The leader gauge is read at scrape time: the lease flips without telling anyone but its listeners.
      provide: 'VIGIL_LEADER_GAUGE',
      inject: [MetricsService, VigilMetrics, LEADERSHIP_STATUS],
      useFactory: (metrics: MetricsService, vigil: VigilMetrics, leadership: LeadershipStatusPort) =>
        metrics.registerCollector('leader', () => vigil.leaderStatus(leadership.isLeader())),
    },
  ],
  exports: [MetricsService, VigilMetrics, LEADERSHIP_STATUS],
})
export class HealthModule {}
