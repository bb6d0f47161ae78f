import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { type ControllerConfig } from '@vigil/config';
import { SegmentService } from '../../inventory';
import {
  type RawQuery,
  SEGMENT_SORT_KEYS,
  parsePageQuery,
  parseSegmentFilters,
} from '../../inventory/validation/list-query';
import { parseSegmentCreate, parseSegmentUpdate } from '../../inventory/validation/segment';
import { CONFIG } from '../../platform/tokens';
import { authorize } from '../auth';
import { minorVersion } from './request';
import { segmentView } from './views';

const POLICY = 'os_masakari_api:segments';

@Controller('v1/segments')
export class SegmentsController {
  constructor(
    private readonly segments: SegmentService,
    @Inject(CONFIG) private readonly config: ControllerConfig,
  ) {}

  @ApiDoc({
    tag: 'segments',
    summary:
      'List failover segments (filters recovery_method, service_type, enabled; limit, marker, sort_key, sort_dir)',
    success: { status: 200, description: '{"segments": [...]}' },
    errors: { 400: 'bad filter, marker or sort key', 403: 'caller lacks the required role' },
  })
  @Get()
  async list(@Req() req: Request, @Query() query: RawQuery) {
    authorize(req, this.config, `${POLICY}:index`);
    const page = parsePageQuery(query, {
      sortKeys: SEGMENT_SORT_KEYS,
      maxLimit: this.config.api.maxListLimit,
    });
    const segments = await this.segments.list(parseSegmentFilters(query), page);
    return { segments: segments.map(segmentView) };
  }

  @ApiDoc({
    tag: 'segments',
    summary: 'Show a segment',
    success: { status: 200, description: '{"segment": {...}}' },
    errors: { 403: 'role', 404: 'no such segment' },
  })
  @Get(':segmentId')
  async show(@Req() req: Request, @Param('segmentId') id: string) {
    authorize(req, this.config, `${POLICY}:detail`);
    return { segment: segmentView(await this.segments.get(id)) };
  }

  @ApiDoc({
    tag: 'segments',
    summary: 'Create a segment (name, recovery_method, service_type, description, enabled at >= 1.2)',
    success: { status: 201, description: '{"segment": {...}}' },
    errors: { 400: 'schema', 403: 'role', 409: 'name exists' },
  })
  @Post()
  @HttpCode(201)
  async create(@Req() req: Request, @Body() body: unknown) {
    const input = parseSegmentCreate(body, minorVersion(req));
    authorize(req, this.config, `${POLICY}:create`);
    return { segment: segmentView(await this.segments.create(input)) };
  }

  @ApiDoc({
    tag: 'segments',
    summary: 'Update a segment (at least one field)',
    success: { status: 200, description: '{"segment": {...}}' },
    errors: {
      400: 'schema',
      403: 'role',
      404: 'no such segment',
      409: 'name exists, or a notification of the segment is new/running/error',
    },
  })
  @Put(':segmentId')
  async update(@Req() req: Request, @Param('segmentId') id: string, @Body() body: unknown) {
    const input = parseSegmentUpdate(body, minorVersion(req));
    authorize(req, this.config, `${POLICY}:update`);
    return { segment: segmentView(await this.segments.update(id, input)) };
  }

  @ApiDoc({
    tag: 'segments',
    summary: 'Delete a segment and its hosts',
    success: { status: 204, description: 'no body' },
    errors: { 403: 'role', 404: 'no such segment', 409: 'segment in use' },
  })
  @Delete(':segmentId')
  @HttpCode(204)
  async delete(@Req() req: Request, @Param('segmentId') id: string): Promise<void> {
    authorize(req, this.config, `${POLICY}:delete`);
    await this.segments.delete(id);
  }
}
