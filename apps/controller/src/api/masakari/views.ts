import {
  type HostRecord,
  type NotificationRecord,
  type RecoveryWorkflowDetail,
  type SegmentRecord,
  type VMoveRecord,
} from '../../inventory';

/** Masakari's response objects. Rows are never soft-deleted in Vigil, hence constant `deleted*`. */
const live = { deleted_at: null, deleted: false } as const;

export const segmentView = (s: SegmentRecord) => ({
  id: s.id,
  uuid: s.uuid,
  name: s.name,
  service_type: s.service_type,
  enabled: s.enabled,
  description: s.description,
  recovery_method: s.recovery_method,
  created_at: s.created_at,
  updated_at: s.updated_at,
  ...live,
});

export const hostView = (h: HostRecord, segment: SegmentRecord) => ({
  id: h.id,
  uuid: h.uuid,
  name: h.name,
  failover_segment_id: h.failover_segment_id,
  failover_segment: segmentView(segment),
  type: h.type,
  reserved: h.reserved,
  control_attributes: h.control_attributes,
  on_maintenance: h.on_maintenance,
  created_at: h.created_at,
  updated_at: h.updated_at,
  ...live,
});

export const notificationView = (n: NotificationRecord, workflow?: RecoveryWorkflowDetail[]) => ({
  id: n.id,
  notification_uuid: n.notification_uuid,
  type: n.type,
  generated_time: n.generated_time,
  source_host_uuid: n.source_host_uuid,
  payload: n.payload,
  status: n.status,
  created_at: n.created_at,
  updated_at: n.updated_at,
  ...live,
  ...(workflow ? { recovery_workflow_details: workflow } : {}),
});

export const vmoveView = (v: VMoveRecord) => ({
  id: v.id,
  uuid: v.uuid,
  notification_uuid: v.notification_uuid,
  instance_uuid: v.instance_uuid,
  instance_name: v.instance_name,
  source_host: v.source_host,
  dest_host: v.dest_host,
  start_time: v.start_time,
  end_time: v.end_time,
  type: v.type,
  status: v.status,
  message: v.message,
  created_at: v.created_at,
  updated_at: v.updated_at,
  ...live,
});
