import { type FakeResponse } from '../keystone-fake/fake-http';
import { type NovaModel } from './model/nova-model';
import { DEFAULT_FLAVOR, NovaFault } from './model/types';

/**
 * `POST /servers` and `DELETE /servers/{id}` as Nova answers an admin: 202 with a reservation (the
 * server shows BUILD until nova-compute has spawned it), a forced host through the admin
 * `availability_zone` form `zone:host` (any microversion) or the `host` field (2.74+), `networks`
 * required from 2.37; delete answers 204 and the server is gone (404) once Nova has deleted it.
 * Kept beside the routes so the drill's needs stay out of the recovery routes.
 */
export class ServerBoot {
  constructor(
    private readonly model: NovaModel,
    /** BUILD → ACTIVE after this long (ms), as nova-compute spawning on its own host. */
    private readonly bootDurationMs: number,
  ) {}

  create(body: unknown, v: number, projectId: string): FakeResponse {
    const server = field(body, 'server');
    const name = server.name;
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > 255)
      throw bad("Invalid input for field/attribute name. 'name' is a required property");
    for (const key of ['flavorRef', 'imageRef'])
      if (typeof server[key] !== 'string' || server[key].length === 0)
        throw bad(`Invalid input for field/attribute ${key}.`);
    if (v >= 37 && server.networks === undefined)
      throw bad("Invalid input for field/attribute server. 'networks' is a required property");
    const networks = server.networks;
    if (
      networks !== undefined &&
      networks !== 'none' &&
      networks !== 'auto' &&
      !(Array.isArray(networks) && networks.every((n) => n && typeof n === 'object'))
    )
      throw bad('Invalid input for field/attribute networks.');
    const metadata = server.metadata ?? {};
    if (
      typeof metadata !== 'object' ||
      Array.isArray(metadata) ||
      Object.values(metadata).some((x) => typeof x !== 'string')
    )
      throw bad('Invalid input for field/attribute metadata.');
    const host = this.forcedHost(server, v);
    const record = this.model.addServer({
      host,
      name,
      projectId,
      vmState: 'building',
      taskState: 'spawning',
      flavor: DEFAULT_FLAVOR,
      metadata: metadata as Record<string, string>,
    });
    const hostRecord = this.model.host(host);
    const up = hostRecord !== undefined && this.model.isUp(hostRecord);
    // A forced host skips the scheduler: a dead one leaves the server in ERROR, as Nova does.
    this.model.finishBootLater(record.id, this.bootDurationMs, up ? 'active' : 'error');
    return {
      status: 202,
      body: {
        server: {
          id: record.id,
          links: [{ rel: 'self', href: `/v2.1/servers/${record.id}` }],
          'OS-DCF:diskConfig': 'MANUAL',
          security_groups: [{ name: 'default' }],
          adminPass: 'Fake-Pass-1',
        },
      },
    };
  }

  delete(id: string): FakeResponse {
    this.model.requireServer(id);
    this.model.removeServer(id);
    return { status: 204 };
  }

  /** `zone:host` (admin) or 2.74's `host`; this fake boots only servers pinned to a host. */
  private forcedHost(server: Record<string, unknown>, v: number): string {
    if (server.host !== undefined) {
      if (v < 74) throw bad("Additional properties are not allowed ('host' was unexpected)");
      if (typeof server.host !== 'string') throw bad('Invalid input for field/attribute host.');
      if (!this.model.host(server.host)) throw bad(`Compute host ${server.host} could not be found.`);
      return server.host;
    }
    const az = server.availability_zone;
    if (typeof az !== 'string') throw bad('The Nova fake boots only servers pinned to a host.');
    const [zone, host] = az.split(':');
    const record = host ? this.model.host(host) : undefined;
    if (!host || !record) throw bad(`Compute host ${host ?? ''} could not be found.`);
    if (record.zone !== zone) throw bad(`The requested availability zone is not available`);
    return host;
  }
}

const bad = (message: string): NovaFault => new NovaFault(400, message);

function field(body: unknown, key: string): Record<string, unknown> {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw bad(`Invalid input for field/attribute ${key}.`);
  return value as Record<string, unknown>;
}
