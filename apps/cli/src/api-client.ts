import { type Logger } from '@vigil/config';
import { ErrorCode, VigilError } from '@vigil/contracts';
import { KeystoneSession } from '@vigil/openstack';
import { type CliConfig } from './cli-config';

/** The CLI's one owned class towards the controller: URL and token resolution, clear errors. */
export class VigilApiClient {
  private session: KeystoneSession | undefined;

  constructor(
    private readonly config: CliConfig,
    logger: Logger,
  ) {
    if (config.keystone) this.session = new KeystoneSession({ config: config.keystone, logger });
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const base = await this.baseUrl();
    const headers: Record<string, string> = {
      accept: 'application/json',
      'OpenStack-API-Version': 'instance-ha 1.3',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.session) headers['x-auth-token'] = await this.session.token();
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (err) {
      throw new VigilError(
        ErrorCode.UNAVAILABLE,
        `cannot reach the Vigil controller at ${base} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message})`,
      );
    }
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (res.ok) return parsed as T;
    throw new VigilError(
      codeOf(res.status),
      `${method} ${path}: ${res.status} ${messageOf(parsed) ?? text.trim()}${hintOf(res.status)}`,
    );
  }

  /** The controller URL the CLI talks to (flag, VIGIL_URL, or the catalog's instance-ha endpoint). */
  async baseUrl(): Promise<string> {
    if (this.config.url) return this.config.url.replace(/\/+$/, '');
    if (this.session) {
      const endpoint = await this.session.endpoint('instance-ha');
      return endpoint.replace(/\/v1(\/[0-9a-f-]+)?\/?$/, '');
    }
    return 'http://127.0.0.1:15868';
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Masakari fault bodies are `{"<name>": {"code", "message"}}`; keystone's are `{"error": {...}}`. */
function messageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const inner = Object.values(body)[0] as { message?: unknown } | undefined;
  return typeof inner?.message === 'string' ? inner.message : undefined;
}

function hintOf(status: number): string {
  if (status === 401) return ' (set OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, or use --noauth)';
  if (status === 403) return ' (the token lacks the role the controller requires, admin by default)';
  return '';
}

function codeOf(status: number): ErrorCode {
  if (status === 401) return ErrorCode.UNAUTHORIZED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status >= 500) return ErrorCode.UNAVAILABLE;
  return ErrorCode.BAD_REQUEST;
}
