import { type Logger, type NovaConfig } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type RequestObserver } from './http';
import { type KeystoneSession } from './keystone-session';
import { NOVA_VERSIONS, atLeast, formatMicroversion, type NegotiatedMicroversion } from './microversion';
import { NovaHttp } from './nova-http';
import {
  aggregateShowSchema,
  aggregatesSchema,
  hypervisorsSchema,
  migrationsSchema,
  serverCreatedSchema,
  serverShowSchema,
  serversPageSchema,
  servicesSchema,
} from './nova-schemas';
import { toAggregate, toHypervisor, toMigration, toServer, toService } from './nova-mapping';
import type {
  Aggregate,
  ComputeService,
  CreateServerSpec,
  EvacuateOptions,
  HypervisorCapacity,
  ListServersOptions,
  Migration,
  Server,
} from './nova-types';

export interface NovaClientOptions {
  session: KeystoneSession;
  config: NovaConfig;
  logger: Logger;
  /** Waits between retries; default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Told of every request to Nova, retries included (outcome, seconds). */
  observe?: RequestObserver;
}

const COMPUTE = 'nova-compute';
const DEFAULT_PAGE_SIZE = 1000;

/**
 * The controller's only door to Nova (openstack-api.md §2–§6). Picks request shapes by the negotiated
 * microversion: service updates by UUID from 2.53, legacy `os-services/{action}` routes below.
 */
export class NovaClient {
  private readonly http: NovaHttp;

  constructor(private readonly options: NovaClientOptions) {
    this.http = new NovaHttp(options);
  }

  /** The cloud's microversion range and the version every call is pinned to. */
  async microversion(): Promise<NegotiatedMicroversion> {
    return (await this.http.negotiate()).version;
  }

  async listComputeServices(): Promise<ComputeService[]> {
    const body = await this.http.json(
      {
        method: 'GET',
        path: '/os-services',
        query: { binary: COMPUTE },
        idempotent: true,
        what: 'list compute services',
      },
      servicesSchema,
    );
    return body.services.map(toService);
  }

  /** The nova-compute service of `host`, or undefined when Nova has none. */
  async findComputeService(host: string): Promise<ComputeService | undefined> {
    const body = await this.http.json(
      {
        method: 'GET',
        path: '/os-services',
        query: { binary: COMPUTE, host },
        idempotent: true,
        what: `find service of ${host}`,
      },
      servicesSchema,
    );
    return body.services.map(toService).find((s) => s.host === host && s.binary === COMPUTE);
  }

  /**
   * Sets `forced_down`. Only call `true` after the host is verified powered off: a forced-down service
   * makes evacuate start at once, and a host still running its guests would run them twice.
   */
  async setForcedDown(host: string, forcedDown: boolean): Promise<void> {
    const version = await this.requireForceDown();
    if (atLeast(version, NOVA_VERSIONS.servicesByUuid)) {
      await this.updateService(host, { forced_down: forcedDown }, `force-down=${forcedDown} ${host}`);
      return;
    }
    await this.legacyServiceAction('force-down', host, { forced_down: forcedDown });
  }

  async disableService(host: string, reason: string): Promise<void> {
    const version = (await this.microversion()).pinned;
    if (atLeast(version, NOVA_VERSIONS.servicesByUuid)) {
      await this.updateService(host, { status: 'disabled', disabled_reason: reason }, `disable ${host}`);
      return;
    }
    await this.legacyServiceAction('disable-log-reason', host, { disabled_reason: reason });
  }

  async enableService(host: string): Promise<void> {
    const version = (await this.microversion()).pinned;
    if (atLeast(version, NOVA_VERSIONS.servicesByUuid)) {
      await this.updateService(host, { status: 'enabled' }, `enable ${host}`);
      return;
    }
    await this.legacyServiceAction('enable', host, {});
  }

  /**
   * Force-down, then disable: in that order, because disabling a service Nova still thinks is up makes
   * nova-api wait on an RPC to the dead compute (openstack-api.md §3.4). One PUT from 2.53.
   */
  async forceDownAndDisable(host: string, reason: string): Promise<void> {
    const version = await this.requireForceDown();
    if (atLeast(version, NOVA_VERSIONS.servicesByUuid)) {
      await this.updateService(
        host,
        { forced_down: true, status: 'disabled', disabled_reason: reason },
        `force-down and disable ${host}`,
      );
      return;
    }
    await this.legacyServiceAction('force-down', host, { forced_down: true });
    await this.legacyServiceAction('disable-log-reason', host, { disabled_reason: reason });
  }

