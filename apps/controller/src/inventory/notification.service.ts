import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type ControllerConfig, type Logger } from '@vigil/config';
import { CONFIG, LOGGER } from '../platform/tokens';
import { HostStore } from './host.store';
import {
  duplicateNotification,
  hostOnMaintenance,
  markerNotFound,
  notificationHostUnknown,
  notificationNotFound,
  vmoveNotFound,
} from './inventory-errors';
import {
  type NotificationOrigin,
  type NotificationRecord,
  type NotificationStatus,
  type RecoveryWorkflowDetail,
  type VMoveRecord,
} from './model';
import { NotificationStore } from './notification.store';
import { SegmentStore } from './segment.store';
import { formatTimestamp } from './time';
import { type NotificationFilters, type PageQuery, sortAndPage } from './validation/list-query';
import { type NotificationCreateInput } from './validation/notification';

/** What the recovery engine supplies to record a VM move; ids and timestamps are filled in. */
export type VMoveInput = Omit<
  VMoveRecord,
  'id' | 'uuid' | 'notification_uuid' | 'created_at' | 'updated_at'
> & { uuid?: string };

/**
 * Notifications: intake (Masakari's create rules), listing, and the status/progress API the recovery
 * engine drives.
 */
@Injectable()
export class NotificationService {
  private readonly createdListeners: Array<(n: NotificationRecord) => Promise<void>> = [];

