import type { NextFunction, Request, Response } from 'express';
import { type Logger } from '@vigil/config';

/**
 * Routes polled every few seconds by machines (probes, scrapes, heartbeats): their successes are logged
 * at debug, so the access log shows what people and tools did. Their failures stay at info.
 */
const POLLED =
  /^\/(healthz|readyz|metrics|vigil\/v1\/heartbeats|vigil\/v1\/hosts\/[^/]+\/instance-events)\/?$/;

/**
 * The HTTP access log: one line per answered request with its method, path (never the query string,
 * never a header: tokens and signatures travel there), status, duration and request id.
 */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const line = {
        requestId: req.requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
      };
      if (res.statusCode < 400 && POLLED.test(req.path)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