  /** Every server whose service host is `host`, across all projects, following `servers_links`. */
  async listServersOnHost(host: string, options: ListServersOptions = {}): Promise<Server[]> {
    const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
    const out: Server[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.http.json(
        {
          method: 'GET',
          path: '/servers/detail',
          query: { all_tenants: 1, host, limit, marker },
          idempotent: true,
          what: `list servers on ${host}`,
        },
        serversPageSchema,
      );
      const servers = page.servers.map(toServer);
      // `host` is silently dropped for callers without the admin filter policy: trust only what we verify.
      const foreign = servers.filter((s) => s.host !== host);
      if (foreign.length > 0)
        this.options.logger.warn(
          { host, ignored: foreign.length },
          'Nova returned servers of other hosts for a host filter (missing admin rights?); ignored',
        );
      out.push(...servers.filter((s) => s.host === host));
      const next = page.servers.length > 0 && page.servers_links?.some((l) => l.rel === 'next');
      if (!next) return out;
      marker = page.servers[page.servers.length - 1]?.id;
    }
  }

  async getServer(serverId: string): Promise<Server> {
    const body = await this.http.json(
      {
        method: 'GET',
        path: `/servers/${encodeURIComponent(serverId)}`,
        idempotent: true,
        what: `show server ${serverId}`,
      },
      serverShowSchema,
    );
    return toServer(body.server);
  }

  /**
   * Starts an evacuation. Never retried on 5xx or timeout: a lost answer may hide an accepted request,
   * so callers re-read the server and its migrations before sending another (openstack-api.md §4.6).
   */
  async evacuate(serverId: string, options: EvacuateOptions = {}): Promise<void> {
    const version = (await this.microversion()).pinned;
    const evacuate: Record<string, unknown> = {};
    if (options.targetHost !== undefined) evacuate.host = options.targetHost;
    if (!atLeast(version, NOVA_VERSIONS.evacuateAutoSharedStorage))
      evacuate.onSharedStorage = options.onSharedStorage ?? false;
    await this.action(serverId, { evacuate }, 'evacuate', false);
  }

  /**
   * Starts a live migration, the scheduler choosing the destination (`host: null`). From 2.25 the
   * block-migration choice is left to Nova (`"auto"`: shared storage or not); before, `false` with
   * `disk_over_commit: false`. Not retried blindly: callers re-read the server (task_state `migrating`).
   */
  async liveMigrate(serverId: string): Promise<void> {
    const version = (await this.microversion()).pinned;
    const body = atLeast(version, NOVA_VERSIONS.liveMigrateAuto)
      ? { host: null, block_migration: 'auto' }
      : { host: null, block_migration: false, disk_over_commit: false };
    await this.action(serverId, { 'os-migrateLive': body }, 'live-migrate', false);
  }

  async lockServer(serverId: string, reason?: string): Promise<void> {
    const version = (await this.microversion()).pinned;
    const withReason = reason !== undefined && atLeast(version, NOVA_VERSIONS.lockedReason);
    await this.action(serverId, { lock: withReason ? { locked_reason: reason } : null }, 'lock', true);
  }

  async unlockServer(serverId: string): Promise<void> {
    await this.action(serverId, { unlock: null }, 'unlock', true);
  }

  async stopServer(serverId: string): Promise<void> {
    await this.action(serverId, { 'os-stop': null }, 'stop', false);
  }

  async startServer(serverId: string): Promise<void> {
    await this.action(serverId, { 'os-start': null }, 'start', false);
  }

  /** Admin reset: vm_state `error` or `active`, task_state cleared (makes a stuck server evacuable). */
  async resetState(serverId: string, state: 'error' | 'active'): Promise<void> {
    await this.action(serverId, { 'os-resetState': { state } }, `reset-state ${state}`, true);
  }

  /**
   * Boots a server pinned to a host with the admin `availability_zone` form `zone:host` (every
   * microversion; 2.74's `host` field is above the version we pin). No network unless one is named
   * (`networks: "none"` needs 2.37). Never retried: a lost answer may hide a created server, so callers
   * find their servers by name or metadata.
   */
  async createServer(spec: CreateServerSpec): Promise<string> {
    const body = await this.http.json(
      {
        method: 'POST',
        path: '/servers',
        body: {
          server: {
            name: spec.name,
            flavorRef: spec.flavorRef,
            imageRef: spec.imageRef,
            networks: spec.networkId === undefined ? 'none' : [{ uuid: spec.networkId }],
            availability_zone: `${spec.zone}:${spec.host}`,
            metadata: spec.metadata ?? {},
          },
        },
        idempotent: false,
        what: `create server ${spec.name} on ${spec.host}`,
      },
      serverCreatedSchema,
    );
    return body.server.id;
  }

  /** 404 (NOT_FOUND) once the server is gone; Nova answers 204 while it deletes in the background. */
  async deleteServer(serverId: string): Promise<void> {
    await this.http.send({
      method: 'DELETE',
      path: `/servers/${encodeURIComponent(serverId)}`,
      idempotent: true,
      what: `delete server ${serverId}`,
    });
  }

