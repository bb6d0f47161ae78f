import type { Request } from 'express';

/** The request's microversion minor (Masakari has only major 1); the middleware always sets it on /v1. */
export function minorVersion(req: Request): number {
  return req.microversion?.minor ?? 0;
}
