import { createHash } from 'node:crypto';
import { HOST_HEADER, SIGNATURE_HEADER, signBody } from '@vigil/contracts';
import { type Logger } from '@vigil/config';
import { type Clock } from './clock';
import { describeNetworkError, type HttpTransport } from './http-transport';

export type SendOutcome =
  /** 2xx from `url`. */
  | { kind: 'accepted'; url: string; status: number }
  /** 409: replay or stale timestamp. Never resend this body; the next tick builds a new one. */
  | { kind: 'stale'; url: string }
  /** 401/403/other 4xx: the controller is up but refuses us. Other replicas share its key, so no failover. */
  | { kind: 'rejected'; url: string; status: number }
  /** Every URL failed to connect, timed out, or answered 503/5xx. */
  | { kind: 'unavailable'; errors: { url: string; error: string }[] };

export interface ControllerLinkOptions {
  host: string;
  secret: string;
  /** Base URLs of the controller replicas, tried in order starting from the last one that answered. */
  urls: readonly string[];
  requestTimeoutMs: number;
  /**
   * Spread hosts over the replicas: each host starts at its own replica (chosen by a hash of its name,
   * so a fleet divides evenly), and returns to it `FAILBACK_AFTER_POSTS` posts after failing over.
   * Off: every host starts at the first URL.
   */
  spread?: boolean;
}

/** After a failover, a spread host tries its own replica again after this many posts (a minute at 1 Hz). */
export const FAILBACK_AFTER_POSTS = 60;

/** The replica a host starts at when spreading: stable across restarts, even over a fleet. */
export function homeIndex(host: string, replicas: number): number {
  return createHash('sha256').update(host).digest().readUInt32BE(0) % Math.max(1, replicas);
}

/**
 * The monitor's one owner of HTTP to the controller: signs each body (HMAC with a timestamp), fails
 * over between replicas, and logs reachability only when it changes.
 */
export class ControllerLink {
  private readonly home: number;
  private preferred: number;
  private postsAway = 0;
  private reachable: boolean | undefined;

  constructor(
    private readonly options: ControllerLinkOptions,
    private readonly transport: HttpTransport,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.home = options.spread ? homeIndex(options.host, options.urls.length) : 0;
    this.preferred = this.home;
  }

  async post(path: string, body: string): Promise<SendOutcome> {
    const { urls } = this.options;
    if (this.options.spread && this.preferred !== this.home && ++this.postsAway >= FAILBACK_AFTER_POSTS) {
      this.preferred = this.home;
      this.postsAway = 0;
    }
    const errors: { url: string; error: string }[] = [];
    for (let i = 0; i < urls.length; i++) {
      const index = (this.preferred + i) % urls.length;
      const url = `${(urls[index] ?? '').replace(/\/+$/, '')}${path}`;
      const headers = {
        [HOST_HEADER]: this.options.host,
        // Signed per attempt: a replica tried after a timeout must still see a fresh timestamp.
        [SIGNATURE_HEADER]: signBody(this.options.secret, body, this.clock.nowMs()),
      };
      let status: number;
      try {
        ({ status } = await this.transport.post(url, headers, body, this.options.requestTimeoutMs));
      } catch (err) {
        errors.push({ url, error: describeNetworkError(err) });
        continue;
      }
      if (status >= 500) {
        errors.push({ url, error: `HTTP ${status}` });
        continue;
      }
      this.preferred = index;
      this.markReachable(true, url);
      if (status >= 200 && status < 300) return { kind: 'accepted', url, status };
      if (status === 409) return { kind: 'stale', url };
      return { kind: 'rejected', url, status };
    }
    this.markReachable(false, undefined, errors);
    return { kind: 'unavailable', errors };
  }

  private markReachable(now: boolean, url?: string, errors?: { url: string; error: string }[]): void {
    if (this.reachable === now) return;
    this.reachable = now;
    if (now) this.logger.info({ url }, 'controller reachable');
    else this.logger.warn({ errors }, 'no controller reachable; will keep probing and retry with backoff');
  }
}
