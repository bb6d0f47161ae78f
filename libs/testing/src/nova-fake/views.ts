import { type NovaModel } from './model/nova-model';
import {
  type AggregateRecord,
  type HostRecord,
  type MigrationRecord,
  type ServerRecord,
  displayStatus,
} from './model/types';

/** Wire shapes of the fake's records at a given microversion (minor number of 2.x). */

/** os-services / os-migrations style: naive UTC with microseconds, no `Z`. */
export const naiveTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000');
/** servers' `created`/`updated`: seconds and `Z`. */
export const zTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function serviceView(model: NovaModel, h: HostRecord, v: number): Record<string, unknown> {
  return {
    id: v >= 53 ? h.serviceUuid : h.serviceId,
    binary: 'nova-compute',
    host: h.host,
    zone: h.zone,
    status: h.status,
    state: model.isUp(h) ? 'up' : 'down',
    updated_at: naiveTime(model.lastReportMs(h)),
    disabled_reason: h.disabledReason,
    ...(v >= 11 ? { forced_down: h.forcedDown } : {}),
  };
}

function hostStatus(model: NovaModel, s: ServerRecord): string {
  const host = s.host === null ? undefined : model.host(s.host);
  if (!host) return '';
  if (host.forcedDown) return 'DOWN';
  if (!model.isUp(host)) return 'UNKNOWN';
  return host.status === 'disabled' ? 'MAINTENANCE' : 'UP';
}

export function serverView(model: NovaModel, s: ServerRecord, v: number): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    status: displayStatus(s),
    tenant_id: s.projectId,
    user_id: s.userId,
    metadata: s.metadata,
    created: zTime(s.createdMs),
    updated: zTime(s.updatedMs),
    // As Nova: a reference below 2.47, the embedded flavor from 2.47.
    flavor:
      v >= 47
        ? {
            vcpus: s.flavor.vcpus,
            ram: s.flavor.ramMb,
            disk: s.flavor.diskGb,
            original_name: flavorName(s.flavor),
          }
        : { id: flavorName(s.flavor), links: [] },
    'OS-EXT-STS:vm_state': s.vmState,
    'OS-EXT-STS:task_state': s.taskState,
    'OS-EXT-STS:power_state': s.powerState,
    'OS-EXT-SRV-ATTR:host': s.host,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': s.node,
    'OS-EXT-SRV-ATTR:instance_name': s.instanceName,
    'OS-EXT-AZ:availability_zone': s.zone,
    'OS-SRV-USG:launched_at': s.launchedMs === null ? null : naiveTime(s.launchedMs),
  };
  if (v >= 9) view.locked = s.locked;
  if (v >= 73) view.locked_reason = s.lockedReason;
  if (v >= 16) view.host_status = hostStatus(model, s);
  if (v >= 26) view.tags = [];
  if (s.fault && (s.vmState === 'error' || s.vmState === 'soft-delete'))
    view.fault = { code: s.fault.code, message: s.fault.message, created: zTime(s.fault.createdMs) };
  return view;
}

export function migrationView(m: MigrationRecord, v: number): Record<string, unknown> {
  return {
    id: m.id,
    ...(v >= 59 ? { uuid: m.uuid } : {}),
    instance_uuid: m.instanceUuid,
    ...(v >= 23 ? { migration_type: m.migrationType } : {}),
    status: m.status,
    source_compute: m.sourceCompute,
    source_node: m.sourceNode,
    dest_compute: m.destCompute,
    dest_node: m.destNode,
    dest_host: null,
    old_instance_type_id: 1,
    new_instance_type_id: 1,
    created_at: naiveTime(m.createdMs),
    updated_at: naiveTime(m.updatedMs),
  };
}

export function aggregateView(a: AggregateRecord, v: number): Record<string, unknown> {
  return {
    id: a.id,
    ...(v >= 41 ? { uuid: a.uuid } : {}),
    name: a.name,
    availability_zone: a.availabilityZone,
    hosts: [...a.hosts],
    metadata: { ...a.metadata },
    created_at: naiveTime(a.createdMs),
    updated_at: naiveTime(a.updatedMs),
    deleted: false,
    deleted_at: null,
  };
}

export function hypervisorView(
  model: NovaModel,
  h: HostRecord,
  v: number,
  detail: boolean,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: v >= 53 ? h.hypervisorUuid : h.hypervisorId,
    hypervisor_hostname: h.hypervisorHostname,
    state: model.isUp(h) ? 'up' : 'down',
    status: h.status,
  };
  if (!detail) return view;
  Object.assign(view, {
    hypervisor_type: 'QEMU',
    hypervisor_version: 7002000,
    host_ip: '192.0.2.1',
    service: { id: v >= 53 ? h.serviceUuid : h.serviceId, host: h.host, disabled_reason: h.disabledReason },
  });
  if (v >= 88) return { ...view, uptime: null };
  const used = model.usage(h.host);
  return {
    ...view,
    vcpus: h.vcpus,
    vcpus_used: used.vcpusUsed,
    memory_mb: h.memoryMb,
    memory_mb_used: used.memoryMbUsed,
    local_gb: h.localGb,
    local_gb_used: used.localGbUsed,
    free_ram_mb: h.memoryMb - used.memoryMbUsed,
    free_disk_gb: h.localGb - used.localGbUsed,
    running_vms: used.runningVms,
    current_workload: 0,
    disk_available_least: h.localGb - used.localGbUsed,
    cpu_info: '{}',
  };
}

const FAULT_KEYS: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  429: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Nova's fault body: one key named by the status (406 and 500 are `computeFault`). */
export function novaFaultBody(status: number, message: string): unknown {
  return { [FAULT_KEYS[status] ?? 'computeFault']: { code: status, message } };
}

/** The fake has no flavor catalog: a flavor is named after its sizes (e.g. `v2-r4096-d40`). */
export function flavorName(f: { vcpus: number; ramMb: number; diskGb: number }): string {
  return `v${f.vcpus}-r${f.ramMb}-d${f.diskGb}`;
}
