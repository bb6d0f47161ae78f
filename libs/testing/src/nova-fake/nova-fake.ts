import { randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse, header } from '../keystone-fake/fake-http';
import { type KeystoneFake } from '../keystone-fake/keystone-fake';
import { keystoneErrorBody } from '../keystone-fake/keystone-identity';
import { NovaModel, type NovaModelOptions } from './model/nova-model';
import { NovaFault } from './model/types';
import { NovaRoutes } from './nova-routes';
import { readRequestedVersion } from './request-version';
import { novaFaultBody } from './views';

/** Who a token belongs to, as keystonemiddleware would tell Nova. */
export interface NovaFakeCaller {
  projectId: string;
  roles: readonly string[];
}

export interface NovaFakeOptions extends NovaModelOptions {
  /** Tokens are checked in-process against this Keystone fake (expired/revoked ⇒ 401). */
  keystone?: KeystoneFake;
  /** Or any other check; without both, every non-empty token is an admin of project `admin`. */
  authenticate?: (token: string) => NovaFakeCaller | undefined;
  /** Highest microversion, as `2.x`. Default `2.93` (Zed). */
  maxMicroversion?: string;
  /** `[api] max_limit`. Default 1000. */
  maxLimit?: number;
}

/** One request as the fake saw it, in arrival order. */
export interface NovaFakeRequestRecord {
  /** Route label, e.g. `PUT /os-services/{id}` or `POST /servers/{id}/action:evacuate`. */
  route: string;
  path: string;
  /** Minor of the requested 2.x version, when it was valid. */
  microversion?: number;
  body: unknown;
  status: number;
  /** `X-OpenStack-Request-ID` the client sent. */
  clientRequestId?: string;
}

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const COLLECTIONS = new Set(['servers', 'os-services', 'os-migrations', 'os-aggregates', 'os-hypervisors']);

/**
 * Nova's compute API on a loopback port over a `NovaModel`: keystone-checked tokens, microversion
 * headers, the fault format, and injected faults (`http.failNext`, `http.hangNext`, `http.faults`).
 * Records every request (`requests`) and counts calls per route and evacuations per instance.
 */
export class NovaFake {
  readonly model: NovaModel;
  readonly http: FakeHttpServer;
  readonly requests: NovaFakeRequestRecord[] = [];
  maxMinor: number;
  maxLimit: number;
  private readonly routes: NovaRoutes;
  private readonly evacuateCounts = new Map<string, number>();
  private readonly routeFaults: {
    route: string;
    remaining: number;
    status: number;
    mode: 'refuse' | 'act-then-fail';
  }[] = [];

  constructor(private readonly options: NovaFakeOptions = {}) {
    this.model = new NovaModel(options);
    this.maxMinor = Number((options.maxMicroversion ?? '2.93').split('.')[1]);
    this.maxLimit = options.maxLimit ?? 1000;
    this.routes = new NovaRoutes(this.model, (id) => this.evacuateCounts.set(id, this.evacuateCalls(id) + 1));
    this.http = new FakeHttpServer(
      (req) => this.route(req),
      (status) => novaFaultBody(status, 'Injected failure.'),
    );
  }

