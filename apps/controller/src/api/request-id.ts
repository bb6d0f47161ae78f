import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * oslo.middleware's request id: every response carries `X-Openstack-Request-Id: req-<uuid>` (errors
 * included; Masakari leaves it off only its unversioned documents `/` and `/v2`), and the access log
 * (access-log.ts) names the same id, so an operator can grep a client's log id in Vigil's log.
 */
export const REQUEST_ID_HEADER = 'X-Openstack-Request-Id';

declare module 'express-serve-static-core' {
  interface Request {
    requestId?: string;
  }
}

/** Masakari's unversioned documents carry no request id (they are served before the id middleware). */
const UNVERSIONED = new Set(['/', '/v2', '/v2/']);

export function requestIdMiddleware() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = `req-${randomUUID()}`;
    req.requestId = requestId;
    if (!UNVERSIONED.has(req.path)) res.setHeader(REQUEST_ID_HEADER, requestId);
    contentTypeOn204(res);
    next();
  };
}

/** Masakari answers 204 with `Content-Type: application/json`; Express strips it. Restore it at writeHead. */
function contentTypeOn204(res: Response): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
  res.writeHead = ((...args: unknown[]) => {
    if ((args[0] ?? res.statusCode) === 204 && !res.getHeader('Content-Type'))
      res.setHeader('Content-Type', 'application/json');
    return writeHead(...args);
  }) as Response['writeHead'];
}
