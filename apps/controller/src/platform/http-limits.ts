import { type Server } from 'node:http';
import { type Socket } from 'node:net';
import { type NextFunction, type Request, type Response } from 'express';
import { type ControllerConfig } from '@vigil/config';
import { HOST_HEADER } from '@vigil/contracts';
import { faultBody } from '../api/fault';

type Limits = ControllerConfig['limits'];

/**
 * Slow clients: Node's own header/request timeouts are only checked every 30 s (its
 * connectionsCheckingInterval, fixed when the server is created), so a socket that trickles its headers
 * one byte at a time is also given a deadline of our own: complete request headers within
 * `headersTimeoutMs` of connecting, or of the previous response on a kept-alive socket, else it is
 * destroyed. Keep-alive idles and requests per socket are capped as well.
 */
export function applyConnectionLimits(server: Server, limits: Limits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  const arm = (socket: Socket): void => {
    clearTimeout(deadlines.get(socket));
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    timer.unref();
    deadlines.set(socket, timer);
  };
  server.on('connection', (socket: Socket) => {
    arm(socket);
    socket.once('close', () => clearTimeout(deadlines.get(socket)));
  });
  server.on('request', (req: Request, res: Response) => {
    const socket = req.socket;
    clearTimeout(deadlines.get(socket));
    res.once('finish', () => {
      if (!socket.destroyed) arm(socket);
    });
  });
}

/** Token bucket per source: `ratePerSec` refill, bursts up to twice that. */
export class SourceBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSec: number,
    private readonly maxSources: number,
  ) {}

  take(source: string, now: number): boolean {
    const capacity = this.ratePerSec * 2;
    let b = this.buckets.get(source);
    if (b) this.buckets.delete(source);
    else b = { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * this.ratePerSec);
    b.at = now;
    // Re-inserted last: the Map's first key is the least recently seen source, evicted first.
    this.buckets.set(source, b);
    if (this.buckets.size > this.maxSources) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

const MAX_SOURCES = 10_000;

/** The signed-intake buckets; shared by the Express middleware and the lean heartbeat route. */
export function intakeSourceBuckets(limits: Limits): SourceBuckets {
  return new SourceBuckets(limits.intakePerSourcePerSec, MAX_SOURCES);
}
const INTAKE_PATH = /^\/vigil\/v1\/(heartbeats|hosts\/[^/]+\/instance-events)\/?$/;
const WEBHOOK_PATH = /^\/v1\/webhooks\//;

/**
 * Per-source rate limits on the unauthenticated-by-token routes: signed intake (a source is the remote
 * address plus the claimed host, so one host's flood, or a spoofer's, never spends another host's
 * budget) and alert webhooks (per remote address). Answered 429 before any parsing or verification.
 */
export function sourceRateLimits(
  limits: Limits,
  now: () => number = Date.now,
  intake: SourceBuckets = intakeSourceBuckets(limits),
) {
  const webhooks = new SourceBuckets(limits.webhookPerSourcePerSec, MAX_SOURCES);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST') return next();
    const path = req.path;
    const address = req.socket.remoteAddress ?? '?';
    let allowed = true;
    if (INTAKE_PATH.test(path)) {
      const claimed = String(req.headers[HOST_HEADER] ?? '').slice(0, 255);
      allowed = intake.take(`${address}|${claimed}`, now());
    } else if (WEBHOOK_PATH.test(path)) allowed = webhooks.take(address, now());
    if (allowed) return next();
    res.setHeader('Retry-After', '1');
    res.status(429).json(faultBody(429, 'Too many requests from this source; slow down.'));
  };
}
