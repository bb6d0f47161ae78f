import { Injectable } from '@nestjs/common';
import { ErrorCode, isVigilError } from '@vigil/contracts';
import { HostService, type HostRecord, NotificationService, SegmentService } from '../../inventory';
import {
  type HostView,
  type IncidentLedger,
  type NotificationStatus,
  type NotificationView,
  type SegmentDirectory,
  type SegmentView,
  type VmoveView,
  type WorkflowDetail,
} from '../ports';

/** Notifications still `new` looked at per reconciliation (oldest first). */
const RECONCILE_NEW_LIMIT = 1000;

async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isVigilError(err) && err.code === ErrorCode.NOT_FOUND) return undefined;
    throw err;
  }
}

/** The notification store, as recovery sees it. */
@Injectable()
export class InventoryIncidentLedger implements IncidentLedger {
  constructor(private readonly notifications: NotificationService) {}

  async getNotification(id: string): Promise<NotificationView | undefined> {
    const n = await orUndefined(this.notifications.get(id));
    return (
      n && {
        id: n.notification_uuid,
        type: n.type,
        hostname: n.source_host_name,
        payload: n.payload,
        status: n.status,
        origin: n.origin,
        generatedTime: n.generated_time,
      }
    );
  }

  async setStatus(id: string, status: NotificationStatus): Promise<void> {
    // Unchanged status is not rewritten: `updated_at` tells clients when something happened.
    if ((await this.notifications.get(id)).status !== status)
      await this.notifications.updateStatus(id, status);
  }

  setWorkflowDetails(id: string, details: readonly WorkflowDetail[]): Promise<void> {
    return this.notifications.replaceWorkflowDetails(id, details);
  }

  async setVmoves(id: string, vmoves: readonly VmoveView[]): Promise<void> {
    await this.notifications.replaceVmoves(id, vmoves);
  }

  async newNotificationIds(): Promise<string[]> {
    const found = await this.notifications.list(
      { status: 'new' },
      { limit: RECONCILE_NEW_LIMIT, sort: [{ key: 'id', dir: 'asc' }] },
    );
    return found.map((n) => n.notification_uuid);
  }
}

function toHostView(h: HostRecord): HostView {
  return {
    name: h.name,
    segmentId: h.failover_segment_id,
    reserved: h.reserved,
    onMaintenance: h.on_maintenance,
  };
}

/** Segments and hosts, as recovery sees them. */
@Injectable()
export class InventorySegmentDirectory implements SegmentDirectory {
  constructor(
    private readonly hosts: HostService,
    private readonly segments: SegmentService,
    private readonly notifications: NotificationService,
  ) {}

  forgetFailureReports(name: string): Promise<void> {
    return this.notifications.forgetDuplicates(name);
  }

  async findHost(name: string): Promise<HostView | undefined> {
    const host = await this.hosts.findByName(name);
    return host && toHostView(host);
  }

  async getSegment(id: string): Promise<SegmentView | undefined> {
    const s = await orUndefined(this.segments.get(id));
    return s && { id: s.uuid, name: s.name, recoveryMethod: s.recovery_method, enabled: s.enabled };
  }

  async hostsOfSegment(segmentId: string): Promise<HostView[]> {
    return (await this.hosts.listInSegment(segmentId)).map(toHostView);
  }

  async updateHost(name: string, change: { reserved?: boolean; onMaintenance?: boolean }): Promise<void> {
    const host = await this.hosts.findByName(name);
    if (!host) return;
    await this.hosts.setRecoveryFlags(host.uuid, {
      ...(change.reserved === undefined ? {} : { reserved: change.reserved }),
      ...(change.onMaintenance === undefined ? {} : { on_maintenance: change.onMaintenance }),
    });
  }
}
