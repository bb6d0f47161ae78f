import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { type ControllerConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { authorize } from '../api/auth';
import { ApiDoc } from '../api/openapi/api-doc.decorator';
import { CONFIG } from '../platform/tokens';
import { QuarantineService } from './quarantine.service';

const cancelBody = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
const hostName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9-._]*$/);

/** Operator routes of proactive quarantine. Thin: validate, authorize, one service call. */
@Controller('vigil/v1')
export class QuarantineController {
  constructor(
    @Inject(CONFIG) private readonly config: ControllerConfig,
    private readonly quarantine: QuarantineService,
  ) {}

  @Get('quarantine')
  @ApiDoc({
    tag: 'vigil',
    summary:
      'Hosts in quarantine (degraded, disabled for new instances, drained or flagged; never fenced) and the audit of cancels',
    success: { status: 200, description: '{"quarantine": [...], "audit": [...]} (audit newest first)' },
  })
  async list(@Req() req: Request): Promise<unknown> {
    authorize(req, this.config, 'vigil:quarantine:index');
    const [quarantine, audit] = await Promise.all([this.quarantine.list(), this.quarantine.auditLog()]);
    return { quarantine, audit };
  }

  @Post('hosts/:host/quarantine/cancel')
  @HttpCode(200)
  @ApiDoc({
    tag: 'vigil',
    summary: 'End a quarantine (audited): the mover stops, the host is re-enabled if Vigil disabled it',
    body: cancelBody,
    success: { status: 200, description: '{"quarantine": {...}} (the record ended)' },
    errors: { 404: 'host not in quarantine' },
  })
  async cancel(@Req() req: Request, @Param('host') host: string, @Body() body: unknown): Promise<unknown> {
    const parsed = cancelBody.safeParse(body ?? {});
    if (!parsed.success)
      throw new VigilError(
        ErrorCode.BAD_REQUEST,
        `Invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
      );
    if (!hostName.safeParse(host).success) throw new VigilError(ErrorCode.BAD_REQUEST, 'Invalid host name.');
    authorize(req, this.config, 'vigil:quarantine:cancel');
    const who = req.caller?.userName ?? req.caller?.userId ?? 'unknown';
    return { quarantine: await this.quarantine.cancel(host, { who, why: parsed.data.reason }) };
  }
}
