import { type NotificationType } from './validation/notification';
import { type RecoveryMethod } from './validation/segment';

/** Stored shapes. Timestamps are already Masakari-formatted strings (see time.ts). */
export interface SegmentRecord {
  id: number;
  uuid: string;
  name: string;
  service_type: string;
  enabled: boolean;
  description: string | null;
  recovery_method: RecoveryMethod;
  created_at: string;
  updated_at: string | null;
}

export interface HostRecord {
  id: number;
  uuid: string;
  name: string;
  /** The segment's uuid (Masakari's field name). */
  failover_segment_id: string;
  type: string;
  reserved: boolean;
  control_attributes: string;
  on_maintenance: boolean;
  created_at: string;
  updated_at: string | null;
}

export const NOTIFICATION_STATUSES = ['new', 'running', 'finished', 'ignored', 'error', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
/** Statuses that make the host's segment "in use" (its hosts and itself cannot be changed). */
export const ACTIVE_NOTIFICATION_STATUSES: readonly NotificationStatus[] = ['new', 'running', 'error'];

/** Who raised a notification: a Masakari sender (API) or Vigil's own detection. */
export type NotificationOrigin = 'external' | 'vigil-detection';

export interface NotificationRecord {
  id: number;
  notification_uuid: string;
  type: NotificationType;
  generated_time: string;
  source_host_uuid: string;
  payload: Record<string, string>;
  status: NotificationStatus;
  created_at: string;
  updated_at: string | null;
  /** Segment of the source host when the notification arrived (kept for the "in use" index). */
  failover_segment_uuid: string;
  /** Internal (not in Masakari's view): host name at intake, and who raised it. */
  source_host_name: string;
  origin: NotificationOrigin;
}

/** One step of the recovery workflow, shown at microversion ≥ 1.1. */
export interface RecoveryWorkflowDetail {
  name: string;
  state: string;
  progress: number;
  progress_details: Array<{ timestamp: string; progress: string; message: string }>;
}

export const VMOVE_TYPES = ['evacuation', 'migration', 'live_migration'] as const;
export const VMOVE_STATUSES = ['pending', 'ongoing', 'succeeded', 'failed', 'ignored'] as const;

export interface VMoveRecord {
  id: number;
  uuid: string;
  notification_uuid: string;
  instance_uuid: string;
  instance_name: string;
  source_host: string;
  dest_host: string | null;
  start_time: string | null;
  end_time: string | null;
  type: (typeof VMOVE_TYPES)[number];
  status: (typeof VMOVE_STATUSES)[number];
  message: string | null;
  created_at: string;
  updated_at: string | null;
}
