import { type FakeRequest, type FakeResponse } from '../keystone-fake/fake-http';
import { type NovaModel, type ServiceUpdate } from './model/nova-model';
import { NovaFault } from './model/types';
import { ServerBoot } from './server-boot';
import { aggregateView, hypervisorView, migrationView, serverView, serviceView } from './views';

/** One authenticated, version-checked request as the routes see it. */
export interface NovaCall {
  req: FakeRequest;
  /** Path below `/v2.1[/<project>]`, split. */
  segments: string[];
  /** Minor of 2.x. */
  v: number;
  projectId: string;
  maxLimit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_NAME = /^[a-zA-Z0-9-._]*$/;
const ok = (body?: unknown, status = 200): FakeResponse => ({ status, body });
const bad = (message: string): NovaFault => new NovaFault(400, message);

function record(body: unknown, key: string): Record<string, unknown> {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw bad(`Invalid input for field/attribute ${key}.`);
  return value as Record<string, unknown>;
}

function bodyOf(req: FakeRequest): Record<string, unknown> {
  const body = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw bad('The request body is missing or not an object.');
  return body as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    throw bad(
      `Invalid input for field/attribute ${where}. Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`,
    );
}

function boolish(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (
    typeof value === 'string' &&
    ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(value.toLowerCase())
  )
    return ['true', '1', 'yes', 'on'].includes(value.toLowerCase());
  throw bad(
    `Invalid input for field/attribute ${field}. Value: ${String(value)}. ${String(value)} is not of type 'boolean'`,
  );
}

/** The routes of openstack-api.md §3–§5 over the model. Throws `NovaFault` for Nova's 4xx answers. */
export class NovaRoutes {
  private readonly boot: ServerBoot;

  constructor(
    private readonly model: NovaModel,
    private readonly onEvacuate: (serverId: string) => void,
    bootDurationMs = 1_000,
  ) {
    this.boot = new ServerBoot(model, bootDurationMs);
  }

  /** A label per route, for call counters (`PUT /os-services/{id}`, `POST /servers/{id}/action:evacuate`). */
  static label(method: string, segments: string[], body: unknown): string {
    const [head, id, tail] = segments;
    const shape = [head, id === undefined ? undefined : id === 'detail' ? 'detail' : '{id}', tail]
      .filter(Boolean)
      .join('/');
    const action =
      tail === 'action' && body && typeof body === 'object' ? `:${Object.keys(body)[0] ?? ''}` : '';
    return `${method} /${shape}${action}`;
  }

  handle(call: NovaCall): FakeResponse {
    const { req, segments } = call;
    const [head, id, tail] = segments;
    const route = `${req.method} ${head ?? ''}${id === undefined ? '' : id === 'detail' ? '/detail' : '/:id'}${tail ? `/${tail}` : ''}`;
    switch (route) {
      case 'GET os-services':
        return this.listServices(call);
      case 'PUT os-services/:id':
        return this.updateService(call, id ?? '');
      case 'GET servers/detail':
        return this.listServers(call);
      case 'POST servers':
        return this.boot.create(req.body, call.v, call.projectId);
      case 'DELETE servers/:id':
        return this.boot.delete(id ?? '');
      case 'GET servers/:id':
        return ok({ server: serverView(this.model, this.model.requireServer(id ?? ''), call.v) });
      case 'POST servers/:id/action':
        return this.serverAction(call, id ?? '');
      case 'GET os-migrations':
        return this.listMigrations(call);
      case 'GET os-aggregates':
        return ok({ aggregates: this.model.aggregates.list().map((a) => aggregateView(a, call.v)) });
      case 'POST os-aggregates/:id/action':
        return this.aggregateAction(call, id ?? '');
      case 'GET os-hypervisors':
      case 'GET os-hypervisors/detail':
        return this.listHypervisors(call, id === 'detail');
      default:
        throw new NovaFault(404, 'The resource could not be found.');
    }
  }

