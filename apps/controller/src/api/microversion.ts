import type { NextFunction, Request, Response } from 'express';
import { faultBody } from './fault';

/**
 * Masakari microversions: request header `OpenStack-API-Version: instance-ha 1.x`. Missing = 1.0,
 * `latest` = our maximum, malformed = 400, above our maximum = 406 (masakariFault) echoing the request.
 * Success responses echo `masakari X.Y`, errors `instance-ha X.Y`, both with `Vary`.
 */
export const MIN_MICROVERSION = { major: 1, minor: 0 } as const;
/** 1.3 = vmoves (post-Zed). Raise only with the feature behind it. */
export const MAX_MICROVERSION = { major: 1, minor: 3 } as const;
export const HEADER = 'OpenStack-API-Version';

export interface Microversion {
  major: number;
  minor: number;
}

export const formatVersion = (v: Microversion): string => `${v.major}.${v.minor}`;
export const atLeast = (v: Microversion, minor: number): boolean =>
  v.major > 1 || (v.major === 1 && v.minor >= minor);

declare module 'express-serve-static-core' {
  interface Request {
    microversion?: Microversion;
  }
}

export type ParsedVersionHeader =
  | { kind: 'ok'; version: Microversion }
  | { kind: 'malformed'; raw: string }
  | { kind: 'unsupported'; version: Microversion };

/** Pure: reads the header value (possibly a comma-joined list for several services). */
export function parseVersionHeader(raw: string | undefined): ParsedVersionHeader {
  if (raw === undefined || raw.trim() === '') return { kind: 'ok', version: MIN_MICROVERSION };
  const entry = raw
    .split(',')
    .map((s) => s.trim().split(/\s+/))
    .find(([service]) => service?.toLowerCase() === 'instance-ha');
  if (!entry) return { kind: 'ok', version: MIN_MICROVERSION };
  const value = entry[1];
  if (value === undefined || entry.length !== 2) return { kind: 'malformed', raw };
  if (value.toLowerCase() === 'latest') return { kind: 'ok', version: MAX_MICROVERSION };
  const m = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(value);
  if (!m) return { kind: 'malformed', raw };
  const version = { major: Number(m[1]), minor: Number(m[2]) };
  if (version.major < 1) return { kind: 'malformed', raw };
  const tooHigh =
    version.major > MAX_MICROVERSION.major ||
    (version.major === MAX_MICROVERSION.major && version.minor > MAX_MICROVERSION.minor);
  return tooHigh ? { kind: 'unsupported', version } : { kind: 'ok', version };
}

export function microversionMiddleware(req: Request, res: Response, next: NextFunction): void {
  const parsed = parseVersionHeader(req.header(HEADER));
  res.setHeader('Vary', HEADER);
  switch (parsed.kind) {
    case 'ok':
      req.microversion = parsed.version;
      res.setHeader(HEADER, `masakari ${formatVersion(parsed.version)}`);
      return next();
    case 'malformed':
      // Masakari rejects a malformed version before negotiating: no Vary on this answer.
      res.removeHeader('Vary');
      res.status(400).json(faultBody(400, `Invalid format for API version header: ${parsed.raw}`));
      return;
    case 'unsupported':
      res.setHeader(HEADER, `instance-ha ${formatVersion(parsed.version)}`);
      res
        .status(406)
        .json(
          faultBody(
            406,
            `Version ${formatVersion(parsed.version)} is not supported by the API. Minimum is ${formatVersion(MIN_MICROVERSION)} and maximum is ${formatVersion(MAX_MICROVERSION)}.`,
          ),
        );
      return;
  }
}

export function echoMicroversionOnError(req: Request, res: Response): void {
  if (req.microversion) res.setHeader(HEADER, `instance-ha ${formatVersion(req.microversion)}`);
}

/** Answers Masakari gives before version negotiation (routing 404, keystonemiddleware's 401) carry neither header. */
export function dropMicroversionHeaders(res: Response): void {
  res.removeHeader(HEADER);
  res.removeHeader('Vary');
}
