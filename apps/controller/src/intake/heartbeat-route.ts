import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Logger } from '@vigil/config';
import {
  ErrorCode,
  HEARTBEAT_PATH,
  HOST_HEADER,
  SIGNATURE_HEADER,
  VigilError,
  httpStatusOf,
} from '@vigil/contracts';
import { faultBody } from '../api/fault';
import { REQUEST_ID_HEADER } from '../api/request-id';
import { type SourceBuckets } from '../platform/http-limits';
import { type IntakeService } from './intake.service';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface HeartbeatRouteOptions {
  intake: IntakeService;
  logger: Logger;
  /** The same per-source buckets the Express middleware spends for instance events. */
  rateLimit: SourceBuckets;
  maxBodyBytes: number;
  /** Keystone's URL, named in 401 answers as the API's error filter does. */
  keystoneUri?: string;
}

/**
 * Heartbeats are the only request every host sends every second: at 10,000 hosts, Express's middleware
 * chain and Nest's router, guards and filter cost as much CPU as the intake itself. This puts a plain
 * `node:http` handler for `POST /vigil/v1/heartbeats` ahead of the Express app on the same server, so
 * monitors keep one URL. It answers exactly as the Nest route would (same rate limit, body limit,
 * signature check, replay protection, request id and fault bodies) and hands every other request to
 * the listeners that were there (Express).
 */
export function installHeartbeatRoute(server: Server, options: HeartbeatRouteOptions): void {
  const others = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && isHeartbeatPath(req.url)) handleHeartbeat(req, res, options);
    else for (const listener of others) listener.call(server, req, res);
  });
}

function isHeartbeatPath(url: string | undefined): boolean {
  if (!url) return false;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path === HEARTBEAT_PATH || path === `${HEARTBEAT_PATH}/`;
}

function handleHeartbeat(req: IncomingMessage, res: ServerResponse, options: HeartbeatRouteOptions): void {
  const started = performance.now();
  const requestId = `req-${randomUUID()}`;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  const host = header(req, HOST_HEADER);
  const done = (status: number, body?: unknown, extra?: Record<string, string>): void => {
    if (extra) for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
    // Masakari answers 204 with a JSON content type too (as the request-id middleware restores).
    res.setHeader('Content-Type', 'application/json');
    if (body === undefined) {
      res.writeHead(status).end();
    } else {
      const text = JSON.stringify(body);
      res.setHeader('Content-Length', Buffer.byteLength(text));
      res.writeHead(status).end(text);
    }
    const line = {
      requestId,
      method: 'POST',
      path: HEARTBEAT_PATH,
      status,
      ms: Math.round(performance.now() - started),
    };
    if (status >= 400) options.logger.info(line, 'request');
    else options.logger.debug(line, 'request');
  };

  const claimed = (host ?? '').slice(0, 255);
  if (!options.rateLimit.take(`${req.socket.remoteAddress ?? '?'}|${claimed}`, Date.now())) {
    req.resume();
    done(429, faultBody(429, 'Too many requests from this source; slow down.'), { 'Retry-After': '1' });
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.maxBodyBytes) {
    req.resume();
    done(413, faultBody(413, `Request is too large (limit ${options.maxBodyBytes} bytes).`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > options.maxBodyBytes) tooLarge = true;
    else chunks.push(chunk);
  });
  req.once('error', () => res.destroy());
  req.once('end', () => {
    if (tooLarge) {
      done(413, faultBody(413, `Request is too large (limit ${options.maxBodyBytes} bytes).`));
      return;
    }
    const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    let parsed: unknown;
    if (body.length > 0) {
      try {
        parsed = JSON.parse(body) as unknown;
      } catch {
        done(400, faultBody(400, 'Malformed request body: the body is not valid JSON.'));
        return;
      }
    }
    options.intake.acceptHeartbeat({ host, signature: header(req, SIGNATURE_HEADER), body, parsed }).then(
      () => done(204),
      (err: unknown) => {
        const answer = errorAnswer(err, options.keystoneUri);
        if (answer.status >= 500)
          options.logger.error(
            { err, requestId, path: HEARTBEAT_PATH, status: answer.status },
            'request failed',
          );
        done(answer.status, answer.body, answer.headers);
      },
    );
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The answer the API's error filter gives on a /vigil route (401 in keystonemiddleware's shape). */
function errorAnswer(
  err: unknown,
  keystoneUri = 'unknown',
): { status: number; body: unknown; headers?: Record<string, string> } {
  if (!(err instanceof VigilError)) {
    const message = 'Unexpected API Error. Please report this at the Vigil bug tracker.';
    return { status: 500, body: faultBody(500, message, ErrorCode.INTERNAL) };
  }
  const status = httpStatusOf(err.code);
  if (status === 401)
    return {
      status,
      body: { error: { code: 401, title: 'Unauthorized', message: err.message } },
      headers: { 'WWW-Authenticate': `Keystone uri="${keystoneUri}"` },
    };
  return { status, body: faultBody(status, err.message, err.code) };
}
