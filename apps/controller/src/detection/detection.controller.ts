import { Body, Controller, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { type ControllerConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { Inject } from '@nestjs/common';
import { authorize } from '../api/auth';
import { ApiDoc } from '../api/openapi/api-doc.decorator';
import { IncidentEventPublisher } from '../events/incident-event-publisher';
import { VigilMetrics } from '../health/vigil-metrics';
import { SegmentService } from '../inventory';
import { CONFIG } from '../platform/tokens';
import { DetectionService } from './detection.service';
import { type ClusterView, DetectionViewService, type HostStateView } from './detection-view.service';
import { type DetectionPolicy, type StormGuardState, type StormScope } from './model';

const releaseBodySchema = z
  .object({
    /** Why the operator releases: kept in the audit trail. */
    reason: z.string().trim().min(3).max(1024),
    /** `global` or `segment:<uuid>`; unset = every engaged guard. */
    scope: z
      .string()
      .regex(/^(global|segment:[A-Za-z0-9-]+)$/)
      .optional(),
  })
  .strict();

const pinBodySchema = z
  .object({
    /** `global` or `segment:<uuid>`: the engaged guard to pin or unpin. */
    scope: z.string().regex(/^(global|segment:[A-Za-z0-9-]+)$/),
    /** true = never releases itself; false = back to self-release. */
    pinned: z.boolean(),
    /** Why: kept in the audit trail. */
    reason: z.string().trim().min(3).max(1024),
  })
  .strict();

const policyBodySchema = z.object({ detection_policy: z.record(z.string(), z.unknown()) }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new VigilError(
      ErrorCode.BAD_REQUEST,
      `Invalid input: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? ''}`,
    );
  }
  return r.data;
}

/** Operators' view of detection and the storm guard. Keystone-authenticated like every Vigil route. */
@Controller('vigil/v1')
export class DetectionController {
  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    private readonly view: DetectionViewService,
    private readonly detection: DetectionService,
    private readonly segments: SegmentService,
    private readonly metrics: VigilMetrics,
    private readonly events: IncidentEventPublisher,
  ) {}

  @Get('hosts/:host/state')
  @ApiDoc({
    tag: 'vigil',
    summary: 'Detection state of a host and its timeline',
    success: { status: 200, description: '{"host_state": {...}}' },
    errors: { 404: 'host never tracked' },
  })
  async hostState(@Param('host') host: string, @Req() req: Request): Promise<{ host_state: HostStateView }> {
    authorize(req, this.config, 'vigil:detection:show');
    return { host_state: await this.view.hostState(host) };
  }

  @Get('cluster')
  @ApiDoc({
    tag: 'vigil',
    summary: 'Hosts by state, storm guards and the current leader',
    success: { status: 200, description: '{"cluster": {...}}' },
  })
  async cluster(@Req() req: Request): Promise<{ cluster: ClusterView }> {
    authorize(req, this.config, 'vigil:detection:show');
    return { cluster: await this.view.cluster() };
  }

  @Get('storm-guard')
  @ApiDoc({
    tag: 'vigil',
    summary: 'Storm guards and their release audit trail',
    success: { status: 200, description: '{"storm_guard": {...}}' },
  })
  async stormGuard(
    @Req() req: Request,
  ): Promise<{ storm_guard: Awaited<ReturnType<DetectionViewService['stormGuards']>> }> {
    authorize(req, this.config, 'vigil:storm-guard:show');
    return { storm_guard: await this.view.stormGuards() };
  }

  @Post('storm-guard/release')
  @HttpCode(200)
  @ApiDoc({
    tag: 'vigil',
    summary: 'Release engaged storm guards (audited: who, when, why)',
    body: releaseBodySchema,
    success: { status: 200, description: '{"released": [...]}' },
    errors: { 400: 'missing reason', 409: 'no guard engaged' },
  })
  async release(@Body() body: unknown, @Req() req: Request): Promise<{ released: StormGuardState[] }> {
    const input = parse(releaseBodySchema, body);
    authorize(req, this.config, 'vigil:storm-guard:release');
    const by = req.caller?.userName ?? req.caller?.userId ?? 'unknown';
    const released = await this.view.release(by, input.reason, input.scope as StormScope | undefined);
    for (const guard of released) {
      this.metrics.stormGuardActive(guard.scope, false);
      this.events.publish({
        type: 'storm-guard.released',
        host: guard.scope,
        data: { scope: guard.scope, by, reason: input.reason },
      });
    }
    return { released };
  }

  @Post('storm-guard/pin')
  @HttpCode(200)
  @ApiDoc({
    tag: 'vigil',
    summary: 'Pin an engaged storm guard (it never releases itself) or unpin it (audited)',
    body: pinBodySchema,
    success: { status: 200, description: '{"storm_guard": {...}}' },
    errors: { 400: 'bad scope or missing reason', 409: 'guard not engaged' },
  })
  async pin(@Body() body: unknown, @Req() req: Request): Promise<{ storm_guard: StormGuardState }> {
    const input = parse(pinBodySchema, body);
    authorize(req, this.config, 'vigil:storm-guard:release');
    const by = req.caller?.userName ?? req.caller?.userId ?? 'unknown';
    return {
      storm_guard: await this.view.pin(input.scope as StormScope, input.pinned, by, input.reason),
    };
  }

  @Get('segments/:segment_uuid/detection-policy')
  @ApiDoc({
    tag: 'vigil',
    summary: "A segment's detection policy (its override over config defaults)",
    success: { status: 200, description: '{"detection_policy": {...}}' },
  })
  async policy(
    @Param('segment_uuid') segment: string,
    @Req() req: Request,
  ): Promise<{ detection_policy: DetectionPolicy }> {
    authorize(req, this.config, 'vigil:detection-policy:show');
    await this.segments.get(segment); // 404 for a segment that does not exist
    return { detection_policy: await this.detection.policyOf(segment) };
  }

  @Put('segments/:segment_uuid/detection-policy')
  @ApiDoc({
    tag: 'vigil',
    summary: "Set a segment's detection policy override",
    body: policyBodySchema,
    success: { status: 200, description: '{"detection_policy": {...}} (effective policy)' },
    errors: { 400: 'invalid policy', 404: 'no such segment' },
  })
  async setPolicy(
    @Param('segment_uuid') segment: string,
    @Body() body: unknown,
    @Req() req: Request,
  ): Promise<{ detection_policy: DetectionPolicy }> {
    const input = parse(policyBodySchema, body);
    authorize(req, this.config, 'vigil:detection-policy:update');
    await this.segments.get(segment); // never store a policy for a segment that does not exist
    return { detection_policy: await this.detection.setPolicy(segment, input.detection_policy) };
  }
}