  /** Starts listening; returns the compute endpoint (`http://127.0.0.1:<port>/v2.1`). */
  async start(): Promise<string> {
    await this.http.start();
    return this.endpoint;
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  get endpoint(): string {
    return `${this.http.url}/v2.1`;
  }

  /** Evacuate requests that reached the model for this instance (accepted or refused by Nova's checks). */
  evacuateCalls(serverId: string): number {
    return this.evacuateCounts.get(serverId) ?? 0;
  }

  /** Requests per route label. */
  calls(route: string): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  /**
   * The next `count` requests of one route (`POST /servers/{id}/action:evacuate`) are answered `status`:
   * refused before anything happens (`refuse`), or carried out and then answered `status` (`act-then-fail`).
   */
  failNextOn(route: string, count: number, status = 503, mode: 'refuse' | 'act-then-fail' = 'refuse'): void {
    this.routeFaults.push({ route, remaining: count, status, mode });
  }

  /** The next `count` evacuations of `serverId` fail on the destination. */
  failEvacuations(serverId: string, count = 1): void {
    this.model.evacuations.failNext(serverId, count);
  }

  private route(req: FakeRequest): FakeResponse {
    const segments = req.path.split('/').filter(Boolean);
    if (segments.length === 0)
      return { status: 200, body: { versions: [this.versionDoc('v2.0'), this.versionDoc('v2.1')] } };
    if (segments[0] !== 'v2.1' && segments[0] !== 'v2')
      return { status: 404, body: novaFaultBody(404, 'Not found') };
    if (segments.length === 1) return { status: 200, body: { version: this.versionDoc('v2.1') } };
    const rest = segments.slice(1);
    // `/v2.1/<project_id>/servers` and `/v2.1/servers` are both routed.
    if (rest[0] !== undefined && !COLLECTIONS.has(rest[0])) rest.shift();
    const record: NovaFakeRequestRecord = {
      route: NovaRoutes.label(req.method, rest, req.body),
      path: req.path,
      body: req.body,
      status: 0,
      clientRequestId: header(req.headers, 'X-OpenStack-Request-ID'),
    };
    this.requests.push(record);
    const fault = this.routeFaults.find((f) => f.remaining > 0 && f.route === record.route);
    if (fault) fault.remaining--;
    let response =
      fault?.mode === 'refuse'
        ? { status: fault.status, body: novaFaultBody(fault.status, 'Injected failure.') }
        : this.dispatch(req, rest, record);
    if (fault?.mode === 'act-then-fail')
      response = {
        status: fault.status,
        body: novaFaultBody(fault.status, 'Injected failure after acting.'),
      };
    record.status = response.status;
    const requestId =
      record.clientRequestId && REQUEST_ID.test(record.clientRequestId)
        ? record.clientRequestId
        : `req-${randomUUID()}`;
    const version: Record<string, string> =
      record.microversion === undefined
        ? {}
        : {
            'OpenStack-API-Version': `compute 2.${record.microversion}`,
            'X-OpenStack-Nova-API-Version': `2.${record.microversion}`,
          };
    response.headers = {
      ...response.headers,
      ...version,
      Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
      'x-openstack-request-id': requestId,
      'x-compute-request-id': requestId,
    };
    return response;
  }

  private dispatch(req: FakeRequest, rest: string[], record: NovaFakeRequestRecord): FakeResponse {
    const caller = this.authenticate(header(req.headers, 'X-Auth-Token'));
    if (!caller)
      return {
        status: 401,
        headers: { 'WWW-Authenticate': 'Keystone uri="keystone"' },
        body: keystoneErrorBody(401, 'The request you have made requires authentication.'),
      };
    const version = readRequestedVersion(
      header(req.headers, 'OpenStack-API-Version'),
      header(req.headers, 'X-OpenStack-Nova-API-Version'),
      this.maxMinor,
    );
    if (version.kind === 'malformed')
      return {
        status: 400,
        body: novaFaultBody(
          400,
          `API Version String ${version.raw} is of invalid format. Must be of format MajorNum.MinorNum.`,
        ),
      };
    if (version.kind === 'unsupported')
      return {
        status: 406,
        body: novaFaultBody(
          406,
          `Version ${version.raw} is not supported by the API. Minimum is 2.1 and maximum is 2.${this.maxMinor}.`,
        ),
      };
    record.microversion = version.minor;
    if (req.malformedBody) return { status: 400, body: novaFaultBody(400, 'Malformed request body') };
    if (!caller.roles.includes('admin'))
      return { status: 403, body: novaFaultBody(403, 'Policy does not allow this action to be performed.') };
    try {
      return this.routes.handle({
        req,
        segments: rest,
        v: version.minor,
        projectId: caller.projectId,
        maxLimit: this.maxLimit,
      });
    } catch (err) {
      if (err instanceof NovaFault)
        return { status: err.status, body: novaFaultBody(err.status, err.message) };
      throw err;
    }
  }

  private authenticate(token: string | undefined): NovaFakeCaller | undefined {
    if (!token) return undefined;
    if (this.options.keystone) {
      const live = this.options.keystone.inspectToken(token);
      return live && { projectId: live.project.id, roles: live.roles };
    }
    if (this.options.authenticate) return this.options.authenticate(token);
    return { projectId: 'admin', roles: ['admin'] };
  }

  private versionDoc(id: 'v2.0' | 'v2.1'): Record<string, unknown> {
    return {
      id,
      status: id === 'v2.1' ? 'CURRENT' : 'SUPPORTED',
      version: id === 'v2.1' ? `2.${this.maxMinor}` : '',
      min_version: id === 'v2.1' ? '2.1' : '',
      updated: '2013-07-23T11:33:21Z',
      links: [{ rel: 'self', href: `${this.http.url}/${id === 'v2.1' ? 'v2.1' : 'v2'}/` }],
    };
  }
}