  /** Evacuation migration records of one instance (newest first from 2.59). */
  async listEvacuations(serverId: string): Promise<Migration[]> {
    const body = await this.http.json(
      {
        method: 'GET',
        path: '/os-migrations',
        query: { instance_uuid: serverId, migration_type: 'evacuation' },
        idempotent: true,
        what: `list evacuations of ${serverId}`,
      },
      migrationsSchema,
    );
    return body.migrations.map(toMigration);
  }

  /**
   * Evacuation migration records whose source is `host` (newest first from 2.59). One page: from 2.59
   * it holds the newest `[api] max_limit` (default 1000) records, and a running evacuation is among the
   * newest of its host.
   */
  async listEvacuationsFromHost(host: string): Promise<Migration[]> {
    const body = await this.http.json(
      {
        method: 'GET',
        path: '/os-migrations',
        query: { source_compute: host, migration_type: 'evacuation' },
        idempotent: true,
        what: `list evacuations from ${host}`,
      },
      migrationsSchema,
    );
    // Filters are applied by Nova; checked anyway, as for servers (a dropped filter must not widen the view).
    return body.migrations.map(toMigration).filter((m) => m.sourceCompute === host);
  }

  async listAggregates(): Promise<Aggregate[]> {
    const body = await this.http.json(
      { method: 'GET', path: '/os-aggregates', idempotent: true, what: 'list aggregates' },
      aggregatesSchema,
    );
    return body.aggregates.map(toAggregate);
  }

  /** 409 (CONFLICT) when the host already is a member. */
  async addHostToAggregate(aggregateId: number, host: string): Promise<Aggregate> {
    return this.aggregateAction(
      aggregateId,
      { add_host: { host } },
      `add ${host} to aggregate ${aggregateId}`,
    );
  }

  async removeHostFromAggregate(aggregateId: number, host: string): Promise<Aggregate> {
    return this.aggregateAction(
      aggregateId,
      { remove_host: { host } },
      `remove ${host} from aggregate ${aggregateId}`,
    );
  }

  /** Capacity of every compute node; needs the counters that 2.88 removed, so it asks at ≤ 2.87. */
  async listHypervisors(): Promise<HypervisorCapacity[]> {
    const version = (await this.microversion()).pinned;
    if (atLeast(version, NOVA_VERSIONS.hypervisorCountersRemoved))
      throw new VigilError(ErrorCode.NOT_ACCEPTABLE, 'Hypervisor capacity needs a microversion below 2.88', {
        pinned: formatMicroversion(version),
      });
    const body = await this.http.json(
      { method: 'GET', path: '/os-hypervisors/detail', idempotent: true, what: 'list hypervisors' },
      hypervisorsSchema,
    );
    return body.hypervisors.map(toHypervisor);
  }

  private async requireForceDown() {
    const { pinned, cloudMax } = await this.microversion();
    if (!atLeast(pinned, NOVA_VERSIONS.forceDown))
      // Without force-down, evacuate would wait on Nova's heartbeat timeout: not something to rely on.
      throw new VigilError(
        ErrorCode.NOT_ACCEPTABLE,
        `Nova (max microversion ${formatMicroversion(cloudMax)}) cannot force a service down; 2.11 or later is required`,
        { cloudMax: formatMicroversion(cloudMax) },
      );
    return pinned;
  }

  private async updateService(host: string, body: Record<string, unknown>, what: string): Promise<void> {
    const service = await this.findComputeService(host);
    if (!service)
      throw new VigilError(ErrorCode.NOT_FOUND, `Nova has no nova-compute service on host ${host}`, { host });
    await this.http.send({
      method: 'PUT',
      path: `/os-services/${encodeURIComponent(String(service.id))}`,
      body,
      idempotent: true,
      what,
    });
  }

  private async legacyServiceAction(
    action: string,
    host: string,
    extra: Record<string, unknown>,
  ): Promise<void> {
    await this.http.send({
      method: 'PUT',
      path: `/os-services/${action}`,
      body: { host, binary: COMPUTE, ...extra },
      idempotent: true,
      what: `${action} ${host}`,
    });
  }

  private async action(serverId: string, body: unknown, name: string, idempotent: boolean): Promise<void> {
    await this.http.send({
      method: 'POST',
      path: `/servers/${encodeURIComponent(serverId)}/action`,
      body,
      idempotent,
      what: `${name} server ${serverId}`,
    });
  }

  private async aggregateAction(aggregateId: number, body: unknown, what: string): Promise<Aggregate> {
    const res = await this.http.json(
      { method: 'POST', path: `/os-aggregates/${aggregateId}/action`, body, idempotent: false, what },
      aggregateShowSchema,
    );
    return toAggregate(res.aggregate);
  }
}
