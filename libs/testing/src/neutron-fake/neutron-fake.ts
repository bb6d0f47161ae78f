import { randomUUID } from 'node:crypto';
import { type FakeRequest, type FakeResponse, FakeHttpServer } from '../keystone-fake/fake-http';
import { keystoneErrorBody } from '../keystone-fake/keystone-identity';
import { type KeystoneFake } from '../keystone-fake/keystone-fake';

/** A port as the fake keeps it (a subset of Neutron's port resource). */
export interface NeutronFakePort {
  id: string;
  device_id: string;
  device_owner: string;
  network_id: string;
  status: 'ACTIVE' | 'DOWN' | 'BUILD' | 'ERROR';
  admin_state_up: boolean;
}

export interface NeutronFakeOptions {
  /** Tokens are checked against this Keystone (401 without a live one). */
  keystone: KeystoneFake;
  /**
   * After `rebound(deviceId)` (the instance rebuilt on another host), its ports stay `DOWN` this long
   * before turning `ACTIVE`, as when the new host's agent wires them up. Default 0.
   */
  activateDelayMs?: number;
}

/**
 * A minimal Neutron (Networking API v2.0) on loopback, following the API reference for what Vigil uses:
 * `GET /v2.0/ports` with `device_id` (and any other attribute) filters and `fields` selection, answered
 * `{"ports": [...]}` with 200; 401 without a valid `X-Auth-Token`; 404 for other paths, in Neutron's
 * `{"NeutronError": {type, message, detail}}` format.
 */
export class NeutronFake {
  readonly http: FakeHttpServer;
  private readonly ports = new Map<string, NeutronFakePort>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: NeutronFakeOptions) {
    this.http = new FakeHttpServer(
      (req) => this.route(req),
      () => neutronErrorBody('HTTPServiceUnavailable', 'injected failure'),
    );
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.http.stop();
  }

  /** Adds a port of `deviceId` (a server uuid), ACTIVE unless told otherwise. */
  addPort(deviceId: string, status: NeutronFakePort['status'] = 'ACTIVE'): NeutronFakePort {
    const port: NeutronFakePort = {
      id: randomUUID(),
      device_id: deviceId,
      device_owner: 'compute:nova',
      network_id: 'net-0',
      status,
      admin_state_up: true,
    };
    this.ports.set(port.id, port);
    return port;
  }

  /** The instance was rebuilt elsewhere: its ports go DOWN, then ACTIVE after `activateDelayMs`. */
  rebound(deviceId: string): void {
    for (const port of this.portsOf(deviceId)) port.status = 'DOWN';
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const port of this.portsOf(deviceId)) port.status = 'ACTIVE';
    }, this.options.activateDelayMs ?? 0);
    this.timers.add(timer);
  }

  setStatus(deviceId: string, status: NeutronFakePort['status']): void {
    for (const port of this.portsOf(deviceId)) port.status = status;
  }

  portsOf(deviceId: string): NeutronFakePort[] {
    return [...this.ports.values()].filter((p) => p.device_id === deviceId);
  }

  private route(req: FakeRequest): FakeResponse {
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || !this.options.keystone.inspectToken(token))
      return {
        status: 401,
        headers: { 'WWW-Authenticate': 'Keystone uri="keystone"' },
        body: keystoneErrorBody(401, 'The request you have made requires authentication.'),
      };
    const path = req.path.replace(/\.json$/, '').replace(/\/+$/, '');
    if (req.method === 'GET' && path === '/v2.0/ports')
      return { status: 200, body: { ports: this.list(req) } };
    return {
      status: 404,
      body: neutronErrorBody('HTTPNotFound', 'The resource could not be found.'),
    };
  }

  /** Filters: every query parameter but `fields`, `limit`, `marker` names an attribute (repeat = any of). */
  private list(req: FakeRequest): Record<string, unknown>[] {
    const filters = new Map<string, string[]>();
    for (const [key, value] of req.query)
      if (!['fields', 'limit', 'marker', 'page_reverse', 'sort_key', 'sort_dir'].includes(key))
        filters.set(key, [...(filters.get(key) ?? []), value]);
    const fields = req.query.getAll('fields');
    return [...this.ports.values()]
      .filter((p) =>
        [...filters].every(([key, values]) => {
          const value = (p as unknown as Record<string, unknown>)[key];
          return values.includes(String(value));
        }),
      )
      .map((p) =>
        fields.length === 0
          ? { ...p }
          : Object.fromEntries(fields.filter((f) => f in p).map((f) => [f, p[f as keyof NeutronFakePort]])),
      );
  }
}

export function neutronErrorBody(type: string, message: string): unknown {
  return { NeutronError: { type, message, detail: '' } };
}