  private listServices({ req, v }: NovaCall): FakeResponse {
    if (v >= 75) onlyKeys(Object.fromEntries(req.query), ['host', 'binary'], 'query');
    const host = req.query.get('host');
    const binary = req.query.get('binary');
    const services = this.model
      .hosts()
      .filter((h) => (host === null || h.host === host) && (binary === null || binary === 'nova-compute'))
      .map((h) => serviceView(this.model, h, v));
    return ok({ services });
  }

  private updateService({ req, v }: NovaCall, id: string): FakeResponse {
    if (v < 53) return this.legacyServiceAction(req, v, id);
    if (!UUID.test(id)) throw bad(`Invalid uuid ${id}`);
    const host = this.model.hosts().find((h) => h.serviceUuid === id);
    if (!host) throw new NovaFault(404, `Service ${id} not found.`);
    const body = bodyOf(req);
    onlyKeys(body, ['status', 'disabled_reason', 'forced_down'], 'body');
    const update: ServiceUpdate = {};
    if (body.status !== undefined) {
      if (body.status !== 'enabled' && body.status !== 'disabled')
        throw bad(`Invalid input for field/attribute status.`);
      update.status = body.status;
    }
    if (body.disabled_reason !== undefined) {
      if (
        typeof body.disabled_reason !== 'string' ||
        body.disabled_reason.length < 1 ||
        body.disabled_reason.length > 255
      )
        throw bad('Invalid input for field/attribute disabled_reason.');
      if (update.status === 'enabled')
        throw bad('Specifying a disabled_reason with status enabled is invalid.');
      update.disabledReason = body.disabled_reason;
    }
    if (body.forced_down !== undefined) update.forcedDown = boolish(body.forced_down, 'forced_down');
    if (update.status === undefined && update.forcedDown === undefined)
      throw bad("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
    return ok({ service: serviceView(this.model, this.model.updateService(host.host, update), v) });
  }

  private legacyServiceAction(req: FakeRequest, v: number, action: string): FakeResponse {
    const actions = ['enable', 'disable', 'disable-log-reason', ...(v >= 11 ? ['force-down'] : [])];
    if (!actions.includes(action)) throw new NovaFault(404, 'Unknown action');
    const body = bodyOf(req);
    const extra =
      action === 'disable-log-reason' ? ['disabled_reason'] : action === 'force-down' ? ['forced_down'] : [];
    onlyKeys(body, ['host', 'binary', ...extra], 'body');
    for (const key of ['host', 'binary', ...extra])
      if (body[key] === undefined)
        throw bad(`Invalid input for field/attribute body. '${key}' is a required property`);
    if (body.binary !== 'nova-compute')
      throw bad(`Updating a ${String(body.binary)} service is not supported.`);
    const hostName = String(body.host);
    if (!this.model.hosts().some((h) => h.host === hostName))
      throw new NovaFault(404, `Host '${hostName}' is not mapped to any cell`);
    const base = { host: hostName, binary: 'nova-compute' };
    switch (action) {
      case 'enable':
        this.model.updateService(hostName, { status: 'enabled' });
        return ok({ service: { ...base, status: 'enabled' } });
      case 'disable':
        this.model.updateService(hostName, { status: 'disabled' });
        return ok({ service: { ...base, status: 'disabled' } });
      case 'disable-log-reason': {
        const reason = body.disabled_reason;
        if (typeof reason !== 'string' || reason.length < 1 || reason.length > 255)
          throw bad('Invalid input for field/attribute disabled_reason.');
        this.model.updateService(hostName, { status: 'disabled', disabledReason: reason });
        return ok({ service: { ...base, status: 'disabled', disabled_reason: reason } });
      }
      default: {
        const forcedDown = boolish(body.forced_down, 'forced_down');
        this.model.updateService(hostName, { forcedDown });
        return ok({ service: { ...base, forced_down: forcedDown } });
      }
    }
  }

  private listServers({ req, v, projectId, maxLimit }: NovaCall): FakeResponse {
    const allRaw = req.query.get('all_tenants');
    let allTenants = false;
    if (allRaw !== null) {
      if (['', '1', 'true', 'True'].includes(allRaw)) allTenants = true;
      else if (!['0', 'false', 'False'].includes(allRaw))
        throw bad(`Invalid input for field/attribute all_tenants. Value: ${allRaw}`);
    }
    const host = req.query.get('host') ?? undefined;
    let servers = this.model.servers({ host });
    if (!allTenants) servers = servers.filter((s) => s.projectId === projectId);
    const limitRaw = req.query.get('limit');
    const limit = limitRaw === null ? maxLimit : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 0) throw bad('limit param must be an integer');
    const marker = req.query.get('marker');
    if (marker !== null) {
      const at = servers.findIndex((s) => s.id === marker);
      if (at < 0) throw bad(`marker [${marker}] not found`);
      servers = servers.slice(at + 1);
    }
    const page = servers.slice(0, Math.min(limit, maxLimit));
    const last = page[page.length - 1];
    const full = page.length > 0 && page.length === Math.min(limit, maxLimit);
    const links =
      full && last
        ? [{ rel: 'next', href: `/v2.1/servers/detail?limit=${limit}&marker=${last.id}` }]
        : undefined;
    return ok({
      servers: page.map((s) => serverView(this.model, s, v)),
      ...(links ? { servers_links: links } : {}),
    });
  }

