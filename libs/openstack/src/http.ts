import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { type z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** Serialised as JSON when present. */
  body?: unknown;
  timeoutMs: number;
}

/** How one request to an OpenStack service ended: answered 2xx/3xx, 4xx, 5xx or not at all. */
export type RequestOutcome = 'success' | 'timeout' | 'unavailable' | 'rejected';

/**
 * Told of every request sent (one per HTTP exchange, retries included) with its outcome and its
 * duration in seconds; the controller feeds its dependency-latency metric from it. Must not throw.
 */
export type RequestObserver = (
  service: 'nova' | 'keystone',
  outcome: RequestOutcome,
  seconds: number,
) => void;

export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  /** Raw body; empty string for empty responses (Nova's evacuate at ≥ 2.14). */
  text: string;
}

/**
 * The only axios user of the OpenStack lib. Every status comes back as a response (callers map them);
 * transport failures become coded errors: TIMEOUT when the peer did not answer in time, UNAVAILABLE
 * when it could not be reached. Messages name the service and path only, never headers (tokens).
 */
export class HttpTransport {
  private readonly client: AxiosInstance = axios.create({
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
    proxy: false,
  });

  constructor(
    private readonly service: 'Nova' | 'Keystone' | 'Neutron',
    private readonly observe?: RequestObserver,
  ) {}

  async send(req: HttpRequest): Promise<HttpResponse> {
    const startedAt = performance.now();
    try {
      const res = await this.exchange(req);
      this.report(outcomeOf(res.status), startedAt);
      return res;
    } catch (err) {
      this.report(
        err instanceof VigilError && err.code === ErrorCode.TIMEOUT ? 'timeout' : 'unavailable',
        startedAt,
      );
      throw err;
    }
  }

  private report(outcome: RequestOutcome, startedAt: number): void {
    // Neutron is read only by a readiness gate and is no metric label (yet): not observed.
    if (this.service === 'Neutron') return;
    this.observe?.(
      this.service === 'Nova' ? 'nova' : 'keystone',
      outcome,
      (performance.now() - startedAt) / 1000,
    );
  }

  private async exchange(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
    if (req.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const res = await this.client.request<string>({
        method: req.method,
        url: req.url,
        headers,
        data: req.body === undefined ? undefined : JSON.stringify(req.body),
        timeout: req.timeoutMs,
      });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers as Record<string, unknown>))
        if (typeof v === 'string') out[k.toLowerCase()] = v;
      return { status: res.status, headers: out, text: typeof res.data === 'string' ? res.data : '' };
    } catch (err) {
      throw this.transportError(req, err);
    }
  }

  private transportError(req: HttpRequest, err: unknown): VigilError {
    const code = isAxiosError(err) ? err.code : undefined;
    const where = { service: this.service, method: req.method, path: pathOf(req.url), cause: code };
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT')
      return new VigilError(
        ErrorCode.TIMEOUT,
        `${this.service} did not answer ${req.method} ${pathOf(req.url)} within ${req.timeoutMs} ms`,
        where,
      );
    return new VigilError(
      ErrorCode.UNAVAILABLE,
      `${this.service} is unreachable (${req.method} ${pathOf(req.url)}: ${code ?? 'connection failed'})`,
      where,
    );
  }
}

function outcomeOf(status: number): RequestOutcome {
  if (status >= 500) return 'unavailable';
  return status >= 400 ? 'rejected' : 'success';
}

export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** Parses a JSON body with a schema at the boundary; anything else is BAD_RESPONSE. */
export function parseBody<T>(service: string, res: HttpResponse, schema: z.ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new VigilError(ErrorCode.BAD_RESPONSE, `${service} answered ${what} with a body that is not JSON`, {
      service,
      status: res.status,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new VigilError(ErrorCode.BAD_RESPONSE, `${service} answered ${what} with an unexpected shape`, {
      service,
      status: res.status,
      issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  return parsed.data;
}

/**
 * The human message of an OpenStack error body: Nova's `{"<faultName>": {code, message}}` or
 * keystone(middleware)'s `{"error": {code, title, message}}`. Falls back to a short raw excerpt.
 */
export function faultMessage(res: HttpResponse): string {
  try {
    const json: unknown = JSON.parse(res.text);
    if (json && typeof json === 'object') {
      const values = Object.values(json as Record<string, unknown>);
      const first = values.length === 1 ? values[0] : undefined;
      if (first && typeof first === 'object' && 'message' in first) {
        const message = first.message;
        if (typeof message === 'string') return message;
      }
    }
  } catch {
    // not JSON: fall through to the excerpt
  }
  return res.text.slice(0, 200) || `HTTP ${res.status}`;
}
