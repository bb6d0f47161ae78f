/** Nova objects in Vigil's terms (normalised from the microversion-dependent wire shapes). */

export interface ComputeService {
  /** Integer below microversion 2.53, UUID from 2.53. */
  id: string | number;
  host: string;
  binary: string;
  zone?: string;
  /** `enabled` / `disabled` (schedulable or not). */
  status: string;
  /** `up` / `down` (liveness as nova-api sees it). */
  state?: string;
  forcedDown?: boolean;
  disabledReason?: string;
  /** Naive UTC as Nova writes it (no `Z`). */
  updatedAt?: string;
}

export interface Server {
  id: string;
  name: string;
  /** Display status (`ACTIVE`, `SHUTOFF`, `ERROR`, `REBUILD`…). */
  status: string;
  vmState?: string;
  taskState: string | null;
  powerState?: number;
  /** Compute service host; undefined when the caller cannot see admin attributes or the server has none. */
  host?: string;
  hypervisorHostname?: string;
  instanceName?: string;
  availabilityZone?: string;
  projectId?: string;
  userId?: string;
  metadata: Readonly<Record<string, string>>;
  locked?: boolean;
  hostStatus?: string;
  faultMessage?: string;
  /** Embedded flavor (microversion ≥ 2.47): what the instance needs on its next host. */
  flavor?: ServerFlavor;
}

/** A server to boot on one given host (admin `zone:host` placement). */
export interface CreateServerSpec {
  name: string;
  flavorRef: string;
  imageRef: string;
  /** Availability zone of the host (Nova's `zone` of its nova-compute service). */
  zone: string;
  host: string;
  /** Omitted: no network (`"none"`). */
  networkId?: string;
  metadata?: Record<string, string>;
}

export interface ServerFlavor {
  vcpus?: number;
  ram?: number;
  disk?: number;
  originalName?: string;
}

export interface Migration {
  id: number;
  uuid?: string;
  instanceId: string;
  migrationType?: string;
  /** `accepted`, `pre-migrating`, `done`, `completed`, `error`, `failed`… */
  status: string;
  sourceCompute?: string;
  destCompute?: string;
  createdAt: string;
  updatedAt?: string;
}

export interface Aggregate {
  id: number;
  name: string;
  uuid?: string;
  availabilityZone?: string;
  hosts: readonly string[];
  metadata: Readonly<Record<string, string>>;
}

/** Capacity of one compute node (`/os-hypervisors/detail` below 2.88). */
export interface HypervisorCapacity {
  id: string | number;
  hypervisorHostname: string;
  /** Service host name (what servers' `host` and evacuate use). */
  host: string;
  state: string;
  status: string;
  vcpus: number;
  vcpusUsed: number;
  memoryMb: number;
  memoryMbUsed: number;
  localGb: number;
  localGbUsed: number;
  runningVms?: number;
}

export interface EvacuateOptions {
  /** Target service host; unset = the scheduler picks (the source host is excluded). */
  targetHost?: string;
  /** Only sent below 2.14, where Nova requires it. Default false. */
  onSharedStorage?: boolean;
}

export interface ListServersOptions {
  /** Page size (`limit`); Nova caps it at `[api] max_limit` (default 1000). Default 1000. */
  pageSize?: number;
}
