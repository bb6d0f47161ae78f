import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { type ControllerConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { authorize } from '../api/auth';
import { ApiDoc } from '../api/openapi/api-doc.decorator';
import { CONFIG } from '../platform/tokens';
import { DrillService } from './drill.service';

const name = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9-._]*$/);
const ref = z.string().trim().min(1).max(255);

const startBody = z
  .object({
    host: name,
    /** The host name typed back by the operator. */
    confirm: z.string().max(255),
    canaries: z.number().int().min(1).max(50).default(3),
    flavor: ref,
    image: ref,
    network: ref.optional(),
    /** A name from the controller's `drill.failCommands`; absent: power-off through the BMC. */
    fail_command: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .max(64)
      .optional(),
    allow_other_instances: z.boolean().default(false),
    leave_failed: z.boolean().default(false),
  })
  .strict();

const DRILL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function drillId(id: string): string {
  if (!DRILL_ID.test(id))
    throw new VigilError(ErrorCode.BAD_REQUEST, 'Invalid drill id: a UUID is expected.');
  return id;
}

/** `vigil drill`: start a failover drill, follow it, abort it. The controller runs it. */
@Controller('vigil/v1/drills')
export class DrillController {
  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    private readonly drills: DrillService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiDoc({
    tag: 'vigil',
    summary:
      'Start a failover drill: preflight, boot canaries on the host, fail it, check the recovery from Nova and the BMCs, repair, reinstate, clean up',
    body: startBody,
    success: { status: 202, description: '{"drill": {...}} (follow it with GET /vigil/v1/drills/{id})' },
    errors: { 409: 'another drill is running', 503: 'no Nova or no recovery engine' },
  })
  async start(@Req() req: Request, @Body() body: unknown): Promise<unknown> {
    const parsed = startBody.safeParse(body ?? {});
    if (!parsed.success)
      throw new VigilError(
        ErrorCode.BAD_REQUEST,
        `Invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
      );
    authorize(req, this.config, 'vigil:drills:create');
    const b = parsed.data;
    const drill = await this.drills.start(
      {
        host: b.host,
        confirm: b.confirm,
        canaries: b.canaries,
        flavor: b.flavor,
        image: b.image,
        ...(b.network === undefined ? {} : { network: b.network }),
        failure:
          b.fail_command === undefined ? { kind: 'power-off' } : { kind: 'command', name: b.fail_command },
        allowOtherInstances: b.allow_other_instances,
        leaveFailed: b.leave_failed,
      },
      req.caller?.userName ?? req.caller?.userId ?? 'unknown',
    );
    return { drill };
  }

  @Get()
  @ApiDoc({
    tag: 'vigil',
    summary: 'Recent drills, newest first',
    success: { status: 200, description: '{"drills": [...]}' },
    query: { limit: 'max drills (default 20)' },
  })
  async list(@Req() req: Request, @Query('limit') limit?: string): Promise<unknown> {
    authorize(req, this.config, 'vigil:drills:index');
    const n = limit === undefined ? 20 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 100)
      throw new VigilError(ErrorCode.BAD_REQUEST, 'limit must be 1..100');
    return { drills: await this.drills.list(n) };
  }

  @Get(':id')
  @ApiDoc({
    tag: 'vigil',
    summary: 'One drill: phase, timeline, checks, figures, what it left behind',
    success: { status: 200, description: '{"drill": {...}}' },
    errors: { 404: 'unknown drill' },
  })
  async get(@Req() req: Request, @Param('id') id: string): Promise<unknown> {
    authorize(req, this.config, 'vigil:drills:detail');
    return { drill: await this.drills.get(drillId(id)) };
  }

  @Post(':id/abort')
  @HttpCode(202)
  @ApiDoc({
    tag: 'vigil',
    summary: 'Stop a drill: it deletes its canaries and reports what it left behind',
    success: { status: 202, description: '{"drill": {...}}' },
    errors: { 404: 'unknown drill', 409: 'drill already over' },
  })
  async abort(@Req() req: Request, @Param('id') id: string): Promise<unknown> {
    authorize(req, this.config, 'vigil:drills:abort');
    return { drill: await this.drills.abort(drillId(id)) };
  }
}
