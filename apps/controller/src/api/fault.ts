import { ErrorCode, VigilError, httpStatusOf } from '@vigil/contracts';

/**
 * Masakari's (and Nova's) fault body: `{"<name>": {"code": <status>, "message": "..."}}`.
 * The name comes from the status, as in masakari/api/openstack/wsgi.py.
 */
export function faultName(status: number): string {
  switch (status) {
    case 400:
      return 'badRequest';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'itemNotFound';
    case 405:
      return 'badMethod';
    case 409:
      return 'conflictingRequest';
    case 413:
    case 429:
      return 'overLimit';
    case 415:
      return 'badMediaType';
    case 501:
      return 'notImplemented';
    case 503:
      return 'serviceUnavailable';
    default:
      return 'masakariFault';
  }
}

export interface FaultBody {
  [name: string]: { code: number; message: string; error_code?: string };
}

export function faultBody(status: number, message: string, errorCode?: ErrorCode): FaultBody {
  return { [faultName(status)]: { code: status, message, ...(errorCode ? { error_code: errorCode } : {}) } };
}

export const badRequest = (message: string, details?: Record<string, unknown>): VigilError =>
  new VigilError(ErrorCode.BAD_REQUEST, message, details);
export const notFound = (message: string): VigilError => new VigilError(ErrorCode.NOT_FOUND, message);
export const conflict = (message: string): VigilError => new VigilError(ErrorCode.CONFLICT, message);
export const forbidden = (message: string): VigilError => new VigilError(ErrorCode.FORBIDDEN, message);

export { httpStatusOf };