  constructor(
    private readonly store: NotificationStore,
    private readonly hosts: HostStore,
    private readonly segments: SegmentStore,
    @Inject(CONFIG) private readonly config: ControllerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Called after each notification is stored (detection takes it as evidence, recovery starts on it).
   * A failing listener is logged, never fails the request: the notification is already durable, and
   * recovery also picks up `new` notifications on its periodic sweep.
   */
  onCreated(listener: (n: NotificationRecord) => Promise<void>): void {
    this.createdListeners.push(listener);
  }

  /**
   * Stores a new notification (`new`, or `ignored` when the host's segment is disabled).
   * 400 unknown host, 409 host on maintenance or duplicate; nothing is stored in those cases.
   */
  async create(
    input: NotificationCreateInput,
    opts: { origin?: NotificationOrigin } = {},
  ): Promise<NotificationRecord> {
    const host = await this.hosts.getByName(input.hostname);
    if (!host) throw notificationHostUnknown(input.hostname);
    if (host.on_maintenance) throw hostOnMaintenance(input.hostname, input.type);
    const segment = await this.segments.get(host.failover_segment_id);
    const status: NotificationStatus = segment?.enabled === false ? 'ignored' : 'new';
    const record: NotificationRecord = {
      id: await this.store.nextId(),
      notification_uuid: randomUUID(),
      type: input.type,
      generated_time: formatTimestamp(input.generatedAt),
      source_host_uuid: host.uuid,
      payload: input.payload,
      status,
      created_at: formatTimestamp(new Date()),
      updated_at: null,
      failover_segment_uuid: host.failover_segment_id,
      source_host_name: host.name,
      origin: opts.origin ?? 'external',
    };
    const generatedMs = input.generatedAt.getTime();
    const windowMs = this.config.masakari.duplicateNotificationDetectionIntervalS * 1000;
    const outcome = await this.store.create(record, {
      digest: digestOf(input.type, input.payload),
      generatedMs,
      windowStartMs: generatedMs - windowMs,
    });
    switch (outcome) {
      case 'ok':
        this.logger.info(
          { notification: record.notification_uuid, type: record.type, host: input.hostname, status },
          'notification received',
        );
        await this.notifyCreated(record);
        return record;
      case 'host_not_found':
        throw notificationHostUnknown(input.hostname);
      case 'on_maintenance':
        throw hostOnMaintenance(input.hostname, input.type);
      case 'duplicate':
        throw duplicateNotification(input.hostname, input.type);
    }
  }

  /**
   * A host returned to service: Masakari's duplicate window (identical notifications within
   * `duplicateNotificationDetectionIntervalS` get 409) no longer applies to its next failure, which is
   * a new failure however soon it comes.
   */
  async forgetDuplicates(hostname: string): Promise<void> {
    const host = await this.hosts.getByName(hostname);
    if (host) await this.store.forgetDuplicates(host.uuid);
  }

  private async notifyCreated(record: NotificationRecord): Promise<void> {
    for (const listener of this.createdListeners) {
      try {
        await listener(record);
      } catch (err) {
        this.logger.error({ err, notification: record.notification_uuid }, 'notification listener failed');
      }
    }
  }

  async list(filters: NotificationFilters, page: PageQuery): Promise<NotificationRecord[]> {
    const marker = page.marker === undefined ? undefined : await this.store.getById(page.marker);
    if (page.marker !== undefined && !marker) throw markerNotFound(page.marker);
    const sinceText = filters.generatedSince ? formatTimestamp(filters.generatedSince) : undefined;
    const matching = (await this.store.all()).filter(
      (n) =>
        (filters.status === undefined || n.status === filters.status) &&
        (filters.type === undefined || n.type === filters.type) &&
        (filters.source_host_uuid === undefined || n.source_host_uuid === filters.source_host_uuid) &&
        // Same fixed-width format, so text order is time order.
        (sinceText === undefined || n.generated_time >= sinceText),
    );
    return sortAndPage(matching, page, marker, (n, key) => {
      const v = n[key as keyof NotificationRecord];
      return typeof v === 'object' ? undefined : v;
    });
  }

  async get(uuid: string): Promise<NotificationRecord> {
    const record = await this.store.get(uuid);
    if (!record) throw notificationNotFound(uuid);
    return record;
  }

  /** Sets the status; `details` are appended to `recovery_workflow_details`. Unknown uuid ⇒ NOT_FOUND. */
  async updateStatus(
    uuid: string,
    status: NotificationStatus,
    details: readonly RecoveryWorkflowDetail[] = [],
  ): Promise<NotificationRecord> {
    const record = await this.get(uuid);
    const updated = await this.store.updateStatus(record, status, formatTimestamp(new Date()));
    if (!updated) throw notificationNotFound(uuid);
    await this.store.appendWorkflowDetails(uuid, details);
    return updated;
  }

  async appendWorkflowDetails(uuid: string, details: readonly RecoveryWorkflowDetail[]): Promise<void> {
    await this.get(uuid);
    await this.store.appendWorkflowDetails(uuid, details);
  }

  /** Replaces the whole `recovery_workflow_details` list (idempotent). */
  async replaceWorkflowDetails(uuid: string, details: readonly RecoveryWorkflowDetail[]): Promise<void> {
    await this.get(uuid);
    await this.store.replaceWorkflowDetails(uuid, details);
  }

  workflowDetails(uuid: string): Promise<RecoveryWorkflowDetail[]> {
    return this.store.workflowDetails(uuid);
  }

  /** Records a VM move of a notification; pass back `uuid` to update the same move. */
  async recordVmove(notificationUuid: string, input: VMoveInput): Promise<VMoveRecord> {
    await this.get(notificationUuid);
    const now = formatTimestamp(new Date());
    const existing = input.uuid ? await this.store.vmove(notificationUuid, input.uuid) : undefined;
    const vmove: VMoveRecord = existing
      ? { ...existing, ...input, uuid: existing.uuid, id: existing.id, updated_at: now }
      : {
          ...input,
          id: await this.store.nextVmoveId(),
          uuid: input.uuid ?? randomUUID(),
          notification_uuid: notificationUuid,
          created_at: now,
          updated_at: null,
        };
    await this.store.putVmove(vmove);
    return vmove;
  }

  /**
   * Replaces all VM moves of a notification (idempotent). Moves keep their id and created_at when their
   * uuid was already recorded.
   */
  async replaceVmoves(notificationUuid: string, inputs: readonly VMoveInput[]): Promise<VMoveRecord[]> {
    await this.get(notificationUuid);
    const now = formatTimestamp(new Date());
    const existing = new Map((await this.store.vmoves(notificationUuid)).map((v) => [v.uuid, v]));
    const vmoves: VMoveRecord[] = [];
    for (const input of inputs) {
      const before = input.uuid ? existing.get(input.uuid) : undefined;
      vmoves.push({
        ...input,
        id: before?.id ?? (await this.store.nextVmoveId()),
        uuid: before?.uuid ?? input.uuid ?? randomUUID(),
        notification_uuid: notificationUuid,
        created_at: before?.created_at ?? now,
        updated_at: before ? now : null,
      });
    }
    await this.store.replaceVmoves(notificationUuid, vmoves);
    return vmoves;
  }

  /** Masakari's vmoves index: filters `type` and `status`, paging and sort like every other list. */
  async vmoves(
    notificationUuid: string,
    filters: { type?: string; status?: string } = {},
    page?: PageQuery,
  ): Promise<VMoveRecord[]> {
    await this.get(notificationUuid);
    const all = await this.store.vmoves(notificationUuid);
    if (!page) return all;
    const marker =
      page.marker === undefined
        ? undefined
        : all.find((v) => v.uuid === page.marker || String(v.id) === page.marker);
    if (page.marker !== undefined && !marker) throw markerNotFound(page.marker);
    const matching = all.filter(
      (v) =>
        (filters.type === undefined || v.type === filters.type) &&
        (filters.status === undefined || v.status === filters.status),
    );
    return sortAndPage(matching, page, marker, (v, key) => v[key as keyof VMoveRecord]);
  }

  async vmove(notificationUuid: string, vmoveUuid: string): Promise<VMoveRecord> {
    await this.get(notificationUuid);
    const vmove = await this.store.vmove(notificationUuid, vmoveUuid);
    if (!vmove) throw vmoveNotFound(vmoveUuid);
    return vmove;
  }
}

/** Type plus payload with sorted keys: identical payloads give identical digests. */
export function digestOf(type: string, payload: Record<string, string>): string {
  const entries = Object.entries(payload).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([type, entries]);
}
