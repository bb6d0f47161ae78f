import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../api/auth';
import { ApiDoc } from '../api/openapi/api-doc.decorator';
import { MetricsService } from './metrics.service';
import { ReadinessService, type ReadinessReport } from './readiness.service';

/** Probes and metrics for load balancers, Kubernetes and Prometheus: no token, no Redis on liveness. */
@Controller()
export class HealthController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly readiness: ReadinessService,
  ) {}

  @Public()
  @Get('metrics')
  @ApiDoc({
    tag: 'health',
    summary: 'Prometheus metrics (text exposition format 0.0.4)',
    success: { status: 200, description: 'text/plain; version=0.0.4' },
  })
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.render();
    // `end`, not `send`: Express would rewrite the content type and move its charset parameter.
    res.status(200).setHeader('Content-Type', this.metrics.contentType);
    res.end(text);
  }

  @Public()
  @Get('healthz')
  @ApiDoc({
    tag: 'health',
    summary: 'Liveness: the process answers (never touches Redis)',
    success: { status: 200, description: '{"status": "ok"}' },
  })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('readyz')
  @ApiDoc({
    tag: 'health',
    summary: 'Readiness: Redis reachable, a leader known, queues moving',
    success: { status: 200, description: '{"status": "ready", "failed": [], "checks": {...}}' },
    errors: { 503: 'a check failed; `failed` names it and `checks.<name>.detail` says why' },
  })
  async ready(@Res() res: Response): Promise<void> {
    const report: ReadinessReport = await this.readiness.check();
    res.status(report.ready ? 200 : 503).json({
      status: report.ready ? 'ready' : 'not-ready',
      failed: report.failed,
      checks: report.checks,
    });
  }
}
