import { type z } from 'zod';
import type {
  aggregateSchema,
  hypervisorSchema,
  migrationSchema,
  ServerBody,
  ServiceBody,
} from './nova-schemas';
import type { Aggregate, ComputeService, HypervisorCapacity, Migration, Server } from './nova-types';

/** Pure: wire shapes (snake_case, OS-EXT-* prefixes, null vs absent) to Vigil's types. */

export function toService(s: ServiceBody): ComputeService {
  return {
    id: s.id,
    host: s.host,
    binary: s.binary,
    zone: s.zone,
    status: s.status,
    state: s.state,
    forcedDown: s.forced_down,
    disabledReason: s.disabled_reason ?? undefined,
    updatedAt: s.updated_at ?? undefined,
  };
}

export function toServer(s: ServerBody): Server {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    vmState: s['OS-EXT-STS:vm_state'],
    taskState: s['OS-EXT-STS:task_state'] ?? null,
    powerState: s['OS-EXT-STS:power_state'] ?? undefined,
    host: s['OS-EXT-SRV-ATTR:host'] ?? undefined,
    hypervisorHostname: s['OS-EXT-SRV-ATTR:hypervisor_hostname'] ?? undefined,
    instanceName: s['OS-EXT-SRV-ATTR:instance_name'] ?? undefined,
    availabilityZone: s['OS-EXT-AZ:availability_zone'] ?? undefined,
    projectId: s.tenant_id,
    userId: s.user_id,
    metadata: s.metadata,
    locked: s.locked,
    hostStatus: s.host_status ?? undefined,
    faultMessage: s.fault?.message,
    flavor: s.flavor && {
      vcpus: s.flavor.vcpus,
      ram: s.flavor.ram,
      disk: s.flavor.disk,
      originalName: s.flavor.original_name,
    },
  };
}

export function toMigration(m: z.infer<typeof migrationSchema>): Migration {
  return {
    id: m.id,
    uuid: m.uuid,
    instanceId: m.instance_uuid,
    migrationType: m.migration_type,
    status: m.status,
    sourceCompute: m.source_compute ?? undefined,
    destCompute: m.dest_compute ?? undefined,
    createdAt: m.created_at,
    updatedAt: m.updated_at ?? undefined,
  };
}

export function toAggregate(a: z.infer<typeof aggregateSchema>): Aggregate {
  return {
    id: a.id,
    name: a.name,
    uuid: a.uuid,
    availabilityZone: a.availability_zone ?? undefined,
    hosts: a.hosts ?? [],
    metadata: a.metadata ?? {},
  };
}

export function toHypervisor(h: z.infer<typeof hypervisorSchema>): HypervisorCapacity {
  return {
    id: h.id,
    hypervisorHostname: h.hypervisor_hostname,
    host: h.service.host,
    state: h.state,
    status: h.status,
    vcpus: h.vcpus,
    vcpusUsed: h.vcpus_used,
    memoryMb: h.memory_mb,
    memoryMbUsed: h.memory_mb_used,
    localGb: h.local_gb,
    localGbUsed: h.local_gb_used,
    runningVms: h.running_vms,
  };
}
