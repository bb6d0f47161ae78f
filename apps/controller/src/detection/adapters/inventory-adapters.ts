import { Injectable } from '@nestjs/common';
import { ErrorCode, isVigilError } from '@vigil/contracts';
import {
  ACTIVE_NOTIFICATION_STATUSES,
  HostService,
  NotificationService,
  SegmentService,
} from '../../inventory';
import { type Verdict } from '../model';
import {
  type InstanceEvent,
  type InstanceEventSink,
  type IncidentOpener,
  type MonitoredHost,
  type MonitoredHostDirectory,
} from '../ports';

const ALL = { limit: Number.MAX_SAFE_INTEGER, sort: [{ key: 'id', dir: 'asc' as const }] };

/** Detection watches every host registered in a segment, with the flags that stop recovery. */
@Injectable()
export class InventoryHostDirectory implements MonitoredHostDirectory {
  constructor(
    private readonly segments: SegmentService,
    private readonly hosts: HostService,
  ) {}

  /** Two reads per sweep (segments, hosts) whatever the number of segments. */
  async listMonitoredHosts(): Promise<MonitoredHost[]> {
    const [segments, hosts] = await Promise.all([this.segments.list({}, ALL), this.hosts.listAll()]);
    const enabled = new Map(segments.map((s) => [s.uuid, s.enabled]));
    return hosts
      .filter((h) => enabled.has(h.failover_segment_id))
      .map((h) => ({
        name: h.name,
        segmentUuid: h.failover_segment_id,
        onMaintenance: h.on_maintenance,
        segmentEnabled: enabled.get(h.failover_segment_id) ?? false,
      }));
  }
}

/**
 * A `failed` verdict becomes a Masakari COMPUTE_HOST notification with origin `vigil-detection`: the
 * recovery engine fences such hosts itself. `host_status: UNKNOWN` is the truth at this point (the host
 * is silent, not yet proven off); the recovery engine, not the payload, decides what that means.
 */
@Injectable()
export class NotificationIncidentOpener implements IncidentOpener {
  constructor(
    private readonly notifications: NotificationService,
    private readonly hosts: HostService,
  ) {}

  async openHostFailure(host: string, verdict: Verdict): Promise<string> {
    try {
      return await this.create(host, verdict);
    } catch (err) {
      if (!isVigilError(err) || err.code !== ErrorCode.CONFLICT) throw err;
      // Asked twice for one failure (a leader died between its guard and this answer): the first
      // notification is still open, and it is the incident.
      const open = await this.openIncidentOf(host);
      if (open && !heartbeatSince(verdict, open.createdAt)) return open.id;
      // An open incident the host outlived (it heartbeated after that incident was opened) is not this
      // failure: the host came back and failed again (chaos seed 3172460278: an incident left in error
      // at fencing, the host back, then off again). A new notification; recovery supersedes the old one.
      // No open incident: the conflict is either maintenance (no recovery, by Masakari's rule) or
      // Masakari's duplicate window matching a finished incident. Detection's verdict is a new failure
      // generation, so a finished incident is not this failure: forget the digests and open it.
      const record = await this.hosts.findByName(host);
      if (!record || record.on_maintenance) throw err;
      await this.notifications.forgetDuplicates(host);
      return this.create(host, verdict);
    }
  }

  private async create(host: string, verdict: Verdict): Promise<string> {
    const created = await this.notifications.create(
      {
        type: 'COMPUTE_HOST',
        hostname: host,
        generatedAt: new Date(verdict.at),
        payload: { event: 'STOPPED', host_status: 'UNKNOWN', cluster_status: 'OFFLINE' },
      },
      { origin: 'vigil-detection' },
    );
    return created.notification_uuid;
  }

  /** The host's newest COMPUTE_HOST notification if it is still new, running or in error. */
  private async openIncidentOf(host: string): Promise<{ id: string; createdAt: string } | undefined> {
    const record = await this.hosts.findByName(host);
    if (!record) return undefined;
    const [latest] = await this.notifications.list(
      { source_host_uuid: record.uuid, type: 'COMPUTE_HOST' },
      { limit: 1, sort: [{ key: 'created_at', dir: 'desc' }] },
    );
    return latest && ACTIVE_NOTIFICATION_STATUSES.includes(latest.status)
      ? { id: latest.notification_uuid, createdAt: latest.created_at }
      : undefined;
  }
}

/**
 * Whether the verdict's host heartbeated after `createdAt` (a notification's naive-UTC creation time,
 * our clock): then that notification belongs to an earlier failure. Verdicts without a last heartbeat
 * (a component failure on a heartbeating host) say nothing, and keep the open incident.
 */
export function heartbeatSince(verdict: Verdict, createdAt: string): boolean {
  const last = verdict.evidence['lastHeartbeatAt'];
  const created = Date.parse(`${createdAt.slice(0, 23)}Z`);
  return typeof last === 'number' && Number.isFinite(created) && last > created;
}

/** Instance crashes reported by a host monitor enter the Masakari pipeline as VM notifications. */
@Injectable()
export class NotificationInstanceEventSink implements InstanceEventSink {
  constructor(private readonly notifications: NotificationService) {}

  async accept(host: string, event: InstanceEvent): Promise<void> {
    try {
      await this.notifications.create({
        type: 'VM',
        hostname: host,
        generatedAt: new Date(event.generated_time),
        payload: {
          instance_uuid: event.instance_uuid,
          vir_domain_event: event.vir_domain_event,
          event: event.event,
        },
      });
    } catch (err) {
      // A redelivered event is a duplicate notification: already in the pipeline.
      if (isVigilError(err) && err.code === ErrorCode.CONFLICT) return;
      throw err;
    }
  }
}