  private serverAction({ req, v }: NovaCall, id: string): FakeResponse {
    const body = bodyOf(req);
    const [action, ...more] = Object.keys(body);
    if (action === undefined || more.length > 0)
      throw bad('There is no such action or more than one action.');
    switch (action) {
      case 'evacuate':
        return this.evacuate(v, id, record(body, 'evacuate'));
      case 'os-migrateLive':
        return this.migrateLive(v, id, record(body, 'os-migrateLive'));
      case 'lock': {
        const args = body.lock;
        const reason =
          v >= 73 && args && typeof args === 'object'
            ? (args as Record<string, unknown>).locked_reason
            : undefined;
        if (reason !== undefined && typeof reason !== 'string')
          throw bad('Invalid input for field/attribute locked_reason.');
        this.model.lock(id, reason);
        return ok(undefined, 202);
      }
      case 'unlock':
        this.model.unlock(id);
        return ok(undefined, 202);
      case 'os-stop':
        this.model.stop(id);
        return ok(undefined, 202);
      case 'os-start':
        this.model.start(id);
        return ok(undefined, 202);
      case 'os-resetState': {
        const state = record(body, 'os-resetState').state;
        if (state !== 'active' && state !== 'error') throw bad('Invalid input for field/attribute state.');
        this.model.resetState(id, state);
        return ok(undefined, 202);
      }
      default:
        throw new NovaFault(400, `There is no such action: ${action}`);
    }
  }

  /**
   * `os-migrateLive` body rules by microversion (Nova API reference): `host` (string or null) and
   * `block_migration` are required; before 2.25 `block_migration` is a boolean and `disk_over_commit`
   * (boolean) is required too; from 2.25 `block_migration` may be `"auto"` and `disk_over_commit` is
   * gone; `force` exists from 2.30 to 2.67 and needs a host. 202, no body.
   */
  private migrateLive(v: number, id: string, args: Record<string, unknown>): FakeResponse {
    const allowed = [
      'host',
      'block_migration',
      ...(v < 25 ? ['disk_over_commit'] : []),
      ...(v >= 30 && v < 68 ? ['force'] : []),
    ];
    onlyKeys(args, allowed, 'os-migrateLive');
    for (const key of v < 25 ? ['host', 'block_migration', 'disk_over_commit'] : ['host', 'block_migration'])
      if (!(key in args))
        throw bad(`Invalid input for field/attribute os-migrateLive. '${key}' is a required property`);
    const block = args.block_migration;
    if (!(typeof block === 'boolean' || (v >= 25 && block === 'auto')))
      throw bad(`Invalid input for field/attribute block_migration. Value: ${String(block)}.`);
    if (v < 25 && typeof args.disk_over_commit !== 'boolean')
      throw bad('Invalid input for field/attribute disk_over_commit.');
    const host = args.host;
    if (host !== null && (typeof host !== 'string' || host.length > 255 || !HOST_NAME.test(host)))
      throw bad('Invalid input for field/attribute host.');
    if (args.force !== undefined && typeof args.force !== 'boolean')
      throw bad('Invalid input for field/attribute force.');
    if (args.force === true && host === null) throw bad("Can't force to a non-provided destination");
    this.model.liveMigrate(id, host ?? undefined, args.force === true);
    return ok(undefined, 202);
  }

