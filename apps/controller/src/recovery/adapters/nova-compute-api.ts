import { ErrorCode, isVigilError } from '@vigil/contracts';
import {
  type ComputeService as NovaService,
  type Migration,
  type NovaClient,
  type Server,
} from '@vigil/openstack';
import {
  type ComputeApi,
  type ComputeService,
  type HypervisorCapacity,
  type MigrationView,
  type ServerView,
} from '../ports';

/** Display status → vm_state, for the rare server view without `OS-EXT-STS:vm_state` (non-admin policy). */
const VM_STATE_OF_STATUS: Readonly<Record<string, string>> = {
  ACTIVE: 'active',
  SHUTOFF: 'stopped',
  ERROR: 'error',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  BUILD: 'building',
  RESCUE: 'rescued',
  VERIFY_RESIZE: 'resized',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
};

/** Recovery's ComputeApi over the controller's NovaClient. Adds no retries: NovaClient owns those. */
export class NovaComputeApi implements ComputeApi {
  /** `nova` may be a getter, so a controller without Nova configured boots and fails per call (UNAVAILABLE). */
  constructor(private readonly client: NovaClient | (() => NovaClient)) {}

  private get nova(): NovaClient {
    return typeof this.client === 'function' ? this.client() : this.client;
  }

  async findComputeService(host: string): Promise<ComputeService | undefined> {
    const s = await this.nova.findComputeService(host);
    return s && toService(s);
  }

  async listComputeServices(): Promise<ComputeService[]> {
    return (await this.nova.listComputeServices()).map(toService);
  }

  forceDown(host: string): Promise<void> {
    return this.nova.setForcedDown(host, true);
  }

  unsetForceDown(host: string): Promise<void> {
    return this.nova.setForcedDown(host, false);
  }

  disableService(host: string, reason: string): Promise<void> {
    return this.nova.disableService(host, reason);
  }

  enableService(host: string): Promise<void> {
    return this.nova.enableService(host);
  }

  async listServersOnHost(host: string): Promise<ServerView[]> {
    return (await this.nova.listServersOnHost(host)).map(toServerView);
  }

  async getServer(id: string): Promise<ServerView | undefined> {
    try {
      return toServerView(await this.nova.getServer(id));
    } catch (err) {
      if (isVigilError(err) && err.code === ErrorCode.NOT_FOUND) return undefined;
      throw err;
    }
  }

  evacuate(id: string, targetHost?: string): Promise<void> {
    return this.nova.evacuate(id, { targetHost });
  }

  lock(id: string, reason: string): Promise<void> {
    return this.nova.lockServer(id, reason);
  }

  unlock(id: string): Promise<void> {
    return this.nova.unlockServer(id);
  }

  resetStateToError(id: string): Promise<void> {
    return this.nova.resetState(id, 'error');
  }

  stop(id: string): Promise<void> {
    return this.nova.stopServer(id);
  }

  start(id: string): Promise<void> {
    return this.nova.startServer(id);
  }

  async evacuationMigrations(instanceId: string): Promise<MigrationView[]> {
    return (await this.nova.listEvacuations(instanceId)).map(toMigrationView);
  }

  async evacuationsFromHost(host: string): Promise<MigrationView[]> {
    return (await this.nova.listEvacuationsFromHost(host)).map(toMigrationView);
  }

  async hypervisors(): Promise<HypervisorCapacity[]> {
    return (await this.nova.listHypervisors()).map((h) => ({
      host: h.host,
      vcpus: h.vcpus,
      vcpusUsed: h.vcpusUsed,
      memoryMb: h.memoryMb,
      memoryMbUsed: h.memoryMbUsed,
      state: h.state === 'up' ? 'up' : 'down',
      status: h.status === 'enabled' ? 'enabled' : 'disabled',
    }));
  }

  async joinAggregatesOf(failedHost: string, spareHost: string): Promise<void> {
    for (const aggregate of await this.nova.listAggregates()) {
      if (!aggregate.hosts.includes(failedHost) || aggregate.hosts.includes(spareHost)) continue;
      try {
        await this.nova.addHostToAggregate(aggregate.id, spareHost);
      } catch (err) {
        // 409: already a member (a concurrent or repeated call). Masakari ignores it too.
        if (!(isVigilError(err) && err.code === ErrorCode.CONFLICT)) throw err;
      }
    }
  }
}

function toMigrationView(m: Migration): MigrationView {
  return {
    id: m.id,
    instanceUuid: m.instanceId,
    status: m.status,
    sourceCompute: m.sourceCompute ?? null,
    destCompute: m.destCompute ?? null,
    createdAt: m.createdAt,
  };
}

function toService(s: NovaService): ComputeService {
  return {
    id: String(s.id),
    host: s.host,
    state: s.state === 'up' ? 'up' : 'down',
    status: s.status === 'enabled' ? 'enabled' : 'disabled',
    forcedDown: s.forcedDown ?? false,
    disabledReason: s.disabledReason ?? null,
  };
}

function toServerView(s: Server): ServerView {
  const flavor = s.flavor;
  return {
    flavor: flavor && {
      vcpus: flavor.vcpus,
      ram: flavor.ram,
      disk: flavor.disk,
      original_name: flavor.originalName,
    },
    id: s.id,
    name: s.name,
    tenantId: s.projectId ?? '',
    host: s.host ?? null,
    vmState: s.vmState ?? VM_STATE_OF_STATUS[s.status] ?? s.status.toLowerCase(),
    taskState: s.taskState,
    status: s.status,
    metadata: { ...s.metadata },
    locked: s.locked,
    fault: s.faultMessage,
  };
}
