import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type FakePowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export interface RedfishFakeOptions {
  username?: string;
  /** Default a random string. */
  password?: string;
  /** Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 (`caPem` trusts it). Default false. */
  tls?: boolean;
  /** Default `System.Embedded.1`, a vendor-style id. */
  systemId?: string;
  power?: 'On' | 'Off';
  /**
   * More systems served beside the first, each at `/redfish/v1/Systems/<id>` with its own power state
   * and knobs (`system(id)`): one loopback server standing in for the BMCs of many simulated hosts.
   */
  extraSystemIds?: readonly string[];
  /** Called after a reset changed a system's power state (not on direct assignment), with who asked. */
  onPowerChange?: (systemId: string, state: FakePowerState, requester: ResetRequester) => void;
}

/** Who sent the reset that changed a system's power: what a BMC's own event log would show. */
export interface ResetRequester {
  resetType: string;
  /** The client's User-Agent header ('' when none). */
  userAgent: string;
  remoteAddress: string;
}

/** One ComputerSystem's mutable state; `knobs` act on requests to this system's paths. */
export interface FakeSystem {
  readonly id: string;
  readonly path: string;
  powerState: FakePowerState;
  readonly knobs: RedfishFakeKnobs;
  poweringOffLeft: number;
  /** The reset that put the system into PoweringOff, reported again when it reads Off. */
  pendingReset?: ResetRequester;
}

/** Misbehaviour switches; change them between steps of a test. */
export interface RedfishFakeKnobs {
  /** Accepts ForceOff (204) but stays On: a lying BMC. */
  lieOnForceOff: boolean;
  /** After ForceOff, this many GETs of the system read `PoweringOff` before it reads `Off`. */
  poweringOffReads: number;
  /** The next N authenticated requests answer 503 with a Redfish error body. */
  fail5xxNext: number;
  /** Status for an accepted reset: 200, 202 or 204. */
  resetStatus: 200 | 202 | 204;
  /** Every authenticated request to this system is served this many ms late: a slow BMC. */
  answerDelayMs: number;
  /** Authenticated requests to this system are never answered: a hung BMC (the client's timeout decides). */
  hang: boolean;
  /** A reset is carried out, then never answered: a BMC that acts and times out. */
  hangAfterReset: boolean;
}

export interface RecordedRedfishRequest {
  method: string;
  path: string;
  auth: 'none' | 'basic' | 'session' | 'rejected';
  status: number;
  body?: unknown;
  /** Epoch ms the request arrived. */
  atMs?: number;
}

const SERVICE_ROOT = '/redfish/v1/';
const SYSTEMS = '/redfish/v1/Systems';
const SESSIONS = '/redfish/v1/SessionService/Sessions';
const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'Nmi'];

/**
 * A Redfish BMC on a loopback port, shaped as docs/fencing.md §5: service root (no auth), Systems with
 * one member, the ComputerSystem with PowerState and `#ComputerSystem.Reset`, Basic and session auth.
 */
export class RedfishFake {
  readonly requests: RecordedRedfishRequest[] = [];
  /** Knobs of the first system; service-level requests (root, sessions) obey them too. */
  readonly knobs: RedfishFakeKnobs;
  readonly username: string;
  readonly password: string;
  readonly systemPath: string;
  readonly caPem: string | undefined;
  private readonly systems = new Map<string, FakeSystem>();
  private readonly primary: FakeSystem;
  private readonly onPowerChange: RedfishFakeOptions['onPowerChange'];
  private readonly sessions = new Map<string, string>();
  private sessionCounter = 0;
  sessionsCreated = 0;
  sessionsDeleted = 0;

  private readonly server: Server;