  /** Body rules by microversion (openstack-api.md §4.2). */
  private evacuate(v: number, id: string, args: Record<string, unknown>): FakeResponse {
    const allowed = [
      'host',
      'adminPass',
      ...(v < 14 ? ['onSharedStorage'] : []),
      ...(v >= 29 && v < 68 ? ['force'] : []),
    ];
    onlyKeys(args, allowed, 'evacuate');
    if (v < 14) {
      if (typeof args.onSharedStorage !== 'boolean')
        throw bad("Invalid input for field/attribute evacuate. 'onSharedStorage' is a required property");
      if (args.onSharedStorage && args.adminPass !== undefined)
        throw bad("admin password can't be changed on existing disk");
    }
    const host = args.host;
    if (host !== undefined && (typeof host !== 'string' || host.length > 255 || !HOST_NAME.test(host)))
      throw bad('Invalid input for field/attribute host.');
    if (args.force === true && host === undefined) throw bad("Can't force to a non-provided destination");
    this.model.requireServer(id);
    this.onEvacuate(id);
    this.model.evacuate(id, host);
    return v < 14 ? ok({ adminPass: 'Fake-Pass-1' }) : ok(undefined, 200);
  }

  private listMigrations({ req, v }: NovaCall): FakeResponse {
    const known = ['host', 'source_compute', 'instance_uuid', 'status', 'migration_type', 'hidden'];
    if (v >= 59)
      onlyKeys(
        Object.fromEntries(req.query),
        [...known, 'limit', 'marker', 'changes-since', ...(v >= 66 ? ['changes-before'] : [])],
        'query',
      );
    const q = (k: string): string | undefined => req.query.get(k) ?? undefined;
    let migrations = this.model.migrations({
      instanceUuid: q('instance_uuid'),
      migrationType: q('migration_type'),
      host: q('host'),
      sourceCompute: q('source_compute'),
      status: q('status'),
    });
    if (v < 59) migrations = [...migrations].sort((a, b) => a.id - b.id);
    return ok({ migrations: migrations.map((m) => migrationView(m, v)) });
  }

  private aggregateAction({ req, v }: NovaCall, rawId: string): FakeResponse {
    if (!/^\d+$/.test(rawId)) throw bad(`Invalid aggregate id ${rawId}: must be an integer.`);
    const id = Number(rawId);
    const body = bodyOf(req);
    const [action] = Object.keys(body);
    if (action !== 'add_host' && action !== 'remove_host')
      throw bad(`Invalid aggregate action ${String(action)}.`);
    const host = record(body, action).host;
    if (typeof host !== 'string') throw bad('Invalid input for field/attribute host.');
    const aggregate =
      action === 'add_host'
        ? this.model.aggregates.addHost(id, host)
        : this.model.aggregates.removeHost(id, host);
    return ok({ aggregate: aggregateView(aggregate, v) });
  }

  private listHypervisors({ req, v }: NovaCall, detail: boolean): FakeResponse {
    const pattern = req.query.get('hypervisor_hostname_pattern');
    const hosts = this.model
      .hosts()
      .filter((h) => pattern === null || h.hypervisorHostname.includes(pattern));
    if (pattern !== null && hosts.length === 0)
      throw new NovaFault(404, `No hypervisor matching '${pattern}' could be found.`);
    return ok({ hypervisors: hosts.map((h) => hypervisorView(this.model, h, v, detail)) });
  }
}
