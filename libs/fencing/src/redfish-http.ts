import { Agent } from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { type z } from 'zod';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { type Deadline } from './deadline';
import { type RedfishTarget } from './fencing-target';
import { redfishErrorSchema } from './redfish-schemas';

/** Logging out must not wait on a stuck BMC for long, even when the call's budget is spent. */
const LOGOUT_TIMEOUT_MS = 2000;
const DEFAULT_SESSIONS_PATH = '/redfish/v1/SessionService/Sessions';
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/**
 * The only axios user of the fencing lib: one BMC, one base URL, our status handling (never axios's),
 * errors mapped to codes here and nowhere else. Raw axios errors are never attached to ours: their
 * config carries the credentials.
 */
export class RedfishHttp {
  private readonly http: AxiosInstance;
  private authToken: string | undefined;
  private sessionPath: string | undefined;

  constructor(private readonly target: RedfishTarget) {
    const host = target.address.includes(':') ? `[${target.address}]` : target.address;
    this.http = axios.create({
      baseURL: `${target.scheme}://${host}:${target.port}`,
      // Named, so a BMC's log (and cloud-sim's power log) can tell Vigil's fencing from other clients.
      headers: { Accept: 'application/json', 'OData-Version': '4.0', 'User-Agent': 'vigil-fencing' },
      validateStatus: () => true,
      maxRedirects: 0,
      httpsAgent:
        target.scheme === 'https'
          ? new Agent({ rejectUnauthorized: !target.insecure, ...(target.caPem ? { ca: target.caPem } : {}) })
          : undefined,
    });
  }

  /** Opens a session (session auth only) and returns its path. */
  async login(sessionsPath: string | undefined, deadline: Deadline): Promise<void> {
    if (this.target.auth !== 'session') return;
    const path = sessionsPath ?? DEFAULT_SESSIONS_PATH;
    const res = await this.send('POST', path, deadline, {
      UserName: this.target.username,
      Password: this.target.password,
    });
    const token = res.headers['x-auth-token'] as unknown;
    if (res.status !== 201 && res.status !== 200) throw this.statusError('POST', path, res);
    if (typeof token !== 'string' || !token) {
      throw new VigilError(ErrorCode.BAD_RESPONSE, `Redfish session created without X-Auth-Token`, { path });
    }
    this.authToken = token;
    const location = res.headers['location'] as unknown;
    this.sessionPath = typeof location === 'string' ? new URL(location, 'http://bmc').pathname : undefined;
  }

  /** Deletes the session; best effort, BMCs have small session limits. */
  async logout(): Promise<void> {
    const path = this.sessionPath;
    this.sessionPath = undefined;
    if (!path || !this.authToken) return;
    try {
      await this.http.delete(path, {
        timeout: LOGOUT_TIMEOUT_MS,
        headers: { 'X-Auth-Token': this.authToken },
      });
    } finally {
      this.authToken = undefined;
    }
  }

  async getJson<S extends z.ZodType>(
    path: string,
    schema: S,
    deadline: Deadline,
    anonymous = false,
  ): Promise<z.output<S>> {
    const res = await this.send('GET', path, deadline, undefined, anonymous);
    if (res.status !== 200) throw this.statusError('GET', path, res);
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) {
      throw new VigilError(
        ErrorCode.BAD_RESPONSE,
        `unexpected Redfish body from GET ${path}: ${parsed.error.message}`,
        {
          path,
        },
      );
    }
    return parsed.data;
  }

  /** POSTs an action; 200, 202 and 204 all mean "accepted" (not "done"). */
  async postAction(path: string, body: object, deadline: Deadline): Promise<number> {
    const res = await this.send('POST', path, deadline, body);
    if (res.status === 200 || res.status === 202 || res.status === 204) return res.status;
    throw this.statusError('POST', path, res);
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    deadline: Deadline,
    body?: object,
    anonymous = false,
  ): Promise<AxiosResponse<unknown>> {
    deadline.check(`Redfish ${method} ${path}`);
    const t = this.target;
    const headers: Record<string, string> = body ? { 'Content-Type': 'application/json' } : {};
    if (this.authToken && !anonymous) headers['X-Auth-Token'] = this.authToken;
    const basic =
      t.auth === 'basic' && !anonymous ? { username: t.username, password: t.password } : undefined;
    try {
      return await this.http.request<unknown>({
        method,
        url: path,
        data: body,
        headers,
        auth: basic,
        timeout: Math.max(1, Math.min(t.requestTimeoutMs, deadline.remainingMs())),
        signal: deadline.signal,
      });
    } catch (err) {
      throw this.transportError(method, path, err);
    }
  }

  private statusError(method: string, path: string, res: AxiosResponse<unknown>): VigilError {
    const parsed = redfishErrorSchema.safeParse(res.data);
    const bmcMessage = parsed.success ? (parsed.data.error.message ?? parsed.data.error.code) : undefined;
    const details = { method, path, status: res.status, bmcMessage: bmcMessage ?? null };
    const text = `Redfish ${method} ${path} answered ${res.status}${bmcMessage ? `: ${bmcMessage}` : ''}`;
    if (res.status === 401 || res.status === 403) return new VigilError(ErrorCode.AUTH_FAILED, text, details);
    if (res.status >= 500) return new VigilError(ErrorCode.UNAVAILABLE, text, details);
    return new VigilError(ErrorCode.BAD_RESPONSE, text, details);
  }

  private transportError(method: string, path: string, err: unknown): VigilError {
    const code = axios.isAxiosError(err) ? (err.code ?? '') : '';
    const details = { method, path, bmc: this.target.address, transportCode: code || null };
    if (axios.isCancel(err) || code === 'ERR_CANCELED') {
      return new VigilError(ErrorCode.TIMEOUT, `Redfish ${method} ${path} aborted by caller`, details);
    }
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new VigilError(ErrorCode.TIMEOUT, `Redfish ${method} ${path} timed out`, details);
    }
    if (TLS_ERROR.test(code)) {
      return new VigilError(ErrorCode.AUTH_FAILED, `Redfish BMC certificate rejected (${code})`, details);
    }
    return new VigilError(
      ErrorCode.BMC_UNREACHABLE,
      `Redfish ${method} ${path} failed: ${code || 'network error'}`,
      details,
    );
  }
}
