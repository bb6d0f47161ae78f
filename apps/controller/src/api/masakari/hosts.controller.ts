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
import { HostService } from '../../inventory';
import { parseHostCreate, parseHostUpdate } from '../../inventory/validation/host';
import {
  HOST_SORT_KEYS,
  type RawQuery,
  parseHostFilters,
  parsePageQuery,
} from '../../inventory/validation/list-query';
import { CONFIG } from '../../platform/tokens';
import { authorize } from '../auth';
import { hostView } from './views';

const POLICY = 'os_masakari_api:os-hosts';

@Controller('v1/segments/:segmentId/hosts')
export class HostsController {
  constructor(
    private readonly hosts: HostService,
    @Inject(CONFIG) private readonly config: ControllerConfig,
  ) {}

  @ApiDoc({
    tag: 'hosts',
    summary:
      'List the hosts of a segment (filters name, type, control_attributes, on_maintenance, reserved; paging and sort)',
    success: { status: 200, description: '{"hosts": [...]}' },
    errors: { 400: 'bad filter', 403: 'role', 404: 'no such segment' },
  })
  @Get()
  async list(@Req() req: Request, @Param('segmentId') segmentId: string, @Query() query: RawQuery) {
    authorize(req, this.config, `${POLICY}:index`);
    const page = parsePageQuery(query, { sortKeys: HOST_SORT_KEYS, maxLimit: this.config.api.maxListLimit });
    const hosts = await this.hosts.list(segmentId, parseHostFilters(query), page);
    return { hosts: hosts.map(({ host, segment }) => hostView(host, segment)) };
  }

  @ApiDoc({
    tag: 'hosts',
    summary: 'Show a host',
    success: { status: 200, description: '{"host": {...}}' },
    errors: { 403: 'role', 404: 'no such segment or host' },
  })
  @Get(':hostId')
  async show(@Req() req: Request, @Param('segmentId') segmentId: string, @Param('hostId') hostId: string) {
    authorize(req, this.config, `${POLICY}:detail`);
    const { host, segment } = await this.hosts.get(segmentId, hostId);
    return { host: hostView(host, segment) };
  }

  @ApiDoc({
    tag: 'hosts',
    summary: 'Register a host (its name must be a nova-compute service host)',
    success: { status: 201, description: '{"host": {...}}' },
    errors: {
      400: 'schema, or no nova-compute service with that name',
      403: 'role',
      404: 'no such segment',
      409: 'host name already registered',
    },
  })
  @Post()
  @HttpCode(201)
  async create(@Req() req: Request, @Param('segmentId') segmentId: string, @Body() body: unknown) {
    const input = parseHostCreate(body);
    authorize(req, this.config, `${POLICY}:create`);
    const { host, segment } = await this.hosts.create(segmentId, input);
    return { host: hostView(host, segment) };
  }

  @ApiDoc({
    tag: 'hosts',
    summary: 'Update a host (name, type, control_attributes, reserved, on_maintenance)',
    success: { status: 200, description: '{"host": {...}}' },
    errors: { 400: 'schema', 403: 'role', 404: 'not found', 409: 'name exists, or the segment is in use' },
  })
  @Put(':hostId')
  async update(
    @Req() req: Request,
    @Param('segmentId') segmentId: string,
    @Param('hostId') hostId: string,
    @Body() body: unknown,
  ) {
    const input = parseHostUpdate(body);
    authorize(req, this.config, `${POLICY}:update`);
    const { host, segment } = await this.hosts.update(segmentId, hostId, input);
    return { host: hostView(host, segment) };
  }

  @ApiDoc({
    tag: 'hosts',
    summary: 'Delete a host (and its Vigil fencing settings)',
    success: { status: 204, description: 'no body' },
    errors: { 403: 'role', 404: 'not found', 409: 'segment in use' },
  })
  @Delete(':hostId')
  @HttpCode(204)
  async delete(
    @Req() req: Request,
    @Param('segmentId') segmentId: string,
    @Param('hostId') hostId: string,
  ): Promise<void> {
    authorize(req, this.config, `${POLICY}:delete`);
    await this.hosts.delete(segmentId, hostId);
  }
}
