import { randomUUID } from 'node:crypto';
import { type z } from 'zod';
import { type Logger, type NovaConfig } from '@vigil/config';
import { ErrorCode, VigilError, isRetryable } from '@vigil/contracts';
import { backoffDelayMs } from './backoff';
import {
  HttpTransport,
  type HttpMethod,
  type HttpResponse,
  type RequestObserver,
  faultMessage,
  parseBody,
} from './http';
import { type KeystoneSession } from './keystone-session';
import {
  type Microversion,
  type NegotiatedMicroversion,
  formatMicroversion,
  negotiateMicroversion,
} from './microversion';
import { versionRootSchema } from './nova-schemas';

export interface NovaHttpOptions {
  session: KeystoneSession;
  config: NovaConfig;
  logger: Logger;
  /** Waits between retries; injected so unit tests need not sleep. Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Told of every request to Nova, retries included (outcome, seconds). */
  observe?: RequestObserver;
}

export interface NovaRequest {
  method: HttpMethod;
  /** Path below the compute endpoint, e.g. `/os-services`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** May be re-sent blindly after a 5xx or a lost connection. Never true for evacuate. */
  idempotent: boolean;
  /** What the call does, for messages (`evacuate server 9d1f…`). */
  what: string;
}

const SERVICE = 'Nova';
const sleepFor = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Transport rules of every Nova call: compute endpoint from the catalog (or the override), one microversion
 * negotiated and pinned, a timeout per request, 401 ⇒ new token and one retry, 5xx/connection failures
 * ⇒ bounded jittered retries for idempotent calls only, Nova faults turned into coded errors.
 */
export class NovaHttp {
  private readonly http: HttpTransport;
  private readonly sleep: (ms: number) => Promise<void>;
  private negotiated?: Promise<{ endpoint: string; version: NegotiatedMicroversion }>;

  constructor(private readonly options: NovaHttpOptions) {
    this.sleep = options.sleep ?? sleepFor;
    this.http = new HttpTransport(SERVICE, options.observe);
  }

  /** Endpoint and pinned microversion, negotiated once (retried on the next call if it failed). */
  async negotiate(): Promise<{ endpoint: string; version: NegotiatedMicroversion }> {
    this.negotiated ??= this.discover().catch((err: unknown) => {
      this.negotiated = undefined;
      throw err;
    });
    return this.negotiated;
  }

  /** Sends a request and parses a JSON answer with `schema`. */
  async json<T>(req: NovaRequest, schema: z.ZodType<T>): Promise<T> {
    const res = await this.send(req);
    return parseBody(SERVICE, res, schema, req.what);
  }

  /** Sends a request whose answer body we do not need (may be empty: do not parse it). */
  async send(req: NovaRequest): Promise<HttpResponse> {
    const { endpoint, version } = await this.negotiate();
    const { config } = this.options;
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.sendOnce(endpoint, version.pinned, req);
        if (res.status === 401 && !authRetried) {
          authRetried = true;
          attempt--;
          continue;
        }
        if (res.status >= 200 && res.status < 300) return res;
        throw novaError(res, req);
      } catch (err) {
        if (!req.idempotent || !isRetryable(err) || attempt > config.maxRetries) throw err;
        const delay = backoffDelayMs(attempt, config.retryBaseDelayMs, this.options.random);
        this.options.logger.warn(
          { err, what: req.what, attempt, delayMs: delay },
          'Nova call failed; retrying after backoff',
        );
        await this.sleep(delay);
      }
    }
  }

  private async sendOnce(endpoint: string, version: Microversion, req: NovaRequest): Promise<HttpResponse> {
    const token = await this.options.session.token();
    const res = await this.http.send({
      method: req.method,
      url: `${endpoint}${req.path}${queryString(req.query)}`,
      headers: {
        'X-Auth-Token': token,
        'OpenStack-API-Version': `compute ${formatMicroversion(version)}`,
        'X-OpenStack-Nova-API-Version': formatMicroversion(version),
        'X-OpenStack-Request-ID': `req-${randomUUID()}`,
      },
      body: req.body,
      timeoutMs: this.options.config.timeoutMs,
    });
    // The token expired or was revoked under us: the next attempt issues a new one.
    if (res.status === 401) this.options.session.invalidate(token);
    return res;
  }

  private async discover(): Promise<{ endpoint: string; version: NegotiatedMicroversion }> {
    const { config, session, logger } = this.options;
    const endpoint = (config.endpointOverride ?? (await session.endpoint('compute'))).replace(/\/+$/, '');
    const token = await session.token();
    const res = await this.http.send({
      method: 'GET',
      url: versionRootOf(endpoint),
      headers: { 'X-Auth-Token': token },
      timeoutMs: config.timeoutMs,
    });
    if (res.status !== 200 && res.status !== 300) throw novaError(res, { what: 'version discovery' });
    const body = parseBody(SERVICE, res, versionRootSchema, 'version discovery');
    const doc = 'version' in body ? body.version : body.versions.find((v) => v.id === 'v2.1');
    if (!doc) throw new VigilError(ErrorCode.BAD_RESPONSE, 'Nova lists no v2.1 API', { endpoint });
    const version = negotiateMicroversion(doc);
    logger.info(
      {
        endpoint,
        cloudMax: formatMicroversion(version.cloudMax),
        pinned: formatMicroversion(version.pinned),
      },
      'negotiated Nova microversion',
    );
    return { endpoint, version };
  }
}

/** `http://nova:8774/v2.1/<project>` → `http://nova:8774/v2.1/`, where the version document lives. */
export function versionRootOf(endpoint: string): string {
  const m = /^(.*\/v2(?:\.\d+)?)(?:\/[^/]+)?\/?$/.exec(endpoint);
  return `${m?.[1] ?? endpoint.replace(/\/+$/, '')}/`;
}

function queryString(query: NovaRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Maps a Nova answer to a coded error, keeping Nova's fault message. */
export function novaError(res: HttpResponse, req: Pick<NovaRequest, 'what'>): VigilError {
  const fault = faultMessage(res);
  const details = {
    service: SERVICE,
    status: res.status,
    fault,
    requestId: res.headers['x-openstack-request-id'] ?? res.headers['x-compute-request-id'],
  };
  const message = `Nova answered ${res.status} to ${req.what}: ${fault}`;
  return new VigilError(novaErrorCode(res.status), message, details);
}

export function novaErrorCode(status: number): ErrorCode {
  if (status === 400) return ErrorCode.BAD_REQUEST;
  if (status === 401) return ErrorCode.AUTH_FAILED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 406) return ErrorCode.NOT_ACCEPTABLE;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status === 429 || status >= 500) return ErrorCode.UNAVAILABLE;
  return ErrorCode.BAD_RESPONSE;
}
