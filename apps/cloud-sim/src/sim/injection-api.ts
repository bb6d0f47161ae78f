import { z } from 'zod';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from '@vigil/testing';
import { type HostFault, SIM_COMPONENTS, type SimComponent } from '../model/host-condition';
import { BMC_BEHAVIOURS, type BmcBehaviour } from './bmc-farm';
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
  .object({ behaviour: z.enum(BMC_BEHAVIOURS as [BmcBehaviour, ...BmcBehaviour[]]) })
  .strict();
const cliffSchema = z.object({ active: z.boolean().default(true) }).strict();

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
    if (req.method === 'DELETE' && collection === 'cliff' && parts.length === 2) {
      this.sim.setControllerCliff(false);
      return { status: 200, body: { cliff: false } };
    }
    if (req.method !== 'POST') return { status: 405, body: { error: 'method not allowed' } };
    if (req.malformedBody) return badRequest('body is not JSON');
    switch (collection ?? '') {
      case 'hosts':
        return this.hostAction(target, action, name, subAction, parts.length);
      case 'racks': {
        if (!target || (action !== 'partition' && action !== 'heal') || parts.length !== 4)
          return notFound('route');
        if (!this.sim.partitionRack(target, action === 'partition')) return notFound(`rack ${target}`);
        return { status: 200, body: { rack: target, partitioned: action === 'partition' } };
      }
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
        if (!body.success) return badRequest(`expected {"behaviour": ${BMC_BEHAVIOURS.join('|')}}`);
        if (!this.sim.setBmcBehaviour(target, body.data.behaviour)) return notFound(`host ${target}`);
        return { status: 200, body: { host: target, behaviour: body.data.behaviour } };
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

  private hostAction(
    host: string | undefined,
    action: string | undefined,
    component: string | undefined,
    componentAction: string | undefined,
    length: number,
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
    this.sim.inject(host, fault);
    return {
      status: 200,
      body: { host, condition: this.sim.condition(host), effects: this.sim.effects(host) },
    };
  }
}
