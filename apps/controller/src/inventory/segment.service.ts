import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type SegmentRecord } from './model';
import { SegmentStore } from './segment.store';
import { formatTimestamp } from './time';
import { type PageQuery, type SegmentFilters, sortAndPage } from './validation/list-query';
import { type SegmentCreateInput, type SegmentUpdateInput } from './validation/segment';
import { markerNotFound, segmentInUse, segmentNameExists, segmentNotFound } from './inventory-errors';

/** Failover segments: Masakari's semantics over SegmentStore. */
@Injectable()
export class SegmentService {
  constructor(private readonly store: SegmentStore) {}

  async list(filters: SegmentFilters, page: PageQuery): Promise<SegmentRecord[]> {
    const marker = page.marker === undefined ? undefined : await this.store.getById(page.marker);
    if (page.marker !== undefined && !marker) throw markerNotFound(page.marker);
    const matching = (await this.store.all()).filter(
      (s) =>
        (filters.recovery_method === undefined || s.recovery_method === filters.recovery_method) &&
        (filters.service_type === undefined || s.service_type === filters.service_type) &&
        (filters.enabled === undefined || s.enabled === filters.enabled),
    );
    return sortAndPage(matching, page, marker, (s, key) => s[key as keyof SegmentRecord]);
  }

  async get(uuid: string): Promise<SegmentRecord> {
    const segment = await this.store.get(uuid);
    if (!segment) throw segmentNotFound(uuid);
    return segment;
  }

  async create(input: SegmentCreateInput): Promise<SegmentRecord> {
    // Checked again atomically by the store; this early check keeps a rejected create from consuming an id.
    if (await this.store.nameTaken(input.name)) throw segmentNameExists(input.name);
    const record: SegmentRecord = {
      id: await this.store.nextId(),
      uuid: randomUUID(),
      name: input.name,
      service_type: input.service_type,
      enabled: input.enabled,
      description: input.description,
      recovery_method: input.recovery_method,
      created_at: formatTimestamp(new Date()),
      updated_at: null,
    };
    if ((await this.store.create(record)) === 'name_exists') throw segmentNameExists(input.name);
    return record;
  }

  async update(uuid: string, input: SegmentUpdateInput): Promise<SegmentRecord> {
    const result = await this.store.update(uuid, { ...input, updated_at: formatTimestamp(new Date()) });
    switch (result.status) {
      case 'ok':
        if (!result.record) throw new VigilError(ErrorCode.INTERNAL, 'segment update returned no record');
        return result.record;
      case 'not_found':
        throw segmentNotFound(uuid);
      case 'in_use':
        throw segmentInUse(uuid, 'update');
      case 'name_exists':
        throw segmentNameExists(input.name ?? '');
    }
  }

  async delete(uuid: string): Promise<void> {
    const status = await this.store.delete(uuid);
    if (status === 'not_found') throw segmentNotFound(uuid);
    if (status === 'in_use') throw segmentInUse(uuid, 'delete');
  }
}
