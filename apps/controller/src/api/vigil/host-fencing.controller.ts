import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { type ControllerConfig } from '@vigil/config';
import { HostFencingService } from '../../inventory';
import { parseFencingSettings } from '../../inventory/host-fencing.validation';
import { CONFIG } from '../../platform/tokens';
import { authorize } from '../auth';

const POLICY = 'vigil:hosts:fencing';

/** Vigil's own per-host fencing settings; secrets are write-only (responses carry `password_set`). */
@Controller('vigil/v1/hosts/:hostId/fencing')
export class HostFencingController {
  constructor(
    private readonly fencing: HostFencingService,
    @Inject(CONFIG) private readonly config: ControllerConfig,
  ) {}

  @ApiDoc({
    tag: 'vigil',
    summary:
      "Set a host's fencing (driver, BMC address, port, user, password, options); secrets are write-only and encrypted at rest",
    success: { status: 200, description: 'settings without secrets (password_set: true)' },
    errors: { 400: 'invalid settings', 403: 'role', 404: 'no such host' },
  })
  @Put()
  async put(@Req() req: Request, @Param('hostId') hostId: string, @Body() body: unknown) {
    const input = parseFencingSettings(body);
    authorize(req, this.config, `${POLICY}:update`);
    return { fencing: await this.fencing.put(hostId, input) };
  }

  @ApiDoc({
    tag: 'vigil',
    summary: "Show a host's fencing settings (never the secrets)",
    success: { status: 200, description: 'settings without secrets' },
    errors: { 403: 'role', 404: 'no such host or no settings' },
  })
  @Get()
  async show(@Req() req: Request, @Param('hostId') hostId: string) {
    authorize(req, this.config, `${POLICY}:detail`);
    return { fencing: await this.fencing.show(hostId) };
  }

  @ApiDoc({
    tag: 'vigil',
    summary: "Remove a host's fencing settings",
    success: { status: 204, description: 'no body' },
    errors: { 403: 'role', 404: 'no such host' },
  })
  @Delete()
  @HttpCode(204)
  async delete(@Req() req: Request, @Param('hostId') hostId: string): Promise<void> {
    authorize(req, this.config, `${POLICY}:delete`);
    await this.fencing.delete(hostId);
  }
}
