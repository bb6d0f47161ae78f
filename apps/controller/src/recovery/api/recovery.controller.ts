import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { type ControllerConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { authorize } from '../../api/auth';
import { ApiDoc } from '../../api/openapi/api-doc.decorator';
import { IncidentEventPublisher } from '../../events/incident-event-publisher';
import { CONFIG } from '../../platform/tokens';
import { type RecoveryEngine } from '../recovery-engine';
import { RecoveryLifecycle } from '../recovery-lifecycle';

const operatorAction = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
const hostName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9-._]*$/);
const dryRunBody = z.object({ host: hostName }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success)
    throw new VigilError(
      ErrorCode.BAD_REQUEST,
      `Invalid input: ${result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
    );
  return result.data;
}

function who(req: Request): string {
  return req.caller?.userName ?? req.caller?.userId ?? 'unknown';
}

/** Operator routes of the recovery engine. Thin: validate, authorize, one engine call. */
@Controller('vigil/v1')
export class RecoveryController {
  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(RecoveryLifecycle) private readonly lifecycle: RecoveryLifecycle,
    private readonly events: IncidentEventPublisher,
  ) {}

  private engine(): RecoveryEngine {
    const engine = this.lifecycle.runtime?.engine;
    if (!engine) throw new VigilError(ErrorCode.UNAVAILABLE, 'The recovery engine is not running.');
    return engine;
  }

  @Get('incidents')
  @ApiDoc({
    tag: 'vigil',
    summary: 'List recent incidents',
    success: { status: 200, description: '{"incidents": [...]}' },
    query: { limit: 'max incidents (default 100)' },
  })
  async list(@Req() req: Request, @Query('limit') limit?: string): Promise<unknown> {
    authorize(req, this.config, 'vigil:incidents:index');
    const n = limit === undefined ? 100 : Number.parseInt(limit, 10);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw new VigilError(ErrorCode.BAD_REQUEST, 'limit must be 1..1000');
    return { incidents: await this.engine().list(n) };
  }

  @Get('incidents/:id')
  @ApiDoc({
    tag: 'vigil',
    summary: 'Incident detail: timeline, per-instance moves, workflow details',
    success: { status: 200, description: '{"incident": {...}}' },
    errors: { 404: 'unknown incident' },
  })
  async detail(@Req() req: Request, @Param('id') id: string): Promise<unknown> {
    authorize(req, this.config, 'vigil:incidents:detail');
    const d = await this.engine().detail(id);
    return {
      incident: {
        ...d.incident,
        moves: d.moves,
        timeline: d.timeline,
        vmoves: d.vmoves,
        recovery_workflow_details: d.workflowDetails,
      },
    };
  }

  @Post('incidents/:id/retry')
  @HttpCode(202)
  @ApiDoc({
    tag: 'vigil',
    summary: 'Run an error/failed incident again',
    body: operatorAction,
    success: { status: 202, description: 'retry queued' },
    errors: { 409: 'incident not in error/failed' },
  })
  async retry(@Req() req: Request, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    const { reason } = parse(operatorAction, body);
    authorize(req, this.config, 'vigil:incidents:retry');
    return { incident: await this.engine().retry(id, { who: who(req), why: reason }) };
  }

  @Post('incidents/:id/abort')
  @HttpCode(202)
  @ApiDoc({
    tag: 'vigil',
    summary: 'Stop queued moves; moves Nova accepted are still confirmed',
    body: operatorAction,
    success: { status: 202, description: 'abort recorded' },
    errors: { 409: 'incident already over' },
  })
  async abort(@Req() req: Request, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    const { reason } = parse(operatorAction, body);
    authorize(req, this.config, 'vigil:incidents:abort');
    return { incident: await this.engine().abort(id, { who: who(req), why: reason }) };
  }

  @Post('incidents/:id/confirm-fenced')
  @HttpCode(202)
  @ApiDoc({
    tag: 'vigil',
    summary: 'Operator confirms the host is off (audited); recovery proceeds',
    body: operatorAction,
    success: { status: 202, description: 'recovery resumed' },
    errors: { 409: 'incident not waiting for fencing' },
  })
  async confirmFenced(@Req() req: Request, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    const { reason } = parse(operatorAction, body);
    authorize(req, this.config, 'vigil:incidents:confirm-fenced');
    return { incident: await this.engine().confirmFenced(id, { who: who(req), why: reason }) };
  }

  @Post('hosts/:host/reinstate')
  @HttpCode(202)
  @ApiDoc({
    tag: 'vigil',
    summary:
      'Return a host to service (probation, no evacuation from it running in Vigil or Nova, powered on)',
    body: operatorAction,
    success: { status: 202, description: 'reinstate queued' },
    errors: { 409: 'refused, with the reason' },
  })
  async reinstate(@Req() req: Request, @Param('host') host: string, @Body() body: unknown): Promise<unknown> {
    const { reason } = parse(operatorAction, body);
    parse(hostName, host);
    authorize(req, this.config, 'vigil:hosts:reinstate');
    const accepted = await this.engine().reinstate(host, { who: who(req), why: reason });
    for (const warning of accepted.warnings)
      this.events.publish({
        type: 'host.zombie-risk',
        host,
        data: { warning, requestId: accepted.requestId },
      });
    return { reinstate: accepted };
  }

  @Post('recovery/dry-run')
  @HttpCode(200)
  @ApiDoc({
    tag: 'vigil',
    summary: 'What a failure of a host would do now (fence, moves, blockers); touches nothing',
    body: dryRunBody,
    success: { status: 200, description: '{"dry_run": {...}}' },
    errors: { 404: 'host not registered' },
  })
  async dryRun(@Req() req: Request, @Body() body: unknown): Promise<unknown> {
    const { host } = parse(dryRunBody, body);
    authorize(req, this.config, 'vigil:recovery:dry-run');
    return { dry_run: await this.engine().dryRun(host) };
  }

  @Get('recovery/pacing')
  @ApiDoc({
    tag: 'vigil',
    summary:
      'Adaptive evacuation limits now (per scope, within the operator bounds) and the recent decisions',
    success: { status: 200, description: '{"pacing": {...}}' },
  })
  pacing(@Req() req: Request): unknown {
    authorize(req, this.config, 'vigil:recovery:pacing');
    const runtime = this.lifecycle.runtime;
    if (!runtime) throw new VigilError(ErrorCode.UNAVAILABLE, 'The recovery engine is not running.');
    return { pacing: runtime.pacer.snapshot() };
  }

  @Get('audit')
  @ApiDoc({
    tag: 'vigil',
    summary: 'Operator actions on recovery (who, when, why)',
    success: { status: 200, description: '{"audit": [...]}' },
  })
  async audit(@Req() req: Request): Promise<unknown> {
    authorize(req, this.config, 'vigil:audit:index');
    return { audit: await this.engine().auditLog() };
  }
}
