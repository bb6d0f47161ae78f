import { z } from 'zod';

/** Response shapes of the Nova calls we use (openstack-api.md §2–§5); unknown keys are dropped. */

const versionDocSchema = z.object({
  id: z.string(),
  status: z.string().optional(),
  version: z.string().default(''),
  min_version: z.string().default(''),
});
export const versionRootSchema = z.union([
  z.object({ version: versionDocSchema }),
  z.object({ versions: z.array(versionDocSchema) }),
]);

export const serviceSchema = z.object({
  /** Integer before 2.53, UUID from 2.53. */
  id: z.union([z.number(), z.string()]),
  binary: z.string(),
  host: z.string(),
  zone: z.string().optional(),
  status: z.string(),
  state: z.string().optional(),
  updated_at: z.string().nullish(),
  disabled_reason: z.string().nullish(),
  forced_down: z.boolean().optional(),
});
export const servicesSchema = z.object({ services: z.array(serviceSchema) });
export type ServiceBody = z.infer<typeof serviceSchema>;

const linksSchema = z.array(z.object({ rel: z.string(), href: z.string() })).optional();

export const serverSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  tenant_id: z.string().optional(),
  user_id: z.string().optional(),
  metadata: z.record(z.string(), z.string()).default({}),
  'OS-EXT-STS:vm_state': z.string().optional(),
  'OS-EXT-STS:task_state': z.string().nullish(),
  'OS-EXT-STS:power_state': z.number().nullish(),
  'OS-EXT-SRV-ATTR:host': z.string().nullish(),
  'OS-EXT-SRV-ATTR:hypervisor_hostname': z.string().nullish(),
  'OS-EXT-SRV-ATTR:instance_name': z.string().nullish(),
  'OS-EXT-AZ:availability_zone': z.string().nullish(),
  locked: z.boolean().optional(),
  locked_reason: z.string().nullish(),
  host_status: z.string().nullish(),
  // Below 2.47 this is {id, links} (a reference, no sizes); from 2.47 the embedded flavor.
  flavor: z
    .object({
      vcpus: z.number().optional(),
      ram: z.number().optional(),
      disk: z.number().optional(),
      original_name: z.string().optional(),
    })
    .optional(),
  fault: z
    .object({ code: z.number().optional(), message: z.string(), created: z.string().optional() })
    .optional(),
});
export type ServerBody = z.infer<typeof serverSchema>;
export const serverShowSchema = z.object({ server: serverSchema });
/** `POST /servers` answers 202 with a reservation: id and links, not the server's details. */
export const serverCreatedSchema = z.object({ server: z.object({ id: z.string() }) });
export const serversPageSchema = z.object({ servers: z.array(serverSchema), servers_links: linksSchema });

export const migrationSchema = z.object({
  id: z.number(),
  uuid: z.string().optional(),
  instance_uuid: z.string(),
  migration_type: z.string().optional(),
  status: z.string(),
  source_compute: z.string().nullish(),
  source_node: z.string().nullish(),
  dest_compute: z.string().nullish(),
  dest_node: z.string().nullish(),
  created_at: z.string(),
  updated_at: z.string().nullish(),
});
export const migrationsSchema = z.object({ migrations: z.array(migrationSchema) });

export const aggregateSchema = z.object({
  id: z.number(),
  name: z.string(),
  uuid: z.string().optional(),
  availability_zone: z.string().nullish(),
  hosts: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
});
export const aggregatesSchema = z.object({ aggregates: z.array(aggregateSchema) });
export const aggregateShowSchema = z.object({ aggregate: aggregateSchema });

export const hypervisorSchema = z.object({
  id: z.union([z.number(), z.string()]),
  hypervisor_hostname: z.string(),
  state: z.string(),
  status: z.string(),
  vcpus: z.number(),
  vcpus_used: z.number(),
  memory_mb: z.number(),
  memory_mb_used: z.number(),
  local_gb: z.number(),
  local_gb_used: z.number(),
  running_vms: z.number().optional(),
  service: z.object({ id: z.union([z.number(), z.string()]), host: z.string() }),
});
export const hypervisorsSchema = z.object({
  hypervisors: z.array(hypervisorSchema),
  hypervisors_links: linksSchema,
});
