import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type Logger } from '@vigil/config';
import { ErrorCode, VigilError, httpStatusOf } from '@vigil/contracts';
import { faultBody } from './fault';
import { dropMicroversionHeaders, echoMicroversionOnError } from './microversion';

/**
 * The one place errors become HTTP responses. Coded errors map by code; Nest's own HTTP exceptions
 * keep their status; anything else is a 500 whose details go to the log, not to the caller.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    /** Keystone's URL, named in 401 answers as keystonemiddleware does. */
    private readonly keystoneUri = 'unknown',
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (res.headersSent) return;
    const { status, message, code } = this.classify(exception, req);
    if (status >= 500)
      this.logger.error(
        { err: exception, requestId: req.requestId, method: req.method, path: req.path, status },
        'request failed',
      );
    echoMicroversionOnError(req, res);
    // Unknown routes answer webob's router 404 (no fault key): JSON when asked for, else HTML.
    if (status === 404 && exception instanceof HttpException && !(exception instanceof VigilError)) {
      dropMicroversionHeaders(res);
      if (wantsJson(req)) res.status(404).json(ROUTING_404_JSON);
      else res.status(404).type('text/html; charset=UTF-8').send(ROUTING_404_HTML);
      return;
    }
    if (status === 401) {
      // keystonemiddleware's shape, which is what Masakari clients see on 401 (before versioning).
      dropMicroversionHeaders(res);
      res.setHeader('WWW-Authenticate', `Keystone uri="${this.keystoneUri}"`);
      res.status(401).json({ error: { code: 401, title: 'Unauthorized', message } });
      return;
    }
    res.status(status).json(faultBody(status, message, isVigilRoute(req) ? code : undefined));
  }

  private classify(exception: unknown, req: Request): { status: number; message: string; code?: ErrorCode } {
    if (exception instanceof VigilError)
      return { status: httpStatusOf(exception.code), message: exception.message, code: exception.code };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'string'
          ? body
          : typeof body === 'object' && body && 'message' in body
            ? String(body.message)
            : exception.message;
      if (status === 405)
        return { status, message: `The method ${req.method} is not allowed for this resource.` };
      return { status, message };
    }
    return {
      status: 500,
      message: 'Unexpected API Error. Please report this at the Vigil bug tracker.',
      code: ErrorCode.INTERNAL,
    };
  }
}

/** webob's HTTPNotFound rendered for `Accept: application/json` (what OpenStack clients send). */
const ROUTING_404_JSON = {
  message: 'The resource could not be found.<br /><br />\n\n\n',
  code: '404 Not Found',
  title: 'Not Found',
};
const ROUTING_404_HTML =
  '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n </body>\n</html>';

/** webob prefers HTML for a missing or wildcard Accept; JSON only when the caller names it. */
function wantsJson(req: Request): boolean {
  return /application\/json/i.test(req.headers.accept ?? '');
}

export function isVigilRoute(req: Request): boolean {
  return req.path.startsWith('/vigil/');
}
