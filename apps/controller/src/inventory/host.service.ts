import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { COMPUTE_HOST_DIRECTORY, type ComputeHostDirectory } from './compute-host-directory';
import { HostStore } from './host.store';
import {
  computeHostUnknown,
  hostNameExists,
  hostNotFound,
  markerNotFound,
  segmentInUse,
  segmentNotFound,
} from './inventory-errors';
import { type HostRecord, type SegmentRecord } from './model';
import { SegmentStore } from './segment.store';
import { formatTimestamp } from './time';
import { type HostCreateInput, type HostUpdateInput } from './validation/host';
import { type HostFilters, type PageQuery, sortAndPage } from './validation/list-query';

export interface HostWithSegment {
  host: HostRecord;
  segment: SegmentRecord;
}

/** Hosts of failover segments: Masakari's semantics over HostStore, plus lookups for the engine. */
@Injectable()
export class HostService {
  constructor(
    private readonly hosts: HostStore,
    private readonly segments: SegmentStore,
    @Inject(COMPUTE_HOST_DIRECTORY) private readonly computeHosts: ComputeHostDirectory,
  ) {}

  async list(segmentUuid: string, filters: HostFilters, page: PageQuery): Promise<HostWithSegment[]> {
    const segment = await this.segment(segmentUuid);
    const marker = page.marker === undefined ? undefined : await this.hosts.getById(page.marker);
    if (page.marker !== undefined && !marker) throw markerNotFound(page.marker);
    const matching = (await this.hosts.inSegment(segmentUuid)).filter(
      (h) =>
        (filters.name === undefined || h.name === filters.name) &&
        (filters.type === undefined || h.type === filters.type) &&
        (filters.control_attributes === undefined || h.control_attributes === filters.control_attributes) &&
        (filters.on_maintenance === undefined || h.on_maintenance === filters.on_maintenance) &&
        (filters.reserved === undefined || h.reserved === filters.reserved),
    );
    return sortAndPage(matching, page, marker, (h, key) => h[key as keyof HostRecord]).map((host) => ({
      host,
      segment,
    }));
  }

  async get(segmentUuid: string, hostUuid: string): Promise<HostWithSegment> {
    const segment = await this.segment(segmentUuid);
    const host = await this.hosts.get(hostUuid);
    if (!host || host.failover_segment_id !== segmentUuid) throw hostNotFound(hostUuid);
    return { host, segment };
  }

  async create(segmentUuid: string, input: HostCreateInput): Promise<HostWithSegment> {
    const segment = await this.segment(segmentUuid);
    if (!(await this.computeHosts.hasComputeService(input.name))) throw computeHostUnknown(input.name);
    // Checked again atomically by the store; this early check keeps a rejected create from consuming an id.
    if (await this.hosts.getByName(input.name)) throw hostNameExists(input.name);
    const host: HostRecord = {
      id: await this.hosts.nextId(),
      uuid: randomUUID(),
      name: input.name,
      failover_segment_id: segmentUuid,
      type: input.type,
      reserved: input.reserved,
      control_attributes: input.control_attributes,
      on_maintenance: input.on_maintenance,
      created_at: formatTimestamp(new Date()),
      updated_at: null,
    };
    const status = await this.hosts.create(host);
    if (status === 'name_exists') throw hostNameExists(input.name);
    if (status === 'segment_not_found') throw segmentNotFound(segmentUuid);
    return { host, segment };
  }

  async update(segmentUuid: string, hostUuid: string, input: HostUpdateInput): Promise<HostWithSegment> {
    const { host, segment } = await this.get(segmentUuid, hostUuid);
    if (input.name !== undefined && input.name !== host.name) {
      if (await this.hosts.getByName(input.name)) throw hostNameExists(input.name);
      if (!(await this.computeHosts.hasComputeService(input.name))) throw computeHostUnknown(input.name);
    }
    const updated = await this.write(host, input, true);
    return { host: updated, segment };
  }

  async delete(segmentUuid: string, hostUuid: string): Promise<void> {
    const { host } = await this.get(segmentUuid, hostUuid);
    const status = await this.hosts.delete(host);
    if (status === 'not_found') throw hostNotFound(hostUuid);
    if (status === 'in_use') throw segmentInUse(segmentUuid, 'delete');
  }

  /** The host registered under exactly this name (Nova's service host), if any. */
  findByName(name: string): Promise<HostRecord | undefined> {
    return this.hosts.getByName(name);
  }

  async findByNameWithSegment(name: string): Promise<HostWithSegment | undefined> {
    const host = await this.hosts.getByName(name);
    if (!host) return undefined;
    const segment = await this.segments.get(host.failover_segment_id);
    return segment ? { host, segment } : undefined;
  }

  findByUuid(uuid: string): Promise<HostRecord | undefined> {
    return this.hosts.get(uuid);
  }

  /** Every registered host, all segments (detection's sweep reads this once per pass). */
  listAll(): Promise<HostRecord[]> {
    return this.hosts.all();
  }

  /** Every host of a segment, in id order (reserved-host selection). */
  listInSegment(segmentUuid: string): Promise<HostRecord[]> {
    return this.hosts.inSegment(segmentUuid);
  }

  /**
   * For the recovery engine: sets `on_maintenance` / `reserved` even while the segment is in use
   * (the engine is the one using it). Unknown host ⇒ NOT_FOUND.
   */
  async setRecoveryFlags(
    hostUuid: string,
    flags: Partial<Pick<HostRecord, 'on_maintenance' | 'reserved'>>,
  ): Promise<HostRecord> {
    const host = await this.hosts.get(hostUuid);
    if (!host) throw hostNotFound(hostUuid);
    return this.write(host, flags, false);
  }

  private async write(host: HostRecord, patch: HostUpdateInput, checkInUse: boolean): Promise<HostRecord> {
    const result = await this.hosts.update(
      host,
      { ...patch, updated_at: formatTimestamp(new Date()) },
      { checkInUse },
    );
    switch (result.status) {
      case 'ok':
        if (!result.record) throw new VigilError(ErrorCode.INTERNAL, 'host update returned no record');
        return result.record;
      case 'not_found':
        throw hostNotFound(host.uuid);
      case 'in_use':
        throw segmentInUse(host.failover_segment_id, 'update');
      case 'name_exists':
        throw hostNameExists(patch.name ?? '');
    }
  }

  private async segment(uuid: string): Promise<SegmentRecord> {
    const segment = await this.segments.get(uuid);
    if (!segment) throw segmentNotFound(uuid);
    return segment;
  }
}
