import { z } from 'zod';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from '@vigil/testing';
import { type HostFault, PARTITION_SCOPES, SIM_COMPONENTS, type SimComponent } from '../model/host-condition';
import { BMC_BEHAVIOURS } from './bmc-farm';
import { type CloudSim } from './cloud-sim';
import { simState } from './sim-state';

const HOST_ACTIONS: Record<string, HostFault['kind']> = {
  'power-off': 'power-off',
  'power-on': 'power-on',
  'kernel-hang': 'kernel-hang',
  partition: 'partition',
  heal: 'heal',
  recover: 'recover',
};

const novaFaultsSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    failRate: z.number().min(0).max(1).optional(),
    failStatus: z.number().int().min(400).max(599).optional(),
  })
  .strict();
const behaviourSchema = z
  .object({
    behaviour: z.enum(BMC_BEHAVIOURS),
    delayMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict();
const cliffSchema = z.object({ active: z.boolean().default(true) }).strict();
const hostName = z.string().min(1).max(255);
const partitionSchema = z
  .object({
    hosts: z.array(hostName).max(10_000).optional(),
    racks: z.array(hostName).max(1_000).optional(),
    scope: z.enum(PARTITION_SCOPES).default('everything'),
    durationMs: z.number().int().min(1).max(86_400_000).optional(),
    label: z.string().max(200).optional(),
  })
  .strict()
  .refine((p) => (p.hosts?.length ?? 0) + (p.racks?.length ?? 0) > 0, 'name hosts or racks');
const rackPowerOffSchema = z
  .object({ bmcs: z.enum(['read-off', 'unreachable']).default('read-off') })
  .strict();
const nonNegativeInt = z.coerce.number().int().min(0);

/** Who asked, for the power log: the caller's `X-Sim-Actor` header (a test's or bench's name), else the API. */
function actorOf(req: FakeRequest): string {
  const header = req.headers['x-sim-actor'];
  const actor = typeof header === 'string' ? header.trim().slice(0, 100) : '';
  return actor ? `injection-api (${actor})` : 'injection-api';
}

const notFound = (what: string): FakeResponse => ({ status: 404, body: { error: `${what} not found` } });
const badRequest = (message: string): FakeResponse => ({ status: 400, body: { error: message } });

/**
 * The sim's failure-injection API (docs/cloud-sim.md lists the routes). Each call answers with the
 * target's resulting condition, so a script can see what it caused.
 */
export class InjectionApi {
  private readonly http: FakeHttpServer;

  constructor(private readonly sim: CloudSim) {
    this.http = new FakeHttpServer(
      (req) => this.route(req),
      (status) => ({ error: `injected failure ${status}` }),
    );
  }

  async start(port = 0): Promise<string> {
    return this.http.start(port);
  }

  get url(): string {
    return this.http.url;
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  private async route(req: FakeRequest): Promise<FakeResponse> {
    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'sim') return notFound('route');
    const [, collection, target, action, name, subAction] = parts;
    if (req.method === 'GET' && collection === 'state' && parts.length === 2)
      return { status: 200, body: simState(this.sim, req.query.get('host') ?? undefined) };
    if (req.method === 'GET' && collection === 'power-log' && parts.length === 2) return this.powerLog(req);
    if (req.method === 'GET' && collection === 'partitions' && parts.length === 2)
      return { status: 200, body: { partitions: this.sim.activePartitions() } };
    if (req.method === 'DELETE' && collection === 'partitions' && target && parts.length === 3) {
      const healed = this.sim.healPartition(target);
      return healed ? { status: 200, body: { healed } } : notFound(`partition ${target}`);
    }
    if (req.method === 'DELETE' && collection === 'cliff' && parts.length === 2) {
      this.sim.setControllerCliff(false);
      return { status: 200, body: { cliff: false } };
    }
    if (req.method !== 'POST') return { status: 405, body: { error: 'method not allowed' } };
    if (req.malformedBody) return badRequest('body is not JSON');
    switch (collection ?? '') {
      case 'hosts':
        return this.hostAction(target, action, name, subAction, parts.length, actorOf(req));
      case 'partitions':
        return parts.length === 2 ? this.openPartition(req.body) : notFound('route');
      case 'racks':
        return this.rackAction(target, action, parts.length, req);
      case 'cliff': {
        const body = cliffSchema.safeParse(req.body ?? {});
        if (!body.success || parts.length !== 2) return badRequest('expected {"active": boolean}');
        this.sim.setControllerCliff(body.data.active);
        return { status: 200, body: { cliff: body.data.active } };
      }
      case 'nova': {
        const body = novaFaultsSchema.safeParse(req.body ?? {});
        if (target !== 'faults' || parts.length !== 3) return notFound('route');
        if (!body.success) return badRequest('expected {latencyMs?, failRate?, failStatus?}');
        this.sim.setNovaFaults(body.data);
        return { status: 200, body: { faults: this.sim.openstack.nova.http.faults } };
      }
      case 'bmc': {
        const body = behaviourSchema.safeParse(req.body);
        if (!target || action !== 'behaviour' || parts.length !== 4) return notFound('route');
        if (!body.success)
          return badRequest(`expected {"behaviour": ${BMC_BEHAVIOURS.join('|')}, "delayMs"?: int (slow)}`);
        if (!this.sim.setBmcBehaviour(target, body.data.behaviour, body.data.delayMs))
          return notFound(`host ${target}`);
        return { status: 200, body: { host: target, ...this.sim.bmc.behaviourDetail(target) } };
      }
      case 'instances': {
        if (!target || action !== 'crash' || parts.length !== 4) return notFound('route');
        const result = await this.sim.crashInstance(target);
        return result
          ? { status: 200, body: { instance: target, ...result } }
          : notFound(`instance ${target}`);
      }
      default:
        return notFound('route');
    }
  }

  private powerLog(req: FakeRequest): FakeResponse {
    const read = (name: string): number | undefined | null => {
      const raw = req.query.get(name);
      if (raw === null) return undefined;
      const parsed = nonNegativeInt.safeParse(raw);
      return parsed.success ? parsed.data : null;
    };
    const sinceSeq = read('sinceSeq');
    const sinceMs = read('sinceMs');
    if (sinceSeq === null || sinceMs === null) return badRequest('sinceSeq and sinceMs are integers >= 0');
    const host = req.query.get('host') ?? undefined;
    return {
      status: 200,
      body: { nowMs: Date.now(), transitions: this.sim.powerLog.list({ host, sinceSeq, sinceMs }) },
    };
  }

  private openPartition(raw: unknown): FakeResponse {
    const body = partitionSchema.safeParse(raw);
    if (!body.success)
      return badRequest(
        `expected {"hosts"?: [..], "racks"?: [..], "scope"?: ${PARTITION_SCOPES.join('|')}, "durationMs"?: int, "label"?: text}`,
      );
    const { hosts = [], racks = [], scope, durationMs, label } = body.data;
    const unknownRack = racks.find((r) => this.sim.rackHosts(r).length === 0);
    if (unknownRack !== undefined) return notFound(`rack ${unknownRack}`);
    const unknownHost = hosts.find((h) => !this.sim.hasHost(h));
    if (unknownHost !== undefined) return notFound(`host ${unknownHost}`);
    const all = [...hosts, ...racks.flatMap((r) => this.sim.rackHosts(r))];
    const partition = this.sim.partition({ hosts: all, scope, durationMs, label });
    return { status: 201, body: { partition } };
  }

  private rackAction(
    rack: string | undefined,
    action: string | undefined,
    length: number,
    req: FakeRequest,
  ): FakeResponse {
    if (!rack || length !== 4) return notFound('route');
    if (this.sim.rackHosts(rack).length === 0) return notFound(`rack ${rack}`);
    switch (action ?? '') {
      case 'partition':
      case 'heal':
        this.sim.partitionRack(rack, action === 'partition');
        return { status: 200, body: { rack, partitioned: action === 'partition' } };
      case 'power-off': {
        const body = rackPowerOffSchema.safeParse(req.body ?? {});
        if (!body.success) return badRequest('expected {"bmcs"?: "read-off"|"unreachable"}');
        this.sim.rackPowerOff(rack, body.data.bmcs, actorOf(req));
        return { status: 200, body: { rack, power: 'Off', bmcs: body.data.bmcs } };
      }
      case 'power-on':
        this.sim.rackPowerOn(rack, actorOf(req));
        return { status: 200, body: { rack, power: 'On' } };
      default:
        return notFound('route');
    }
  }

  private hostAction(
    host: string | undefined,
    action: string | undefined,
    component: string | undefined,
    componentAction: string | undefined,
    length: number,
    actor: string,
  ): FakeResponse {
    if (!host || !action) return notFound('route');
    if (!this.sim.hasHost(host)) return notFound(`host ${host}`);
    let fault: HostFault | undefined;
    if (action === 'components' && length === 6) {
      if (!SIM_COMPONENTS.includes(component as SimComponent))
        return badRequest(`component must be one of ${SIM_COMPONENTS.join(', ')}`);
      if (componentAction === 'crash' || componentAction === 'restart')
        fault = { kind: componentAction, component: component as SimComponent };
    } else if (length === 4) {
      const kind = HOST_ACTIONS[action];
      if (kind && kind !== 'crash' && kind !== 'restart') fault = { kind };
    }
    if (!fault) return notFound('route');
    this.sim.inject(host, fault, 'injection', actor);
    return {
      status: 200,
      body: { host, condition: this.sim.condition(host), effects: this.sim.effects(host) },
    };
  }
}
