import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
} from 'node:http';
import { type AddressInfo } from 'node:net';

/** A parsed request handed to a fake's router. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when the body was empty. */
  body: unknown;
  /** True when a body was sent but is not JSON. */
  malformedBody: boolean;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON; omitted = empty body. */
  body?: unknown;
}

/** Faults any fake can be told to produce, before its router sees the request. */
export interface FaultKnobs {
  /** Added before every answer (ms). Default 0. */
  latencyMs: number;
  /** Probability in [0, 1] that a request is answered `failStatus`. Default 0. */
  failRate: number;
  /** Status of injected failures. Default 503. */
  failStatus: number;
  /**
   * Probability in [0, 1] that a request is carried out and then answered `failStatus` anyway (a proxy
   * or API worker dying after the DB write): the caller must find out from state that it happened. Default 0.
   */
  actThenFailRate: number;
}

type Router = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/**
 * The HTTP shell shared by the fakes: a real node:http server on a free loopback port, so timeouts,
 * connection errors and latency are real. Injected faults: latency, the next N requests failing (or
 * hanging until the client gives up), a failure rate. Hanging sockets are destroyed on `stop()`.
 */
export class FakeHttpServer {
  readonly faults: FaultKnobs = { latencyMs: 0, failRate: 0, failStatus: 503, actThenFailRate: 0 };
  /** `METHOD path` of every request received, injected failures and hangs included. */
  readonly received: string[] = [];
  private server?: Server;
  private failing: Array<{ remaining: number; status: number; match?: RegExp }> = [];
  private hanging: Array<{ remaining: number; match?: RegExp }> = [];
  private actingThenFailing: Array<{ remaining: number; status: number; match?: RegExp }> = [];
  /** Requests carried out and then answered with an injected failure. */
  actedThenFailed = 0;
  private port = 0;

  constructor(
    private readonly router: Router,
    /** Body of an injected failure, in the fake's own error format. */
    private readonly failureBody: (status: number) => unknown,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next `count` requests (whose `METHOD path` matches `match`, if given) are answered `status`. */
  failNext(count: number, status = 503, match?: RegExp): void {
    this.failing.push({ remaining: count, status, match });
  }

  /** The next `count` matching requests are carried out, then answered `status` (the effect happened). */
  actThenFailNext(count: number, status = 500, match?: RegExp): void {
    this.actingThenFailing.push({ remaining: count, status, match });
  }

  /** The next `count` matching requests get no answer at all (the client must time out). */
  hangNext(count: number, match?: RegExp): void {
    this.hanging.push({ remaining: count, match });
  }

  /** Requests received whose `METHOD path` matches. */
  receivedCount(match: RegExp): number {
    return this.received.filter((l) => match.test(l)).length;
  }

  clearFaults(): void {
    this.failing = [];
    this.hanging = [];
    Object.assign(this.faults, { latencyMs: 0, failRate: 0, failStatus: 503, actThenFailRate: 0 });
    this.actingThenFailing = [];
  }

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    let malformedBody = false;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        malformedBody = true;
      }
    }
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      malformedBody,
    };
    const label = `${request.method} ${request.path}`;
    this.received.push(label);
    if (takeOne(this.hanging, label)) return;
    if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
    const injected = takeOne(this.failing, label);
    let response: FakeResponse;
    if (injected) response = { status: injected.status, body: this.failureBody(injected.status) };
    else if (this.faults.failRate > 0 && Math.random() < this.faults.failRate)
      response = { status: this.faults.failStatus, body: this.failureBody(this.faults.failStatus) };
    else {
      try {
        response = await this.router(request);
      } catch (err) {
        response = { status: 500, body: this.failureBody(500) };
        process.stderr.write(`fake router error on ${label}: ${String(err)}\n`);
      }
      const after =
        takeOne(this.actingThenFailing, label) ??
        (this.faults.actThenFailRate > 0 && Math.random() < this.faults.actThenFailRate
          ? { status: this.faults.failStatus }
          : undefined);
      if (after && response.status < 400) {
        this.actedThenFailed++;
        response = { status: after.status, body: this.failureBody(after.status) };
      }
    }
    const text = response.body === undefined ? '' : JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...(text ? { 'Content-Type': 'application/json' } : {}),
      'Content-Length': String(Buffer.byteLength(text)),
      ...response.headers,
    });
    res.end(text);
  }
}

function takeOne<T extends { remaining: number; match?: RegExp }>(list: T[], label: string): T | undefined {
  const entry = list.find((e) => e.remaining > 0 && (!e.match || e.match.test(label)));
  if (entry) entry.remaining--;
  return entry;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Header value as one string (node gives arrays for repeated headers). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
