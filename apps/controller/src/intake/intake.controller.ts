import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { HOST_HEADER, SIGNATURE_HEADER } from '@vigil/contracts';
import { Public } from '../api/auth';
import { ApiDoc } from '../api/openapi/api-doc.decorator';
import { heartbeatBodySchema, instanceEventBodySchema } from './intake.schema';
import { IntakeService, type SignedRequest } from './intake.service';

const signedErrors = {
  400: 'malformed body',
  401: 'missing or bad signature, or unknown host',
  409: 'replayed seq or stale signature timestamp',
  503: 'Redis unreachable, or intake disabled (no heartbeatMasterKey)',
};

/** Host monitors' routes: authenticated by a per-host HMAC signature, not by Keystone. */
@Controller('vigil/v1')
export class IntakeController {
  constructor(private readonly intake: IntakeService) {}

  @Public()
  @Post('heartbeats')
  @HttpCode(204)
  @ApiDoc({
    tag: 'vigil',
    summary: 'Accept a signed heartbeat from a host monitor',
    body: heartbeatBodySchema,
    success: { status: 204, description: 'accepted' },
    errors: signedErrors,
    signed: true,
  })
  async heartbeat(@Req() req: Request): Promise<void> {
    await this.intake.acceptHeartbeat(signedRequest(req));
  }

  @Public()
  @Post('hosts/:host/instance-events')
  @HttpCode(204)
  @ApiDoc({
    tag: 'vigil',
    summary: 'Accept a signed instance (VM) event from a host monitor',
    body: instanceEventBodySchema,
    success: { status: 204, description: 'accepted' },
    errors: signedErrors,
    signed: true,
  })
  async instanceEvent(@Param('host') host: string, @Req() req: Request): Promise<void> {
    await this.intake.acceptInstanceEvent(host, signedRequest(req));
  }
}

/**
 * The signature covers the body bytes as sent. When the HTTP layer kept them (`rawBody`), they are
 * used; otherwise the parsed JSON is serialised again, which reproduces the bytes of any sender that
 * signs `JSON.stringify(body)` (the host monitor does).
 */
function signedRequest(req: Request): SignedRequest {
  const raw = (req as Request & { rawBody?: unknown }).rawBody;
  const parsed: unknown = req.body;
  const body = Buffer.isBuffer(raw)
    ? raw.toString('utf8')
    : typeof raw === 'string'
      ? raw
      : parsed === undefined
        ? ''
        : JSON.stringify(parsed);
  return { host: req.header(HOST_HEADER), signature: req.header(SIGNATURE_HEADER), body, parsed };
}
