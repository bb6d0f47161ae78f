import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { type ControllerConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { NotificationService } from '../../inventory';
import {
  NOTIFICATION_SORT_KEYS,
  VMOVE_SORT_KEYS,
  type RawQuery,
  parseNotificationFilters,
  parsePageQuery,
} from '../../inventory/validation/list-query';
import { parseNotificationCreate } from '../../inventory/validation/notification';
import { CONFIG } from '../../platform/tokens';
import { authorize } from '../auth';
import { minorVersion } from './request';
import { notificationView, vmoveView } from './views';

const POLICY = 'os_masakari_api:notifications';
const VMOVES_POLICY = 'os_masakari_api:vmoves';
/** 1.1: show adds recovery_workflow_details; 1.3: vmoves. */
const WORKFLOW_DETAILS_MIN_MINOR = 1;
const VMOVES_MIN_MINOR = 3;

@Controller('v1/notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationService,
    @Inject(CONFIG) private readonly config: ControllerConfig,
  ) {}

  @ApiDoc({
    tag: 'notifications',
    summary: 'List notifications (filters status, source_host_uuid, type, generated-since; paging and sort)',
    success: { status: 200, description: '{"notifications": [...]}' },
    errors: { 400: 'bad filter', 403: 'role' },
  })
  @Get()
  async list(@Req() req: Request, @Query() query: RawQuery) {
    authorize(req, this.config, `${POLICY}:index`);
    const page = parsePageQuery(query, {
      sortKeys: NOTIFICATION_SORT_KEYS,
      maxLimit: this.config.api.maxListLimit,
    });
    const list = await this.notifications.list(parseNotificationFilters(query), page);
    return { notifications: list.map((n) => notificationView(n)) };
  }

  @ApiDoc({
    tag: 'notifications',
    summary: 'Show a notification (recovery_workflow_details at >= 1.1)',
    success: { status: 200, description: '{"notification": {...}}' },
    errors: { 403: 'role', 404: 'not found' },
  })
  @Get(':notificationId')
  async show(@Req() req: Request, @Param('notificationId') id: string) {
    authorize(req, this.config, `${POLICY}:detail`);
    const notification = await this.notifications.get(id);
    const workflow =
      minorVersion(req) >= WORKFLOW_DETAILS_MIN_MINOR
        ? await this.notifications.workflowDetails(id)
        : undefined;
    return { notification: notificationView(notification, workflow) };
  }

  @ApiDoc({
    tag: 'notifications',
    summary: 'Create a notification (COMPUTE_HOST, VM or PROCESS); stored with status new',
    success: { status: 202, description: '{"notification": {...}}' },
    errors: {
      400: 'schema, or hostname not a registered host',
      403: 'role',
      409: 'duplicate within the detection interval, or host on maintenance',
    },
  })
  @Post()
  @HttpCode(202)
  async create(@Req() req: Request, @Body() body: unknown) {
    const input = parseNotificationCreate(body);
    authorize(req, this.config, `${POLICY}:create`);
    return { notification: notificationView(await this.notifications.create(input)) };
  }

  @ApiDoc({
    tag: 'notifications',
    summary: 'Not allowed: notifications are immutable',
    success: { status: 405, description: 'badMethod' },
    errors: {},
  })
  @Put(':notificationId')
  update(): never {
    throw methodNotAllowed('PUT');
  }

  @ApiDoc({
    tag: 'notifications',
    summary: 'Not allowed: notifications are immutable',
    success: { status: 405, description: 'badMethod' },
    errors: {},
  })
  @Delete(':notificationId')
  delete(): never {
    throw methodNotAllowed('DELETE');
  }

  @ApiDoc({
    tag: 'notifications',
    summary:
      'List the instance moves of a notification (microversion 1.3; filters type, status; paging and sort)',
    success: { status: 200, description: '{"vmoves": [...]}' },
    errors: { 400: 'bad paging or sort', 403: 'role', 404: 'not found, or microversion below 1.3' },
    minMicroversion: '1.3',
  })
  @Get(':notificationId/vmoves')
  async vmoves(@Req() req: Request, @Param('notificationId') id: string, @Query() query: RawQuery) {
    requireVmoves(req);
    authorize(req, this.config, `${VMOVES_POLICY}:index`);
    const page = parsePageQuery(query, { sortKeys: VMOVE_SORT_KEYS, maxLimit: this.config.api.maxListLimit });
    const filters = {
      ...(typeof query.type === 'string' ? { type: query.type } : {}),
      ...(typeof query.status === 'string' ? { status: query.status } : {}),
    };
    return { vmoves: (await this.notifications.vmoves(id, filters, page)).map(vmoveView) };
  }

  @ApiDoc({
    tag: 'notifications',
    summary: 'Show one instance move (microversion 1.3)',
    success: { status: 200, description: '{"vmove": {...}}' },
    errors: { 403: 'role', 404: 'not found, or microversion below 1.3' },
    minMicroversion: '1.3',
  })
  @Get(':notificationId/vmoves/:vmoveId')
  async vmove(@Req() req: Request, @Param('notificationId') id: string, @Param('vmoveId') vmoveId: string) {
    requireVmoves(req);
    authorize(req, this.config, `${VMOVES_POLICY}:detail`);
    return { vmove: vmoveView(await this.notifications.vmove(id, vmoveId)) };
  }
}

/** Below 1.3 the vmoves routes do not exist: a plain 404 like any unknown route. */
function requireVmoves(req: Request): void {
  if (minorVersion(req) < VMOVES_MIN_MINOR) throw new NotFoundException();
}

function methodNotAllowed(method: string): VigilError {
  return new VigilError(
    ErrorCode.METHOD_NOT_ALLOWED,
    `The method ${method} is not allowed for this resource.`,
  );
}
