import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { Public } from '../../api/auth';
import { ApiDoc } from '../../api/openapi/api-doc.decorator';
import { AlertIntakeService, type AlertIntakeResult } from './alert-intake.service';
import { alertmanagerPayloadSchema, genericAlertSchema } from './alert-payloads';

const ERRORS = {
  400: 'malformed payload (not retried by Alertmanager)',
  401: 'missing or wrong bearer / basic credentials',
  503: 'Redis unreachable or alerts.auth not configured (Alertmanager retries)',
};

/**
 * Alert intake. Public with respect to Keystone: Alertmanager cannot get a Keystone token, so these
 * routes check their own bearer / basic credentials (`alerts.auth`).
 */
@Controller('v1/webhooks')
export class AlertsController {
  constructor(private readonly intake: AlertIntakeService) {}

  @Public()
  @Post('alertmanager')
  @HttpCode(200)
  @ApiDoc({
    tag: 'webhooks',
    summary:
      'Alertmanager webhook (payload version 4): alerts become detection evidence, never a fencing order',
    body: alertmanagerPayloadSchema,
    success: { status: 200, description: '{"accepted": n, "duplicates": n, "unmapped": n}' },
    errors: ERRORS,
  })
  async alertmanager(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<AlertIntakeResult> {
    this.intake.authenticate('alertmanager', authorization);
    return this.intake.acceptAlertmanager(body);
  }

  @Public()
  @Post('generic')
  @HttpCode(200)
  @ApiDoc({
    tag: 'webhooks',
    summary: 'Generic alert webhook: {host, kind, state, source?, id?}',
    body: genericAlertSchema,
    success: { status: 200, description: '{"accepted": n, "duplicates": n, "unmapped": 0}' },
    errors: ERRORS,
  })
  async generic(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<AlertIntakeResult> {
    this.intake.authenticate('generic', authorization);
    return this.intake.acceptGeneric(body);
  }
}
