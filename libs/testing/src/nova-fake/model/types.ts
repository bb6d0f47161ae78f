/** Records of the Nova fake's in-memory cloud. Times are epoch ms from the injected clock. */

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** A Nova API error the HTTP layer renders in Nova's fault format. */
export class NovaFault extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 500,
    message: string,
  ) {
    super(message);
  }
}

export interface ComputeHostSpec {
  host: string;
  /** Hypervisor (node) name; default `<host>.example`. */
  hypervisorHostname?: string;
  /** Availability zone; default `nova`. */
  zone?: string;
  /** Default 64. */
  vcpus?: number;
  /** Default 262144 (256 GiB). */
  memoryMb?: number;
  /** Default 4000. */
  localGb?: number;
  /** Default true. */
  enabled?: boolean;
  disabledReason?: string;
  /** Whether nova-compute heartbeats; default true. */
  alive?: boolean;
}

export interface HostRecord {
  host: string;
  serviceId: number;
  serviceUuid: string;
  hypervisorId: number;
  hypervisorUuid: string;
  hypervisorHostname: string;
  zone: string;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  forcedDown: boolean;
  alive: boolean;
  /** Last report while not alive; ignored while alive (reports follow from `reportingSinceMs`). */
  lastSeenUpMs: number;
  /** When nova-compute (re)started reporting: reports fall at this + k × report_interval. */
  reportingSinceMs: number;
  createdMs: number;
  updatedMs: number;
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

export interface Flavor {
  vcpus: number;
  ramMb: number;
  diskGb: number;
}
export const DEFAULT_FLAVOR: Flavor = { vcpus: 2, ramMb: 4096, diskGb: 40 };

export type VmState =
  | 'active'
  | 'building'
  | 'paused'
  | 'suspended'
  | 'stopped'
  | 'rescued'
  | 'resized'
  | 'soft-delete'
  | 'error'
  | 'shelved'
  | 'shelved_offloaded';

export interface ServerSpec {
  host: string | null;
  id?: string;
  name?: string;
  projectId?: string;
  userId?: string;
  /** Default `active`. */
  vmState?: VmState;
  taskState?: string | null;
  flavor?: Flavor;
  metadata?: Record<string, string>;
  locked?: boolean;
}

export interface ServerRecord {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  host: string | null;
  node: string | null;
  instanceName: string;
  zone: string;
  vmState: VmState;
  taskState: string | null;
  powerState: number;
  flavor: Flavor;
  metadata: Record<string, string>;
  locked: boolean;
  lockedReason: string | null;
  createdMs: number;
  updatedMs: number;
  launchedMs: number | null;
  fault?: { code: number; message: string; createdMs: number };
}

/** Evacuations: accepted → pre-migrating → done → completed; live migrations: accepted → queued → preparing → running → completed. */
export type MigrationStatus =
  | 'accepted'
  | 'pre-migrating'
  | 'done'
  | 'completed'
  | 'error'
  | 'failed'
  | 'queued'
  | 'preparing'
  | 'running';

export interface MigrationRecord {
  id: number;
  uuid: string;
  instanceUuid: string;
  migrationType: 'evacuation' | 'live-migration';
  status: MigrationStatus;
  sourceCompute: string;
  sourceNode: string | null;
  destCompute: string | null;
  destNode: string | null;
  createdMs: number;
  updatedMs: number;
}

export interface AggregateRecord {
  id: number;
  uuid: string;
  name: string;
  availabilityZone: string | null;
  hosts: string[];
  metadata: Record<string, string>;
  createdMs: number;
  updatedMs: number;
}

/** Used capacity of one compute node: its servers plus claims of evacuations heading there. */
export interface HypervisorUsage {
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
  runningVms: number;
}

export const POWER_STATE = { NOSTATE: 0, RUNNING: 1, SHUTDOWN: 4 } as const;

/** Nova's display status for a vm_state (openstack-api.md §4.4); rebuild tasks show REBUILD. */
export function displayStatus(server: Pick<ServerRecord, 'vmState' | 'taskState'>): string {
  if (server.taskState?.startsWith('rebuild') && ['active', 'stopped', 'error'].includes(server.vmState))
    return 'REBUILD';
  const map: Record<VmState, string> = {
    active: 'ACTIVE',
    building: 'BUILD',
    paused: 'PAUSED',
    suspended: 'SUSPENDED',
    stopped: 'SHUTOFF',
    rescued: 'RESCUE',
    resized: 'VERIFY_RESIZE',
    'soft-delete': 'SOFT_DELETED',
    error: 'ERROR',
    shelved: 'SHELVED',
    shelved_offloaded: 'SHELVED_OFFLOADED',
  };
  return map[server.vmState];
}
