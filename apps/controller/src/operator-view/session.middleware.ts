import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { faultBody } from '../api/fault';
import {
  CSRF_HEADER,
  cookieValue,
  SESSION_COOKIE,
  sameSecret,
  type UiSession,
  UiSessionStore,
} from './session-store';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set when the request came from the operator view with a valid session cookie. */
    uiSession?: { id: string; session: UiSession };
  }
}

/** No inline script or style, nothing from another origin, never framed. */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The page's session cookie stands in for `X-Auth-Token`: the request then goes through the same routes,
 * auth guard and policy as the CLI. A state-changing request with the cookie must carry the session's
 * CSRF token in `X-CSRF-Token` (403 otherwise). Requests with their own `X-Auth-Token` are untouched.
 */
@Injectable()
export class UiSessionMiddleware implements NestMiddleware {
  constructor(private readonly sessions: UiSessionStore) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    // originalUrl: Nest mounts the middleware on a path, which express strips from req.path.
    const path = req.originalUrl.split('?')[0] ?? '';
    if (path === '/ui' || path.startsWith('/ui/')) {
      res.setHeader('Content-Security-Policy', UI_CSP);
      res.setHeader('X-Frame-Options', 'DENY');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      // Sessions, CSRF tokens and fleet reads are never for a cache.
      if (path.startsWith('/ui/api/')) res.setHeader('Cache-Control', 'no-store');
    }
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!id || req.headers['x-auth-token'] !== undefined) return next();
    let session: UiSession | undefined;
    try {
      session = await this.sessions.get(id);
    } catch (err) {
      return next(err);
    }
    if (!session) return next();
    if (!SAFE_METHODS.has(req.method)) {
      const sent = req.header(CSRF_HEADER);
      if (!sent || !sameSecret(sent, session.csrf)) {
        res.status(403).json(faultBody(403, 'Missing or wrong CSRF token (X-CSRF-Token).'));
        return;
      }
    }
    req.uiSession = { id, session };
    req.headers['x-auth-token'] = session.token;
    next();
  }
}