  private constructor(options: RedfishFakeOptions) {
    this.username = options.username ?? 'root';
    this.password = options.password ?? `rf-${randomBytes(6).toString('hex')}`;
    const ids = [options.systemId ?? 'System.Embedded.1', ...(options.extraSystemIds ?? [])];
    for (const id of ids)
      this.systems.set(`${SYSTEMS}/${id}`, {
        id,
        path: `${SYSTEMS}/${id}`,
        powerState: options.power ?? 'On',
        knobs: {
          lieOnForceOff: false,
          poweringOffReads: 0,
          fail5xxNext: 0,
          resetStatus: 204,
          answerDelayMs: 0,
          hang: false,
          hangAfterReset: false,
        },
        poweringOffLeft: 0,
      });
    this.primary = [...this.systems.values()][0] as FakeSystem;
    this.systemPath = this.primary.path;
    this.knobs = this.primary.knobs;
    this.onPowerChange = options.onPowerChange;
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    if (options.tls) {
      const { key, cert } = selfSignedCertificate();
      this.server = createHttpsServer({ key, cert }, handler);
      this.caPem = cert;
    } else {
      this.server = createServer(handler);
      this.caPem = undefined;
    }
  }

  static async start(options: RedfishFakeOptions = {}): Promise<RedfishFake> {
    const fake = new RedfishFake(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** Power state of the first system. */
  get powerState(): FakePowerState {
    return this.primary.powerState;
  }

  set powerState(state: FakePowerState) {
    this.primary.powerState = state;
  }

  /** A served system by id (`extraSystemIds`), or undefined. */
  system(id: string): FakeSystem | undefined {
    return this.systems.get(`${SYSTEMS}/${id}`);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** ResetType of every accepted reset POST, in order. */
  resetRequests(): string[] {
    return this.requests
      .filter(
        (r) => r.method === 'POST' && r.path.endsWith('/Actions/ComputerSystem.Reset') && r.status < 300,
      )
      .map((r) => (r.body as { ResetType?: string } | undefined)?.ResetType ?? '?');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const record: RecordedRedfishRequest = {
        method: req.method ?? '?',
        path,
        auth: 'none',
        status: 0,
        body,
        atMs: Date.now(),
      };
      this.requests.push(record);
      const send = (status: number, payload?: unknown, headers: Record<string, string> = {}): void => {
        record.status = status;
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      this.route(req, path, body, record, send);
    });
  }

  private route(
    req: IncomingMessage,
    path: string,
    body: unknown,
    record: RecordedRedfishRequest,
    send: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
  ): void {
    const method = req.method ?? 'GET';
    if (method === 'GET' && (path === SERVICE_ROOT || path === '/redfish/v1')) {
      return send(200, {
        '@odata.id': SERVICE_ROOT,
        RedfishVersion: '1.15.0',
        Systems: { '@odata.id': SYSTEMS },
        SessionService: { '@odata.id': '/redfish/v1/SessionService' },
        Links: { Sessions: { '@odata.id': SESSIONS } },
      });
    }
    if (method === 'POST' && path === SESSIONS) {
      const { UserName, Password } = (body ?? {}) as { UserName?: unknown; Password?: unknown };
      if (UserName !== this.username || Password !== this.password)
        return send(401, errorBody('Base.1.8.NoValidSession'));
      const id = String(++this.sessionCounter);
      const token = randomBytes(16).toString('hex');
      this.sessions.set(token, id);
      this.sessionsCreated += 1;
      record.auth = 'session';
      return send(
        201,
        { '@odata.id': `${SESSIONS}/${id}`, Id: id, UserName },
        {
          'X-Auth-Token': token,
          Location: `${SESSIONS}/${id}`,
        },
      );
    }
    record.auth = this.authenticate(req);
    if (record.auth === 'none' || record.auth === 'rejected')
      return send(401, errorBody('Base.1.8.AccessDenied'));
    const target = this.systemOf(path);
    const knobs = (target ?? this.primary).knobs;
    if (knobs.fail5xxNext > 0) {
      knobs.fail5xxNext -= 1;
      return send(503, errorBody('Base.1.8.ServiceTemporarilyUnavailable'));
    }
    // A hung BMC holds the connection open; stop() closes it.
    if (knobs.hang) return;
    const requester: ResetRequester = {
      resetType: '',
      userAgent: req.headers['user-agent'] ?? '',
      remoteAddress: req.socket.remoteAddress ?? '',
    };
    if (knobs.answerDelayMs > 0) {
      // Unref'd: a late answer nobody waits for any more must not keep a test process alive.
      setTimeout(() => this.serve(method, path, body, target, requester, send), knobs.answerDelayMs).unref();
      return;
    }
    this.serve(method, path, body, target, requester, send);
  }

  private serve(
    method: string,
    path: string,
    body: unknown,
    target: FakeSystem | undefined,
    requester: ResetRequester,
    send: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
  ): void {
    if (method === 'DELETE' && path.startsWith(`${SESSIONS}/`)) {
      const id = path.slice(SESSIONS.length + 1);
      for (const [token, sessionId] of this.sessions) if (sessionId === id) this.sessions.delete(token);
      this.sessionsDeleted += 1;
      return send(204);
    }
    if (method === 'GET' && path === SYSTEMS) {
      const members = [...this.systems.keys()].map((p) => ({ '@odata.id': p }));
      return send(200, { Members: members, 'Members@odata.count': members.length });
    }
    if (target && method === 'GET' && path === target.path) return send(200, this.systemBody(target));
    if (target && method === 'POST' && path === `${target.path}/Actions/ComputerSystem.Reset`) {
      return this.reset(target, body, requester, send);
    }
    return send(404, errorBody('Base.1.8.ResourceMissingAtURI'));
  }

  private systemOf(path: string): FakeSystem | undefined {
    if (!path.startsWith(`${SYSTEMS}/`)) return undefined;
    const id = path.slice(SYSTEMS.length + 1).split('/')[0] ?? '';
    return this.systems.get(`${SYSTEMS}/${id}`);
  }

  private reset(
    system: FakeSystem,
    body: unknown,
    requester: ResetRequester,
    send: (status: number, payload?: unknown) => void,
  ): void {
    const resetType = (body as { ResetType?: unknown } | undefined)?.ResetType;
    if (typeof resetType !== 'string' || !RESET_TYPES.includes(resetType)) {
      return send(400, errorBody('Base.1.8.ActionParameterNotSupported'));
    }
    const before = system.powerState;
    const by = { ...requester, resetType };
    if (resetType === 'ForceOff' && !system.knobs.lieOnForceOff) {
      system.poweringOffLeft = system.knobs.poweringOffReads;
      system.powerState = system.poweringOffLeft > 0 ? 'PoweringOff' : 'Off';
      system.pendingReset = by;
    } else if (resetType === 'On') {
      system.powerState = 'On';
    }
    if (system.powerState !== before) this.onPowerChange?.(system.id, system.powerState, by);
    if (system.knobs.hangAfterReset) return;
    const status = system.knobs.resetStatus;
    return send(
      status,
      status === 204 ? undefined : { '@Message.ExtendedInfo': [{ MessageId: 'Base.1.8.Success' }] },
    );
  }

  private systemBody(system: FakeSystem): object {
    if (system.powerState === 'PoweringOff') {
      if (system.poweringOffLeft <= 0) {
        system.powerState = 'Off';
        this.onPowerChange?.(
          system.id,
          'Off',
          system.pendingReset ?? { resetType: 'ForceOff', userAgent: '', remoteAddress: '' },
        );
      }
      system.poweringOffLeft -= 1;
    }
    return {
      '@odata.id': system.path,
      Id: system.id,
      PowerState: system.powerState,
      Actions: {
        '#ComputerSystem.Reset': {
          target: `${system.path}/Actions/ComputerSystem.Reset`,
          'ResetType@Redfish.AllowableValues': RESET_TYPES,
        },
      },
    };
  }

  private authenticate(req: IncomingMessage): RecordedRedfishRequest['auth'] {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') return this.sessions.has(token) ? 'session' : 'rejected';
    const header = req.headers.authorization;
    if (!header?.startsWith('Basic ')) return 'none';
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    return user === this.username && rest.join(':') === this.password ? 'basic' : 'rejected';
  }
}

function errorBody(messageId: string): object {
  return {
    error: {
      code: 'Base.1.8.GeneralError',
      message: 'A general error has occurred. See ExtendedInfo for more information.',
      '@Message.ExtendedInfo': [{ MessageId: messageId, Message: messageId, Severity: 'Critical' }],
    },
  };
}

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-redfish-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
      ]),
      { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' }, cwd: dir, timeout: 20_000 },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
